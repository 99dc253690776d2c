// Reads back what a runtime wrote to a container's cgroup, on cgroup v1 (this machine's hybrid
// layout) or pure v2, so scenarios assert the same facts on either.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupVersion } from '../../test/helpers/tsrc.js';

const read = (p: string): string | undefined => (existsSync(p) ? readFileSync(p, 'utf8').trim() : undefined);

export interface Limits {
  /** Bytes, or 'max'. */
  memory?: string;
  cpuQuota?: string;
  cpuPeriod?: string;
  /** v1 cpu.shares (v2: undefined). */
  cpuShares?: string;
  /** Whether the cgroup exists at all. */
  exists: boolean;
}

/** Limits of the cgroup at `rel` (a cgroupsPath relative to the hierarchy roots). */
export function limitsOf(rel: string): Limits {
  if (cgroupVersion() === 'v2') {
    const dir = join('/sys/fs/cgroup', rel);
    const [quota, period] = (read(join(dir, 'cpu.max')) ?? '').split(' ');
    return { exists: existsSync(dir), memory: read(join(dir, 'memory.max')), cpuQuota: quota === 'max' ? '-1' : quota, cpuPeriod: period };
  }
  const v1 = (ctl: string, file: string) => read(join('/sys/fs/cgroup', ctl, rel, file));
  return {
    exists: existsSync(join('/sys/fs/cgroup/memory', rel)),
    memory: v1('memory', 'memory.limit_in_bytes'),
    cpuQuota: v1('cpu', 'cpu.cfs_quota_us'),
    cpuPeriod: v1('cpu', 'cpu.cfs_period_us'),
    cpuShares: v1('cpu', 'cpu.shares'),
  };
}

/** How many OOM kills the memory cgroup at `rel` has seen (v1 memory.oom_control, v2 memory.events). */
export function oomKills(rel: string): number | undefined {
  const text = cgroupVersion() === 'v2' ? read(join('/sys/fs/cgroup', rel, 'memory.events')) : read(join('/sys/fs/cgroup/memory', rel, 'memory.oom_control'));
  const m = text?.match(/^oom_kill (\d+)$/m);
  return m ? Number(m[1]) : undefined;
}

/** Freezer state of the cgroup at `rel`: FROZEN/THAWED (v1 freezer.state) or 1/0 (v2 cgroup.freeze). */
export function frozen(rel: string): boolean | undefined {
  if (cgroupVersion() === 'v2') {
    const v = read(join('/sys/fs/cgroup', rel, 'cgroup.events'))?.match(/^frozen (\d)$/m)?.[1];
    return v === undefined ? undefined : v === '1';
  }
  const s = read(join('/sys/fs/cgroup/freezer', rel, 'freezer.state'));
  return s === undefined ? undefined : s === 'FROZEN';
}

/** The memory cgroup path (relative) of a process, from /proc/<pid>/cgroup. */
export function memoryCgroupOf(pid: number): string | undefined {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  const v1 = lines.find((l) => /^\d+:memory:/.test(l));
  if (v1) return v1.slice(v1.indexOf(':memory:') + ':memory:'.length);
  return lines.find((l) => l.startsWith('0::'))?.slice(3);
}
