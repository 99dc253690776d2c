// RLIMIT_* names → resource numbers (asm-generic/resource.h, the same on every Linux arch tsrc targets).
export const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0,
  RLIMIT_FSIZE: 1,
  RLIMIT_DATA: 2,
  RLIMIT_STACK: 3,
  RLIMIT_CORE: 4,
  RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7,
  RLIMIT_MEMLOCK: 8,
  RLIMIT_AS: 9,
  RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11,
  RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13,
  RLIMIT_RTPRIO: 14,
  RLIMIT_RTTIME: 15,
};

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
