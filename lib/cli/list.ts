import { readdirSync } from 'node:fs';
import { deriveStatus, loadState, publicState } from '../container/state.js';
import { containerDir } from '../container/state.js';
import { errnoCode } from '../util/errors.js';
import type { GlobalArgs } from './main.js';

function ids(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw e;
  }
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 3))).join('').trimEnd() + '\n').join('');
}

export default async function list(a: GlobalArgs & { format: 'table' | 'json'; quiet: boolean }): Promise<void> {
  const states = [];
  for (const id of ids(a.root)) {
    let s;
    try {
      s = loadState(a.root, id);
    } catch {
      continue; // a container being created or deleted right now
    }
    let status;
    try {
      status = deriveStatus(containerDir(a.root, id));
    } catch {
      continue; // not a state tsrc can read (or its freezer is stuck): as for an unreadable state file
    }
    states.push(publicState(s, status));
  }
  if (a.quiet) {
    process.stdout.write(states.map((s) => s.id + '\n').join(''));
  } else if (a.format === 'json') {
    // runc prints null, not [], when there are no containers; go-runc accepts both.
    process.stdout.write(JSON.stringify(states.length ? states : null) + '\n');
  } else {
    const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']];
    for (const s of states) rows.push([s.id, String(s.pid), s.status, s.bundle, String(s.created), String(s.owner)]);
    process.stdout.write(table(rows));
  }
}
