// Cgroup statistics in the shape of runc's `runc events --stats` data (runc types/events.go,
// filled as opencontainers/cgroups does). Property names are runc's JSON keys, so
// statsToJSON(stats) prints what runc prints. Counters that can exceed 2^53 (limits meaning
// "unlimited") are bigints; statsToJSON writes them exactly, JSON.stringify would throw.
import { readdirSync } from 'node:fs';
import { parseKeyValues, readU64, tryReadCgroupFile, U64_MAX, type U64 } from './fsio.js';

export type { U64 };

export interface PSIData {
  avg10: number;
  avg60: number;
  avg300: number;
  total: U64;
}
export interface PSIStats {
  some: PSIData;
  full: PSIData;
}
export interface MemoryEntry {
  limit: U64;
  usage: U64;
  max: U64;
  failcnt: U64;
}
export interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: U64;
}
export interface HugetlbEntry {
  usage: U64;
  max: U64;
  failcnt: U64;
}

// A type alias (not an interface) so it is assignable to api.ts's indexable CgroupStats.
export type Stats = {
  cpu: {
    usage: { total: U64; percpu: U64[]; percpu_kernel: U64[]; percpu_user: U64[]; kernel: U64; user: U64 };
    throttling: { periods: U64; throttledPeriods: U64; throttledTime: U64 };
    psi?: PSIStats;
  };
  cpuset: {
    cpus: number[];
    cpu_exclusive: U64;
    mems: number[];
    mem_hardwall: U64;
    mem_exclusive: U64;
    memory_migrate: U64;
    memory_spread_page: U64;
    memory_spread_slab: U64;
    memory_pressure: U64;
    sched_load_balance: U64;
    sched_relax_domain_level: number;
  };
  memory: {
    cache: U64;
    usage: MemoryEntry;
    swap: MemoryEntry;
    kernel: MemoryEntry;
    kernelTCP: MemoryEntry;
    raw: Record<string, U64>;
    psi?: PSIStats;
  };
  pids: { current: U64; limit: U64 };
  blkio: {
    ioServiceBytesRecursive: BlkioEntry[];
    ioServicedRecursive: BlkioEntry[];
    ioQueueRecursive: BlkioEntry[];
    ioServiceTimeRecursive: BlkioEntry[];
    ioWaitTimeRecursive: BlkioEntry[];
    ioMergedRecursive: BlkioEntry[];
    ioTimeRecursive: BlkioEntry[];
    sectorsRecursive: BlkioEntry[];
    psi?: PSIStats;
  };
  hugetlb: Record<string, HugetlbEntry>;
};

export const memEntry = (): MemoryEntry => ({ limit: 0, usage: 0, max: 0, failcnt: 0 });

export function emptyStats(): Stats {
  return {
    cpu: { usage: { total: 0, percpu: [], percpu_kernel: [], percpu_user: [], kernel: 0, user: 0 }, throttling: { periods: 0, throttledPeriods: 0, throttledTime: 0 } },
    cpuset: {
      cpus: [],
      cpu_exclusive: 0,
      mems: [],
      mem_hardwall: 0,
      mem_exclusive: 0,
      memory_migrate: 0,
      memory_spread_page: 0,
      memory_spread_slab: 0,
      memory_pressure: 0,
      sched_load_balance: 0,
      sched_relax_domain_level: 0,
    },
    memory: { cache: 0, usage: memEntry(), swap: memEntry(), kernel: memEntry(), kernelTCP: memEntry(), raw: {} },
    pids: { current: 0, limit: 0 },
    blkio: {
      ioServiceBytesRecursive: [],
      ioServicedRecursive: [],
      ioQueueRecursive: [],
      ioServiceTimeRecursive: [],
      ioWaitTimeRecursive: [],
      ioMergedRecursive: [],
      ioTimeRecursive: [],
      sectorsRecursive: [],
    },
    hugetlb: {},
  };
}

// ---- arithmetic on U64 (exact, whichever representation) ----
export function norm(v: bigint): U64 {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}
export const add = (a: U64, b: U64): U64 => norm(BigInt(a) + BigInt(b));
export const mulDiv = (a: U64, m: number, d: number): U64 => norm((BigInt(a) * BigInt(m)) / BigInt(d));

/** Huge page sizes the kernel has, as cgroup file names spell them ("2MB", "1GB"). */
export function hugePageSizes(): string[] {
  let names: string[];
  try {
    names = readdirSync('/sys/kernel/mm/hugepages');
  } catch {
    return [];
  }
  const units = ['KB', 'MB', 'GB', 'TB'];
  return names
    .map((n) => /^hugepages-(\d+)kB$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => {
      let size = Number(m[1]);
      let u = 0;
      while (size >= 1024 && size % 1024 === 0 && u < units.length - 1) {
        size /= 1024;
        u++;
      }
      return `${size}${units[u]}`;
    });
}

export function parseList(text: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (text ?? '').trim().split(',')) {
    if (!part) continue;
    const [a, b] = part.split('-').map(Number);
    for (let i = a; i <= (b ?? a); i++) out.push(i);
  }
  return out;
}

export function parsePSI(dir: string, file: string): PSIStats | undefined {
  const text = tryReadCgroupFile(dir, file);
  if (text === undefined) return undefined;
  const zero = (): PSIData => ({ avg10: 0, avg60: 0, avg300: 0, total: 0 });
  const out: PSIStats = { some: zero(), full: zero() };
  for (const line of text.split('\n')) {
    const [kind, ...fields] = line.trim().split(/\s+/);
    if (kind !== 'some' && kind !== 'full') continue;
    for (const f of fields) {
      const [k, v] = f.split('=');
      if (k === 'total') out[kind].total = norm(BigInt(v));
      else if (k === 'avg10' || k === 'avg60' || k === 'avg300') out[kind][k] = Number(v);
    }
  }
  return out;
}

export type BlkioKey = Exclude<keyof Stats['blkio'], 'psi'>;

/** cpu.stat: throttling counters (v1 and v2); on v2 also the usage totals, converted from µs to ns. */
export function throttling(dir: string, s: Stats, usecToNs: boolean): void {
  const text = tryReadCgroupFile(dir, 'cpu.stat');
  if (text === undefined) return;
  const kv = parseKeyValues(text);
  s.cpu.throttling.periods = kv.get('nr_periods') ?? 0;
  s.cpu.throttling.throttledPeriods = kv.get('nr_throttled') ?? 0;
  s.cpu.throttling.throttledTime = usecToNs ? mulDiv(kv.get('throttled_usec') ?? 0, 1000, 1) : (kv.get('throttled_time') ?? 0);
  if (usecToNs) {
    s.cpu.usage.total = mulDiv(kv.get('usage_usec') ?? 0, 1000, 1);
    s.cpu.usage.user = mulDiv(kv.get('user_usec') ?? 0, 1000, 1);
    s.cpu.usage.kernel = mulDiv(kv.get('system_usec') ?? 0, 1000, 1);
  }
}

export function pidsStats(dir: string, s: Stats): void {
  if (tryReadCgroupFile(dir, 'pids.current') === undefined) {
    // No pids controller (v2 without it enabled): count cgroup.procs, as runc does.
    const procs = tryReadCgroupFile(dir, 'cgroup.procs') ?? '';
    s.pids.current = procs.split('\n').filter(Boolean).length;
    return;
  }
  s.pids.current = readU64(dir, 'pids.current');
  const max = readU64(dir, 'pids.max');
  s.pids.limit = max === U64_MAX ? 0 : max;
}
