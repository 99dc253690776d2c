// `events`: runc's event stream. --stats prints one {"type":"stats","id","data"} object and exits;
// otherwise stats every --interval and an {"type":"oom"} object whenever the kernel OOM-kills in
// the container, until the container stops.
import { readFileSync } from 'node:fs';
import { statsToJsonValue, stringifyExact } from '../cgroups/stats-json.js';
import { openContainer } from '../container/load.js';
import type { Container } from '../container/load.js';
import { TsrcError } from '../util/errors.js';
import type { GlobalArgs } from './main.js';

/** Go duration strings as go-runc sends them ("5s", "500ms", "1m30s"). */
export function parseDuration(s: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = '';
  for (let m; (m = re.exec(s)); ) {
    total += Number(m[1]) * units[m[2]];
    matched += m[0];
  }
  if (!s || matched !== s || total <= 0) throw new TsrcError(`invalid duration for --interval: ${JSON.stringify(s)}`);
  return total;
}

function oomKills(c: Container): number {
  const p = c.state.cgroup.paths;
  try {
    if (c.state.cgroup.mode === 'v2') return Number(/^oom_kill (\d+)/m.exec(readFileSync(`${p['']}/memory.events`, 'utf8'))?.[1] ?? 0);
    return Number(/^oom_kill (\d+)/m.exec(readFileSync(`${p.memory}/memory.oom_control`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

function emit(type: string, id: string, data?: unknown): void {
  process.stdout.write(stringifyExact(data === undefined ? { type, id } : { type, id, data }) + '\n');
}

export default async function events(a: GlobalArgs & { 'container-id': string; stats: boolean; interval: string }): Promise<void> {
  const interval = parseDuration(a.interval);
  const c = await openContainer(a.root, a['container-id'], { cgroup: true });
  if (c.status() === 'stopped') throw new TsrcError('container not running');
  if (a.stats) {
    emit('stats', c.id, statsToJsonValue(c.cgroup().stats()));
    return;
  }
  let ooms = oomKills(c);
  let nextStats = Date.now();
  while (c.status() !== 'stopped') {
    const now = Date.now();
    const n = oomKills(c);
    if (n > ooms) emit('oom', c.id);
    ooms = n;
    if (now >= nextStats) {
      emit('stats', c.id, statsToJsonValue(c.cgroup().stats()));
      nextStats = now + interval;
    }
    await new Promise((r) => setTimeout(r, Math.min(200, interval)));
  }
}
