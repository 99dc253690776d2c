// Cgroup statistics in the shape of runc's `runc events --stats` data (runc types/events.go,
// filled as opencontainers/cgroups does). Property names are runc's JSON keys, so
// statsToJSON(stats) prints what runc prints. Counters that can exceed 2^53 (limits meaning
// "unlimited") are bigints; statsToJSON writes them exactly, JSON.stringify would throw.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseKeyValues, readU64, readU64Optional, tryReadCgroupFile, U64_MAX, type U64 } from './fsio.js';

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

const memEntry = (): MemoryEntry => ({ limit: 0, usage: 0, max: 0, failcnt: 0 });

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
function norm(v: bigint): U64 {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}
const add = (a: U64, b: U64): U64 => norm(BigInt(a) + BigInt(b));
const mulDiv = (a: U64, m: number, d: number): U64 => norm((BigInt(a) * BigInt(m)) / BigInt(d));

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

function parseList(text: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (text ?? '').trim().split(',')) {
    if (!part) continue;
    const [a, b] = part.split('-').map(Number);
    for (let i = a; i <= (b ?? a); i++) out.push(i);
  }
  return out;
}

function parsePSI(dir: string, file: string): PSIStats | undefined {
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

// ---------------------------------------------------------------- v1

function memoryDataV1(dir: string, name: string): MemoryEntry | undefined {
  const prefix = name ? `memory.${name}` : 'memory';
  if (tryReadCgroupFile(dir, `${prefix}.usage_in_bytes`) === undefined) return undefined; // swap/kmem accounting is optional
  return {
    usage: readU64(dir, `${prefix}.usage_in_bytes`),
    max: readU64Optional(dir, `${prefix}.max_usage_in_bytes`),
    failcnt: readU64Optional(dir, `${prefix}.failcnt`),
    limit: readU64Optional(dir, `${prefix}.limit_in_bytes`),
  };
}

export function memoryStatsV1(dir: string, s: Stats): void {
  const raw = tryReadCgroupFile(dir, 'memory.stat');
  if (raw === undefined) return;
  for (const [k, v] of parseKeyValues(raw)) s.memory.raw[k] = v;
  s.memory.cache = s.memory.raw.cache ?? 0;
  s.memory.usage = memoryDataV1(dir, '') ?? memEntry();
  s.memory.swap = memoryDataV1(dir, 'memsw') ?? memEntry();
  s.memory.kernel = memoryDataV1(dir, 'kmem') ?? memEntry();
  s.memory.kernelTCP = memoryDataV1(dir, 'kmem.tcp') ?? memEntry();
}

export function cpuacctStatsV1(dir: string, s: Stats): void {
  const stat = tryReadCgroupFile(dir, 'cpuacct.stat');
  if (stat === undefined) return;
  // cpuacct.stat counts USER_HZ ticks (100 on Linux); runc reports nanoseconds.
  const kv = parseKeyValues(stat);
  s.cpu.usage.user = mulDiv(kv.get('user') ?? 0, 1e9, 100);
  s.cpu.usage.kernel = mulDiv(kv.get('system') ?? 0, 1e9, 100);
  s.cpu.usage.total = readU64(dir, 'cpuacct.usage');
  s.cpu.usage.percpu = (tryReadCgroupFile(dir, 'cpuacct.usage_percpu') ?? '').trim().split(/\s+/).filter(Boolean).map((v) => norm(BigInt(v)));
  const all = tryReadCgroupFile(dir, 'cpuacct.usage_all');
  if (all !== undefined) {
    for (const line of all.trim().split('\n').slice(1)) {
      const [, user, system] = line.trim().split(/\s+/);
      if (system === undefined) continue;
      s.cpu.usage.percpu_user.push(norm(BigInt(user)));
      s.cpu.usage.percpu_kernel.push(norm(BigInt(system)));
    }
  }
}

function throttling(dir: string, s: Stats, usecToNs: boolean): void {
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

export function cpuStatsV1(dir: string, s: Stats): void {
  throttling(dir, s, false);
}

export function cpusetStatsV1(dir: string, s: Stats): void {
  const c = s.cpuset;
  c.cpus = parseList(tryReadCgroupFile(dir, 'cpuset.cpus'));
  c.mems = parseList(tryReadCgroupFile(dir, 'cpuset.mems'));
  c.cpu_exclusive = readU64Optional(dir, 'cpuset.cpu_exclusive');
  c.mem_hardwall = readU64Optional(dir, 'cpuset.mem_hardwall');
  c.mem_exclusive = readU64Optional(dir, 'cpuset.mem_exclusive');
  c.memory_migrate = readU64Optional(dir, 'cpuset.memory_migrate');
  c.memory_spread_page = readU64Optional(dir, 'cpuset.memory_spread_page');
  c.memory_spread_slab = readU64Optional(dir, 'cpuset.memory_spread_slab');
  c.memory_pressure = readU64Optional(dir, 'cpuset.memory_pressure');
  c.sched_load_balance = readU64Optional(dir, 'cpuset.sched_load_balance');
  c.sched_relax_domain_level = Number(tryReadCgroupFile(dir, 'cpuset.sched_relax_domain_level')?.trim() ?? 0);
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

/** One blkio stat file: "8:0 Read 1234" lines (or "8:0 1234" without an op); "Total" lines skipped. */
function blkioFile(dir: string, file: string): BlkioEntry[] | undefined {
  const text = tryReadCgroupFile(dir, file);
  if (text === undefined) return undefined;
  const out: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/[\s:]+/);
    if (f.length < 3) continue; // "Total N" or blank
    const [major, minor] = [Number(f[0]), Number(f[1])];
    const [op, value] = f.length >= 4 ? [f[2], f[3]] : ['', f[2]];
    out.push({ major, minor, op, value: norm(BigInt(value)) });
  }
  return out;
}

type BlkioKey = Exclude<keyof Stats['blkio'], 'psi'>;

export function blkioStatsV1(dir: string, s: Stats): void {
  // runc's order: the first family whose first file exists wins (bfq debug, bfq, cfq, throttle).
  const families: Array<Array<[string, BlkioKey]>> = [
    [
      ['blkio.bfq.sectors_recursive', 'sectorsRecursive'],
      ['blkio.bfq.io_service_time_recursive', 'ioServiceTimeRecursive'],
      ['blkio.bfq.io_wait_time_recursive', 'ioWaitTimeRecursive'],
      ['blkio.bfq.io_merged_recursive', 'ioMergedRecursive'],
      ['blkio.bfq.io_queued_recursive', 'ioQueueRecursive'],
      ['blkio.bfq.time_recursive', 'ioTimeRecursive'],
      ['blkio.bfq.io_serviced_recursive', 'ioServicedRecursive'],
      ['blkio.bfq.io_service_bytes_recursive', 'ioServiceBytesRecursive'],
    ],
    [
      ['blkio.bfq.io_serviced_recursive', 'ioServicedRecursive'],
      ['blkio.bfq.io_service_bytes_recursive', 'ioServiceBytesRecursive'],
    ],
    [
      ['blkio.sectors_recursive', 'sectorsRecursive'],
      ['blkio.io_service_time_recursive', 'ioServiceTimeRecursive'],
      ['blkio.io_wait_time_recursive', 'ioWaitTimeRecursive'],
      ['blkio.io_merged_recursive', 'ioMergedRecursive'],
      ['blkio.io_queued_recursive', 'ioQueueRecursive'],
      ['blkio.time_recursive', 'ioTimeRecursive'],
      ['blkio.io_serviced_recursive', 'ioServicedRecursive'],
      ['blkio.io_service_bytes_recursive', 'ioServiceBytesRecursive'],
    ],
    [
      ['blkio.throttle.io_serviced_recursive', 'ioServicedRecursive'],
      ['blkio.throttle.io_service_bytes_recursive', 'ioServiceBytesRecursive'],
    ],
    [
      ['blkio.throttle.io_serviced', 'ioServicedRecursive'],
      ['blkio.throttle.io_service_bytes', 'ioServiceBytesRecursive'],
    ],
  ];
  for (const family of families) {
    const first = blkioFile(dir, family[0][0]);
    if (first === undefined) continue;
    s.blkio[family[0][1]] = first;
    for (const [file, key] of family.slice(1)) s.blkio[key] = blkioFile(dir, file) ?? [];
    return;
  }
}

export function hugetlbStatsV1(dir: string, s: Stats): void {
  for (const size of hugePageSizes()) {
    const rsvd = tryReadCgroupFile(dir, `hugetlb.${size}.rsvd.usage_in_bytes`) !== undefined ? '.rsvd' : '';
    const p = `hugetlb.${size}${rsvd}`;
    if (tryReadCgroupFile(dir, `${p}.usage_in_bytes`) === undefined) continue;
    s.hugetlb[size] = { usage: readU64(dir, `${p}.usage_in_bytes`), max: readU64(dir, `${p}.max_usage_in_bytes`), failcnt: readU64(dir, `${p}.failcnt`) };
  }
}

// ---------------------------------------------------------------- v2

export function cpuStatsV2(dir: string, s: Stats): void {
  throttling(dir, s, true);
  s.cpu.psi = parsePSI(dir, 'cpu.pressure');
}

function memoryDataV2(dir: string, name: string): MemoryEntry | undefined {
  const prefix = name ? `memory.${name}` : 'memory';
  const cur = tryReadCgroupFile(dir, `${prefix}.current`);
  if (cur === undefined) return undefined;
  return { usage: readU64(dir, `${prefix}.current`), limit: readU64(dir, `${prefix}.max`), max: readU64Optional(dir, `${prefix}.peak`), failcnt: 0 };
}

export function memoryStatsV2(dir: string, s: Stats): void {
  const raw = tryReadCgroupFile(dir, 'memory.stat');
  if (raw !== undefined) {
    for (const [k, v] of parseKeyValues(raw)) s.memory.raw[k] = v;
    s.memory.cache = s.memory.raw.file ?? 0;
    const usage = memoryDataV2(dir, '');
    if (usage) {
      // v2 has no failcnt file; memory.events "max" counts the times usage hit the limit.
      usage.failcnt = parseKeyValues(tryReadCgroupFile(dir, 'memory.events') ?? '').get('max') ?? 0;
      s.memory.usage = usage;
      const swapOnly = memoryDataV2(dir, 'swap') ?? memEntry();
      // runc reports memory+swap here, as v1's memsw did.
      const limit = swapOnly.limit === U64_MAX ? U64_MAX : add(swapOnly.limit, usage.limit);
      s.memory.swap = { usage: add(swapOnly.usage, usage.usage), limit: BigInt(limit) > U64_MAX ? U64_MAX : limit, max: 0, failcnt: 0 };
    }
  }
  s.memory.psi = parsePSI(dir, 'memory.pressure');
}

export function ioStatsV2(dir: string, s: Stats): void {
  const text = tryReadCgroupFile(dir, 'io.stat');
  if (text !== undefined) {
    for (const line of text.split('\n')) {
      const [dev, ...items] = line.trim().split(/\s+/);
      const m = /^(\d+):(\d+)$/.exec(dev ?? '');
      if (!m) continue;
      const [major, minor] = [Number(m[1]), Number(m[2])];
      for (const item of items) {
        const [k, v] = item.split('=');
        const map: Record<string, [BlkioKey, string]> = {
          rbytes: ['ioServiceBytesRecursive', 'Read'],
          wbytes: ['ioServiceBytesRecursive', 'Write'],
          rios: ['ioServicedRecursive', 'Read'],
          wios: ['ioServicedRecursive', 'Write'],
        };
        const target = map[k];
        if (target && v !== undefined) s.blkio[target[0]].push({ major, minor, op: target[1], value: norm(BigInt(v)) });
      }
    }
  }
  s.blkio.psi = parsePSI(dir, 'io.pressure');
}

export function hugetlbStatsV2(dir: string, s: Stats): void {
  for (const size of hugePageSizes()) {
    const rsvd = tryReadCgroupFile(dir, `hugetlb.${size}.rsvd.current`) !== undefined ? '.rsvd' : '';
    const cur = tryReadCgroupFile(dir, `hugetlb.${size}${rsvd}.current`);
    if (cur === undefined) continue;
    const failcnt = parseKeyValues(tryReadCgroupFile(dir, `hugetlb.${size}.events`) ?? '').get('max') ?? 0;
    s.hugetlb[size] = { usage: readU64(dir, `hugetlb.${size}${rsvd}.current`), max: 0, failcnt };
  }
}
