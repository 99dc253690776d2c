// `ps`: the host pids of every process in the container's cgroup. json is what containerd's shim
// parses (an array of ints); table filters the output of ps(1) to those pids, as runc does.
import { execFileSync } from 'node:child_process';
import { openContainer } from '../container/load.js';
import { TsrcError } from '../util/errors.js';
import type { GlobalArgs } from './main.js';

export function filterPsTable(output: string, pids: ReadonlySet<number>): string {
  const lines = output.split('\n');
  const header = lines[0] ?? '';
  const col = header.trim().split(/\s+/).indexOf('PID');
  if (col < 0) throw new TsrcError("ps: couldn't find PID field in ps output");
  const keep = lines.slice(1).filter((l) => l.trim() && pids.has(Number(l.trim().split(/\s+/)[col])));
  return [header, ...keep].join('\n') + '\n';
}

export default async function ps(a: GlobalArgs & { 'container-id': string; format: 'table' | 'json'; '--'?: Array<string | number> }): Promise<void> {
  const c = await openContainer(a.root, a['container-id'], { cgroup: true });
  const pids = c.status() === 'stopped' ? [] : c.cgroup().pids();
  if (a.format === 'json') {
    process.stdout.write(JSON.stringify(pids) + '\n');
    return;
  }
  const args = a['--']?.length ? a['--'].map(String) : ['-ef'];
  process.stdout.write(filterPsTable(execFileSync('ps', args, { encoding: 'utf8' }), new Set(pids)));
}
