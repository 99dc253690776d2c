// linux.resources.memory -> v1 memory.* / v2 memory.{max,swap.max,low}.
import type { MemoryResources } from '../../spec/types.js';
import { fileExists, readU64 } from '../fsio.js';
import { int, invalid, uint, writeOrWarn, type WriteContext } from './context.js';
import { swapToV2 } from './convert.js';

/** 0 means "not set" (as in runc); -1 means unlimited. */
function limitOf(field: string, v: number | undefined): number {
  if (v === undefined) return 0;
  const n = int(`memory.${field}`, v);
  if (n < -1) throw invalid(`memory.${field}`, `must be -1 (unlimited) or a number of bytes, got ${n}`);
  return n;
}

export function applyMemoryV1(ctx: WriteContext, dir: string, m: MemoryResources): void {
  const limit = limitOf('limit', m.limit);
  let swap = limitOf('swap', m.swap);
  const swapFile = 'memory.memsw.limit_in_bytes';
  const haveSwap = fileExists(`${dir}/${swapFile}`);
  // "limit: -1" alone means "no memory limit at all": lift memory+swap too, or the kernel refuses
  // a memory limit above the memsw one.
  if (limit === -1 && swap === 0 && haveSwap) swap = -1;
  if (swap !== 0 && limit > 0 && swap !== -1 && swap < limit) {
    throw invalid('memory.swap', `memory+swap limit ${swap} must not be below the memory limit ${limit}`);
  }
  const writeLimit = (): void => {
    if (limit !== 0) ctx.write(dir, 'memory.limit_in_bytes', String(limit));
  };
  const writeSwap = (): void => {
    if (swap === 0) return;
    if (!haveSwap) {
      if (swap === -1) return; // nothing to lift
      throw invalid('memory.swap', `this kernel has no swap accounting (${dir}/${swapFile} is missing)`);
    }
    ctx.write(dir, swapFile, String(swap));
  };
  // The kernel keeps memory.limit <= memsw.limit at every step, so the order depends on whether
  // the limits grow or shrink (runc's rule).
  if (limit !== 0 && swap !== 0 && haveSwap) {
    const cur = readU64(dir, 'memory.limit_in_bytes');
    if (swap === -1 || BigInt(cur) < BigInt(swap)) {
      writeSwap();
      writeLimit();
    } else {
      writeLimit();
      writeSwap();
    }
  } else {
    writeLimit();
    writeSwap();
  }
  if (m.reservation !== undefined && m.reservation !== 0) {
    ctx.write(dir, 'memory.soft_limit_in_bytes', String(limitOf('reservation', m.reservation)));
  }
  if (m.kernel !== undefined && m.kernel !== 0) {
    const kernel = limitOf('kernel', m.kernel);
    if (writeOrWarn(ctx, dir, 'memory.kmem.limit_in_bytes', String(kernel), 'memory.kernel') && kernel > 0) {
      // Since Linux 6.1 the write "succeeds" and is ignored: the limit stays unlimited.
      const got = BigInt(readU64(dir, 'memory.kmem.limit_in_bytes'));
      if (got > BigInt(kernel) + 4096n) ctx.warn('memory.kernel is ignored by this kernel (kernel memory limits were removed in Linux 6.1)');
    }
  }
  if (m.kernelTCP !== undefined && m.kernelTCP !== 0) {
    writeOrWarn(ctx, dir, 'memory.kmem.tcp.limit_in_bytes', String(limitOf('kernelTCP', m.kernelTCP)), 'memory.kernelTCP');
  }
  if (m.swappiness !== undefined && m.swappiness !== -1) {
    const s = uint('memory.swappiness', m.swappiness);
    if (s > 100) throw invalid('memory.swappiness', `must be 0-100, got ${s}`);
    writeOrWarn(ctx, dir, 'memory.swappiness', String(s), 'memory.swappiness');
  }
  if (m.disableOOMKiller !== undefined) {
    writeOrWarn(ctx, dir, 'memory.oom_control', m.disableOOMKiller ? '1' : '0', 'memory.disableOOMKiller');
  }
  if (m.useHierarchy !== undefined) {
    try {
      ctx.write(dir, 'memory.use_hierarchy', m.useHierarchy ? '1' : '0');
    } catch (e) {
      // Kernels since 5.x have hierarchical accounting always on and reject "0".
      ctx.warn(`memory.useHierarchy=${m.useHierarchy} is not supported by this kernel (${(e as Error).message}); ignored`);
    }
  }
}

/** memory.checkBeforeUpdate on v2: refuse a limit at or below current usage instead of OOM-killing. */
function checkUsage(dir: string, limit: number, swap: number): void {
  if (limit <= 0 && swap <= 0) return;
  let usage: bigint;
  try {
    usage = BigInt(readU64(dir, 'memory.current'));
  } catch {
    return;
  }
  if (swap > 0 && BigInt(swap) <= usage) throw invalid('memory.swap', `rejecting memory+swap limit ${swap} <= usage ${usage}`);
  if (limit > 0 && BigInt(limit) <= usage) throw invalid('memory.limit', `rejecting memory limit ${limit} <= usage ${usage}`);
}

export function applyMemoryV2(ctx: WriteContext, dir: string, m: MemoryResources): void {
  const limit = limitOf('limit', m.limit);
  const swap = limitOf('swap', m.swap);
  const reservation = limitOf('reservation', m.reservation);
  if (m.checkBeforeUpdate) checkUsage(dir, limit, swap);
  if (limit !== 0 || swap !== 0) {
    const swapOnly = swapToV2(swap, limit); // throws on impossible combinations
    if (swapOnly !== undefined) {
      const value = swapOnly === -1 ? 'max' : String(swapOnly);
      try {
        ctx.write(dir, 'memory.swap.max', value);
      } catch (e) {
        // No swap accounting: lifting or zeroing a limit that cannot exist is a no-op.
        if (!((e as { code?: string }).code === 'ENOENT' && (value === 'max' || value === '0'))) throw e;
      }
    }
    if (limit !== 0) ctx.write(dir, 'memory.max', limit === -1 ? 'max' : String(limit));
  }
  if (reservation !== 0) ctx.write(dir, 'memory.low', reservation === -1 ? 'max' : String(reservation));
  const unsupported: Array<[keyof MemoryResources, boolean]> = [
    ['kernel', m.kernel !== undefined && m.kernel !== 0],
    ['kernelTCP', m.kernelTCP !== undefined && m.kernelTCP !== 0],
    ['swappiness', m.swappiness !== undefined && m.swappiness !== -1],
    ['disableOOMKiller', m.disableOOMKiller === true],
  ];
  for (const [field, set] of unsupported) {
    if (set) ctx.warn(`memory.${field} has no cgroup v2 equivalent; ignored`);
  }
}
