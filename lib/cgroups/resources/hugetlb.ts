// linux.resources.hugepageLimits -> v1 hugetlb.<size>.limit_in_bytes / v2 hugetlb.<size>.max, and
// the reservation (.rsvd.) variants where the kernel has them, so limits hold at mmap time.
import { fileExists } from '../fsio.js';
import { hugePageSizes } from '../stats.js';
import { invalid, uint, type WriteContext } from './context.js';

type Limit = { pageSize: string; limit: number };

const PAGE_SIZE = /^\d+[KMG]B$/;

/** Check every entry against the kernel's huge page sizes before anything is written or enabled. */
export function checkHugetlb(limits: Limit[]): void {
  const sizes = hugePageSizes();
  for (const [i, l] of limits.entries()) {
    const field = `hugepageLimits[${i}]`;
    if (typeof l.pageSize !== 'string' || !PAGE_SIZE.test(l.pageSize)) {
      throw invalid(`${field}.pageSize`, `${JSON.stringify(l.pageSize)} is not a size like "2MB" or "1GB"`);
    }
    if (!sizes.includes(l.pageSize)) {
      throw invalid(`${field}.pageSize`, `${l.pageSize} huge pages are not supported here (the kernel has ${sizes.join(', ') || 'none'})`);
    }
    uint(`${field}.limit`, l.limit);
  }
}

export function applyHugetlb(ctx: WriteContext, dir: string, limits: Limit[], mode: 'v1' | 'v2'): void {
  checkHugetlb(limits);
  const suffix = mode === 'v1' ? '.limit_in_bytes' : '.max';
  for (const [i, l] of limits.entries()) {
    const field = `hugepageLimits[${i}]`;
    const value = String(l.limit);
    const file = `hugetlb.${l.pageSize}${suffix}`;
    if (!fileExists(`${dir}/${file}`)) {
      throw invalid(`${field}.pageSize`, `${l.pageSize} huge pages are not supported here (no ${dir}/${file})`);
    }
    ctx.write(dir, file, value);
    const rsvd = `hugetlb.${l.pageSize}.rsvd${suffix}`;
    if (fileExists(`${dir}/${rsvd}`)) ctx.write(dir, rsvd, value);
  }
}
