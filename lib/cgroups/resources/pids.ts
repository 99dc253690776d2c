// linux.resources.pids.limit -> pids.max (same file on v1 and v2).
import { int, type WriteContext } from './context.js';

export function applyPids(ctx: WriteContext, dir: string, pids: { limit?: number }): void {
  if (pids.limit === undefined) return;
  const limit = int('pids.limit', pids.limit);
  // The spec: -1 (any negative) is "max", and 0 is a real limit the kernel accepts. (runc writes
  // 1 for 0, from the days when 0 meant unset; we follow the spec text.)
  ctx.write(dir, 'pids.max', limit < 0 ? 'max' : String(limit));
}
