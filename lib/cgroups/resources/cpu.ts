// linux.resources.cpu (shares, quota/period/burst, idle, realtime) -> v1 cpu.* / v2 cpu.{weight,max,max.burst,idle}.
// cpus/mems live in cpuset.ts.
import type { CpuResources } from '../../spec/types.js';
import { readCgroupFile, readU64 } from '../fsio.js';
import { int, invalid, isMissingKnob, uint, writeOrWarn, type WriteContext } from './context.js';
import { sharesToWeight } from './convert.js';

function checkQuotaBurst(c: CpuResources): void {
  if (c.quota !== undefined && c.burst !== undefined && c.quota > 0 && c.burst > c.quota) {
    throw invalid('cpu.burst', `burst ${c.burst} must not be larger than quota ${c.quota}`);
  }
}

/**
 * CFS and RT knobs constrain each other (period vs quota vs burst, rt period vs rt runtime) and
 * which order the kernel accepts depends on the old values. Like runc: try each knob in turn;
 * one refused with EINVAL while its partner is still to come is retried after the partner.
 */
class Deferred {
  private later: Array<[string, string]> = [];
  constructor(
    private ctx: WriteContext,
    private dir: string,
  ) {}
  /** Write now; on EINVAL with `partnerComing`, retry after flush(). A missing knob warns as `what`. */
  write(file: string, value: string, partnerComing: boolean, what?: string): void {
    try {
      this.ctx.write(this.dir, file, value);
    } catch (e) {
      if (what && isMissingKnob(e)) {
        this.ctx.warn(`${what} is not supported by this kernel (no ${this.dir}/${file}); ignored`);
        return;
      }
      if ((e as { code?: string }).code !== 'EINVAL' || !partnerComing) throw e;
      this.later.push([file, value]);
    }
  }
  flush(): void {
    for (const [file, value] of this.later) this.ctx.write(this.dir, file, value);
    this.later = [];
  }
}

const setNonZero = (v: number | undefined): v is number => v !== undefined && v !== 0;

export function applyCpuV1(ctx: WriteContext, dir: string, c: CpuResources): void {
  checkQuotaBurst(c);
  if (setNonZero(c.shares)) {
    const shares = uint('cpu.shares', c.shares);
    ctx.write(dir, 'cpu.shares', String(shares));
    // The kernel silently clamps to [2, 262144]; say so instead of running with another value.
    const got = Number(readU64(dir, 'cpu.shares'));
    if (shares > got) throw invalid('cpu.shares', `the maximum allowed cpu-shares is ${got}`);
    if (shares < got) throw invalid('cpu.shares', `the minimum allowed cpu-shares is ${got}`);
  }
  const cfs = new Deferred(ctx, dir);
  const quotaComing = setNonZero(c.quota);
  if (setNonZero(c.period)) cfs.write('cpu.cfs_period_us', String(uint('cpu.period', c.period)), quotaComing);
  if (c.burst !== undefined) cfs.write('cpu.cfs_burst_us', String(uint('cpu.burst', c.burst)), quotaComing, 'cpu.burst');
  if (quotaComing) {
    ctx.write(dir, 'cpu.cfs_quota_us', String(int('cpu.quota', c.quota)));
    cfs.flush();
  }
  if (c.idle !== undefined) writeOrWarn(ctx, dir, 'cpu.idle', String(int('cpu.idle', c.idle)), 'cpu.idle');
  applyRealtimeV1(ctx, dir, c);
}

/**
 * Realtime bandwidth (CONFIG_RT_GROUP_SCHED). Must be set before an RT task joins, and the
 * parent cgroup must have rt runtime to give (the kernel says EINVAL otherwise).
 */
export function applyRealtimeV1(ctx: WriteContext, dir: string, c: CpuResources): void {
  const rt = new Deferred(ctx, dir);
  const runtimeComing = setNonZero(c.realtimeRuntime);
  const what = 'cpu.realtimePeriod/realtimeRuntime (RT group scheduling)';
  if (setNonZero(c.realtimePeriod)) rt.write('cpu.rt_period_us', String(uint('cpu.realtimePeriod', c.realtimePeriod)), runtimeComing, what);
  if (runtimeComing) {
    rt.write('cpu.rt_runtime_us', String(int('cpu.realtimeRuntime', c.realtimeRuntime)), false, what);
    rt.flush();
  }
}

export function applyCpuV2(ctx: WriteContext, dir: string, c: CpuResources): void {
  checkQuotaBurst(c);
  if (c.idle !== undefined) writeOrWarn(ctx, dir, 'cpu.idle', String(int('cpu.idle', c.idle)), 'cpu.idle');
  if (setNonZero(c.shares)) {
    ctx.write(dir, 'cpu.weight', String(sharesToWeight(uint('cpu.shares', c.shares))));
  }
  const hasQuota = setNonZero(c.quota);
  const hasPeriod = setNonZero(c.period);
  let max: [string, string] | undefined;
  if (hasQuota || hasPeriod) {
    // cpu.max is "<quota|max> <period>" in one write; keep the half that is not being set.
    const [curQuota, curPeriod] = readCgroupFile(dir, 'cpu.max').trim().split(/\s+/);
    const quota = hasQuota ? (int('cpu.quota', c.quota) > 0 ? String(c.quota) : 'max') : curQuota;
    const period = hasPeriod ? String(uint('cpu.period', c.period)) : curPeriod || '100000';
    max = ['cpu.max', `${quota} ${period}`];
  }
  const cfs = new Deferred(ctx, dir);
  if (c.burst !== undefined) cfs.write('cpu.max.burst', String(uint('cpu.burst', c.burst)), max !== undefined, 'cpu.burst');
  if (max) {
    ctx.write(dir, max[0], max[1]);
    cfs.flush();
  }
  if (setNonZero(c.realtimePeriod) || setNonZero(c.realtimeRuntime)) {
    ctx.warn('cpu.realtimePeriod/realtimeRuntime have no cgroup v2 equivalent; ignored');
  }
}
