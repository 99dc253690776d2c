// Statistics from cgroup v2 files (as opencontainers/cgroups fs2/*.go reads them).
import { parseKeyValues, readU64, readU64Optional, tryReadCgroupFile, U64_MAX } from './fsio.js';
import { add, hugePageSizes, memEntry, norm, parsePSI, throttling, type BlkioKey, type MemoryEntry, type Stats } from './stats.js';

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
