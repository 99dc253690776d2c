// The only module that touches cgroupfs files. Every write is one open(O_WRONLY) + one write(2),
// because cgroupfs treats each write as one command (devices.allow, io.max, rdma.max lines).
import { closeSync, constants, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, opError, writeError } from './errors.js';

/** A u64 from a cgroup file: a number when exact, a bigint above 2^53 (e.g. "max", unlimited limits). */
export type U64 = number | bigint;

export const U64_MAX = 18446744073709551615n;

// Made on first use: a V8 startup snapshot (build/tsrc) evaluates this module at build time, where
// SharedArrayBuffer does not exist.
let sleeper: Int32Array | undefined;
/** Blocking sleep: the manager API is synchronous and the waits (freezer, EBUSY) are milliseconds. */
export function sleepMs(ms: number): void {
  sleeper ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(sleeper, 0, 0, ms);
}

export function writeCgroupFile(dir: string, file: string, value: string): void {
  const path = join(dir, file);
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY) // libuv adds O_CLOEXEC;
  } catch (e) {
    throw writeError(path, value, e);
  }
  try {
    writeSync(fd, value);
  } catch (e) {
    throw writeError(path, value, e);
  } finally {
    closeSync(fd);
  }
}

export function readCgroupFile(dir: string, file: string): string {
  const path = join(dir, file);
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw opError('read', path, e);
  }
}

/** The file's content, or undefined if it does not exist (an optional knob or a vanished cgroup). */
export function tryReadCgroupFile(dir: string, file: string): string | undefined {
  try {
    return readFileSync(join(dir, file), 'utf8');
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT' || code === 'ENODEV' || code === 'EOPNOTSUPP' || code === 'ENOTSUP') return undefined;
    throw opError('read', join(dir, file), e);
  }
}

export function fileExists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}


/** Parse one u64 the way runc does: "max" is U64_MAX, negative values (cfs_quota_us -1) are 0. */
export function parseU64(text: string): U64 {
  const s = text.trim();
  if (s === 'max') return U64_MAX;
  if (!/^-?\d+$/.test(s)) throw new Error(`not a number: ${JSON.stringify(s)}`);
  if (s.startsWith('-')) return 0;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : BigInt(s);
}

export function readU64(dir: string, file: string): U64 {
  const text = readCgroupFile(dir, file);
  try {
    return parseU64(text);
  } catch (e) {
    throw opError('parse', join(dir, file), e);
  }
}

/** Like readU64, but 0 when the file does not exist (optional accounting such as memsw). */
export function readU64Optional(dir: string, file: string): U64 {
  const text = tryReadCgroupFile(dir, file);
  if (text === undefined) return 0;
  try {
    return parseU64(text);
  } catch (e) {
    throw opError('parse', join(dir, file), e);
  }
}

/** "key value" lines (memory.stat, cpu.stat, *.events) as a map. */
export function parseKeyValues(text: string): Map<string, U64> {
  const out = new Map<string, U64>();
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp <= 0) continue;
    try {
      out.set(line.slice(0, sp), parseU64(line.slice(sp + 1)));
    } catch {
      // Some kernels add non-numeric lines; they carry nothing runc reports.
    }
  }
  return out;
}

/**
 * mkdir that reports whether this call created the directory. ENOENT (a parent vanished under a
 * concurrent destroy) is returned to the caller, which restarts its walk.
 */
export function mkdirOnce(path: string): 'created' | 'existed' | 'parent-missing' {
  try {
    mkdirSync(path, 0o755);
    return 'created';
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'EEXIST') return 'existed';
    if (code === 'ENOENT') return 'parent-missing';
    throw opError('mkdir', path, e);
  }
}

/** Every cgroup directory at and below `path` (the directory itself first). Vanishing ones are skipped. */
export function walkCgroupDirs(path: string): string[] {
  const out: string[] = [];
  const visit = (dir: string, top: boolean): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      const code = errnoCode(e);
      if (!top && (code === 'ENOENT' || code === 'ENODEV')) return;
      throw opError('read', dir, e);
    }
    out.push(dir);
    for (const d of entries) if (d.isDirectory()) visit(join(dir, d.name), false);
  };
  visit(path, true);
  return out;
}

/** Pids listed in one cgroup.procs file (empty if the cgroup vanished). */
export function readProcs(dir: string): number[] {
  const text = tryReadCgroupFile(dir, 'cgroup.procs');
  if (text === undefined) return [];
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => Number(l));
}

/**
 * Write a pid to cgroup.procs. EINVAL can mean the task is still TASK_NEW (just forked); runc
 * retries five times 30 ms apart, and so do we.
 */
export function writeProcs(dir: string, pid: number): void {
  for (let i = 0; ; i++) {
    try {
      writeCgroupFile(dir, 'cgroup.procs', String(pid));
      return;
    } catch (e) {
      if ((e as { code?: string }).code === 'EINVAL' && i < 4) {
        sleepMs(30);
        continue;
      }
      throw e;
    }
  }
}
