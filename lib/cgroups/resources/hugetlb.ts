// linux.resources.hugepageLimits -> v1 hugetlb.<size>.limit_in_bytes / v2 hugetlb.<size>.max, and
// the reservation (.rsvd.) variants where the kernel has them, so limits hold at mmap time.
import { fileExists } from '../fsio.js';
import { invalid, uint, type WriteContext } from './context.js';

type Limit = { pageSize: string; limit: number };

const PAGE_SIZE = /^\d+[KMG]B$/;

export function applyHugetlb(ctx: WriteContext, dir: string, limits: Limit[], mode: 'v1' | 'v2'): void {
  const suffix = mode === 'v1' ? '.limit_in_bytes' : '.max';
  for (const [i, l] of limits.entries()) {
    const field = `hugepageLimits[${i}]`;
    if (typeof l.pageSize !== 'string' || !PAGE_SIZE.test(l.pageSize)) {
      throw invalid(`${field}.pageSize`, `${JSON.stringify(l.pageSize)} is not a size like "2MB" or "1GB"`);
    }
    const value = String(uint(`${field}.limit`, l.limit));
    const file = `hugetlb.${l.pageSize}${suffix}`;
    if (!fileExists(`${dir}/${file}`)) {
      throw invalid(`${field}.pageSize`, `${l.pageSize} huge pages are not supported here (no ${dir}/${file})`);
    }
    ctx.write(dir, file, value);
    const rsvd = `hugetlb.${l.pageSize}.rsvd${suffix}`;
    if (fileExists(`${dir}/${rsvd}`)) ctx.write(dir, rsvd, value);
  }
}
