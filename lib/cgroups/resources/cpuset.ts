// linux.resources.cpu.{cpus,mems} -> cpuset.{cpus,mems} (same names on v1 and v2), plus the v1
// chore of giving new cpuset cgroups their parent's cpus/mems so a task can join at all.
import type { CpuResources } from '../../spec/types.js';
import { readCgroupFile, writeCgroupFile } from '../fsio.js';
import { invalid, type WriteContext } from './context.js';

const LIST = /^\s*\d+(-\d+)?(,\d+(-\d+)?)*\s*$/;

export function applyCpuset(ctx: WriteContext, dir: string, c: CpuResources): void {
  for (const key of ['cpus', 'mems'] as const) {
    const v = c[key];
    if (v === undefined || v === '') continue;
    if (!LIST.test(v)) throw invalid(`cpu.${key}`, `${JSON.stringify(v)} is not a list like "0-3,7"`);
    ctx.write(dir, `cpuset.${key}`, v);
  }
}

/**
 * A new v1 cpuset cgroup starts with empty cpuset.cpus/mems, and joining it fails with ENOSPC.
 * Copy the parent's values into `dir` where they are empty (runc's cpusetCopyIfNeeded).
 */
export function inheritCpusetV1(dir: string, parent: string): void {
  for (const key of ['cpuset.cpus', 'cpuset.mems']) {
    if (readCgroupFile(dir, key).trim() !== '') continue;
    const fromParent = readCgroupFile(parent, key).trim();
    if (fromParent !== '') writeCgroupFile(dir, key, fromParent);
  }
}
