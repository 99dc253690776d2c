// Stats -> the JSON text runc prints for them: its omitempty/omitzero rules (types/events.go),
// "intel_rdt":{} and "network_interfaces":null, and u64 values written exactly (bigints included).
import type { BlkioEntry, MemoryEntry, PSIStats, Stats, U64 } from './stats.js';

type Json = null | boolean | number | bigint | string | Json[] | { [k: string]: Json };

const isZero = (v: U64): boolean => v === 0 || v === 0n;

function obj(entries: Array<[string, Json | undefined, boolean?]>): { [k: string]: Json } {
  // [key, value, omitWhenEmpty]
  const out: { [k: string]: Json } = {};
  for (const [k, v, omit] of entries) {
    if (v === undefined) continue;
    if (omit) {
      if (typeof v === 'number' || typeof v === 'bigint') {
        if (isZero(v)) continue;
      } else if (typeof v === 'string') {
        if (v === '') continue;
      } else if (Array.isArray(v)) {
        if (v.length === 0) continue;
      } else if (v && typeof v === 'object' && Object.keys(v).length === 0) continue;
    }
    out[k] = v;
  }
  return out;
}

function psi(p: PSIStats | undefined): Json | undefined {
  if (!p) return undefined;
  const data = (d: PSIStats['some']): Json | undefined =>
    d.avg10 === 0 && d.avg60 === 0 && d.avg300 === 0 && isZero(d.total) ? undefined : { avg10: d.avg10, avg60: d.avg60, avg300: d.avg300, total: d.total };
  return obj([
    ['some', data(p.some)],
    ['full', data(p.full)],
  ]);
}

function memEntry(e: MemoryEntry): Json | undefined {
  if (isZero(e.limit) && isZero(e.usage) && isZero(e.max) && isZero(e.failcnt)) return undefined;
  return obj([
    ['limit', e.limit],
    ['usage', e.usage, true],
    ['max', e.max, true],
    ['failcnt', e.failcnt],
  ]);
}

const blkio = (list: BlkioEntry[]): Json =>
  list.map((e) =>
    obj([
      ['major', e.major, true],
      ['minor', e.minor, true],
      ['op', e.op, true],
      ['value', e.value, true],
    ]),
  );

/** The runc-shaped JSON object (with bigints) for a Stats value. */
export function statsToJsonValue(s: Stats): Json {
  const u = s.cpu.usage;
  const usage = obj([
    ['total', u.total, true],
    ['percpu', u.percpu, true],
    ['percpu_kernel', u.percpu_kernel, true],
    ['percpu_user', u.percpu_user, true],
    ['kernel', u.kernel],
    ['user', u.user],
  ]);
  const usageZero = Object.keys(usage).length === 2 && isZero(u.kernel) && isZero(u.user);
  const t = s.cpu.throttling;
  const throttling = obj([
    ['periods', t.periods, true],
    ['throttledPeriods', t.throttledPeriods, true],
    ['throttledTime', t.throttledTime, true],
  ]);
  const c = s.cpuset;
  const m = s.memory;
  const b = s.blkio;
  const hugetlb: { [k: string]: Json } = {};
  for (const [size, h] of Object.entries(s.hugetlb)) {
    hugetlb[size] = obj([
      ['usage', h.usage, true],
      ['max', h.max, true],
      ['failcnt', h.failcnt],
    ]);
  }
  return {
    cpu: obj([
      ['usage', usageZero ? undefined : usage],
      ['throttling', throttling, true],
      ['psi', psi(s.cpu.psi)],
    ]),
    cpuset: obj([
      ['cpus', c.cpus, true],
      ['cpu_exclusive', c.cpu_exclusive],
      ['mems', c.mems, true],
      ['mem_hardwall', c.mem_hardwall],
      ['mem_exclusive', c.mem_exclusive],
      ['memory_migrate', c.memory_migrate],
      ['memory_spread_page', c.memory_spread_page],
      ['memory_spread_slab', c.memory_spread_slab],
      ['memory_pressure', c.memory_pressure],
      ['sched_load_balance', c.sched_load_balance],
      ['sched_relax_domain_level', c.sched_relax_domain_level],
    ]),
    memory: obj([
      ['cache', m.cache, true],
      ['usage', memEntry(m.usage)],
      ['swap', memEntry(m.swap)],
      ['kernel', memEntry(m.kernel)],
      ['kernelTCP', memEntry(m.kernelTCP)],
      ['raw', m.raw as { [k: string]: Json }, true],
      ['psi', psi(m.psi)],
    ]),
    pids: obj([
      ['current', s.pids.current, true],
      ['limit', s.pids.limit, true],
    ]),
    blkio: obj([
      ['ioServiceBytesRecursive', blkio(b.ioServiceBytesRecursive), true],
      ['ioServicedRecursive', blkio(b.ioServicedRecursive), true],
      ['ioQueueRecursive', blkio(b.ioQueueRecursive), true],
      ['ioServiceTimeRecursive', blkio(b.ioServiceTimeRecursive), true],
      ['ioWaitTimeRecursive', blkio(b.ioWaitTimeRecursive), true],
      ['ioMergedRecursive', blkio(b.ioMergedRecursive), true],
      ['ioTimeRecursive', blkio(b.ioTimeRecursive), true],
      ['sectorsRecursive', blkio(b.sectorsRecursive), true],
      ['psi', psi(b.psi)],
    ]),
    hugetlb,
    intel_rdt: {},
    network_interfaces: null,
  };
}

/** JSON.stringify that writes bigints as exact integers (JSON has no size limit; Go's uint64 reads them). */
export function stringifyExact(value: unknown, indent?: number): string {
  const marks: string[] = [];
  const text = JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (typeof v !== 'bigint') return v;
      marks.push(v.toString());
      return `\u0000big${marks.length - 1}\u0000`;
    },
    indent,
  );
  return text.replace(/"\\u0000big(\d+)\\u0000"/g, (_, i: string) => marks[Number(i)]);
}

/** runc's `events --stats` "data" object for these stats, as JSON text. */
export function statsToJSON(s: Stats, indent?: number): string {
  return stringifyExact(statsToJsonValue(s), indent);
}
