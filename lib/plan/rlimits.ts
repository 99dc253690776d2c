// RLIMIT_* names → resource numbers: RLIMIT_NAMES is in resource-number order.
import { RLIMIT_NAMES } from '../spec/known-names.js';

export const RLIMITS: Readonly<Record<string, number>> = Object.fromEntries(RLIMIT_NAMES.map((name, n) => [name, n]));

export const RLIM_INFINITY = (1n << 64n) - 1n;

/**
 * JSON numbers above 2^53 arrive rounded (18446744073709551615 parses as 2^64), so anything at or
 * beyond 2^64-1 means "unlimited", which is what every caller that writes such a value intends.
 */
export function rlimitValue(n: number): bigint {
  if (n < 0) return RLIM_INFINITY;
  const b = BigInt(Math.trunc(n));
  return b >= RLIM_INFINITY ? RLIM_INFINITY : b;
}
