// Statistics from cgroup v1 files (as opencontainers/cgroups fs/*.go reads them).
import { parseKeyValues, readU64, readU64Optional, tryReadCgroupFile } from './fsio.js';
import { hugePageSizes, memEntry, mulDiv, norm, parseList, throttling, type BlkioEntry, type BlkioKey, type MemoryEntry, type Stats } from './stats.js';

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
