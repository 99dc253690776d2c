// The OCI spec speaks cgroup v1; these turn its values into cgroup v2 ones the way runc
// (opencontainers/cgroups utils.go) and crun do, so a config means the same on every runtime.
import { invalid } from './context.js';

/**
 * cpu.shares [2..262144], default 1024  ->  cpu.weight [1..10000], default 100.
 * A quadratic in log2(shares) through (2,1), (1024,100) and (262144,10000): current runc and
 * crun. (Older runc/crun used the linear 1 + (shares-2)*9999/262142, which maps 1024 to 39.)
 * 0 means "unset".
 */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  const l = Math.log2(shares);
  return Math.ceil(Math.pow(10, (l * l + 125 * l) / 612.0 - 7.0 / 34.0));
}

/** blkio.weight [10..1000] -> io.weight [1..10000], linearly (runc's ConvertBlkIOToIOWeightValue). 0 = unset. */
export function blkioWeightToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/**
 * The spec's memory.swap is memory+swap (v1 memsw); v2's memory.swap.max is swap alone.
 * Returns undefined for "leave unset", -1 for "max". (runc's ConvertMemorySwapToCgroupV2Value.)
 */
export function swapToV2(swap: number, limit: number): number | undefined {
  if (limit === -1 && swap === 0) return -1; // "no limits at all", as on v1
  if (swap === 0) return undefined;
  if (swap === -1) return -1;
  if (limit === -1) return swap;
  if (limit === 0) throw invalid('memory.swap', 'a swap limit needs a memory limit to be set too');
  if (swap < limit) throw invalid('memory.swap', `memory+swap limit ${swap} must not be below the memory limit ${limit}`);
  return swap - limit;
}
