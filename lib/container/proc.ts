// What /proc says about a pid: whether it is still the process we started (start time), and whether it has exited.
import { processAlive, processStat } from '../sys/native.js';

export interface ProcStat {
  state: string;
  startTime: number;
}

/** State and start time from /proc/<pid>/stat (native/fast/status.c, the parser build/tsrc uses); null if the pid does not exist. */
export function procStat(pid: number): ProcStat | null {
  return processStat(pid);
}

/** True while `pid` is the same live (not zombie) process that had `startTime` (native/fast/status.c, as build/tsrc decides it). */
export function isAlive(pid: number, startTime: number): boolean {
  return processAlive(pid, startTime);
}

// Made on first use: the V8 startup snapshot builder (lib/cli/snapshot-entry.ts) has no SharedArrayBuffer.
let sleeper: Int32Array | undefined;
export function sleepMs(ms: number): void {
  sleeper ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(sleeper, 0, 0, ms);
}

/** Waits until the process is gone or a zombie; false on timeout. */
export function waitGone(pid: number, startTime: number, timeoutMs: number): boolean {
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  while (isAlive(pid, startTime)) {
    if (Date.now() > deadline) return false;
    sleepMs(delay);
    delay = Math.min(delay * 2, 50);
  }
  return true;
}
