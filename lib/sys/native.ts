// The N-API addon (native/addon), loaded on first use so commands that need none of it do not
// pay for it. Errors come back as Node-style ErrnoExceptions (code 'EWOULDBLOCK', errno -11, …).
import { createRequire } from 'node:module';
import { getSystemErrorMap } from 'node:util';
import { addonPath } from './paths.js';

interface Addon {
  flock(fd: number, op: number): void;
  pidfdOpen(pid: number): number;
  pidfdSendSignal(pidfd: number, sig: number): void;
  pidfdWait(pidfd: number, timeoutMs: number): boolean;
  setChildSubreaper(on: boolean): void;
  mkfifo(path: string, mode: number): void;
  listenUnix(path: string): number;
  shutdownSocket(fd: number): void;
  acceptRecvFd(listenFd: number, timeoutMs: number): Promise<{ fd: number; name: string }>;
  setWinsize(fd: number, rows: number, cols: number): void;
  pollRead(fd: number, size: number, timeoutMs: number): Promise<Buffer | null>;
  namespaceType(path: string): number;
  sendFd(path: string, payload: string, fd: number): void;
  bpfProgLoadCgroupDevice(insns: Buffer, license: string): number;
  bpfProgAttach(progFd: number, targetFd: number, attachType: number, flags: number): void;
  bpfProgDetach(progFd: number, targetFd: number, attachType: number): void;
  bpfProgQuery(targetFd: number, attachType: number): number[];
  bpfProgGetFdById(id: number): number;
  containerStatus(dir: string): ContainerStatus;
  processAlive(pid: number, startTime: number): boolean;
  processStat(pid: number): { state: string; startTime: number } | null;
  cgroupIsFrozen(dir: string, v2: boolean): boolean;
  cgroupFreeze(dir: string, v2: boolean): void;
  cgroupThaw(dir: string, v2: boolean): void;
  cgroupRemove(leaves: string[], created: string[]): void;
}

export type ContainerStatus = 'created' | 'running' | 'paused' | 'stopped';

/** What the bridge to native/fast (fast_bridge.cc) adds to an ErrnoException. */
export interface NativeOpError extends NodeJS.ErrnoException {
  /** What the freezer was doing. */
  why?: string;
  /** How many directories a removal failed on in all (this error is the first). */
  count?: number;
}

export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

let addon: Addon | undefined;

function load(): Addon {
  if (!addon) addon = createRequire(import.meta.url)(addonPath()) as Addon;
  return addon;
}

/** The addon's { errno, syscall } error as node:fs words it; anything else unchanged. */
function nodeError(e: unknown, detail?: string): unknown {
  const err = e as Error & { errno?: number; syscall?: string };
  if (typeof err?.errno !== 'number' || err.errno <= 0) return e;
  const [code, message] = getSystemErrorMap().get(-err.errno) ?? [`E${err.errno}`, `errno ${err.errno}`];
  const out = new Error(`${code}: ${message}, ${err.syscall}${detail ? ` '${detail}'` : ''}`) as NodeJS.ErrnoException;
  out.code = code;
  out.errno = -err.errno;
  out.syscall = err.syscall;
  if (detail) out.path = detail;
  const extra = err as unknown as Record<string, unknown>;
  for (const k of ['path', 'why', 'count']) if (extra[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = extra[k];
  return out;
}

/** Rethrows the addon's { errno, syscall } errors the way node:fs does. */
function call<T>(fn: () => T, detail?: string): T {
  try {
    return fn();
  } catch (e) {
    throw nodeError(e, detail);
  }
}

/** flock(2): op is LOCK_SH or LOCK_EX (| LOCK_NB), or LOCK_UN. EWOULDBLOCK with LOCK_NB when held. */
export function flock(fd: number, op: number): void {
  call(() => load().flock(fd, op));
}

/** A pidfd (close-on-exec) for pid; close it with fs.closeSync. */
export function pidfdOpen(pid: number): number {
  return call(() => load().pidfdOpen(pid));
}

export function pidfdSendSignal(pidfd: number, sig: number): void {
  call(() => load().pidfdSendSignal(pidfd, sig));
}

/** Blocks up to timeoutMs for the process to exit; true if it has (zombies count as exited). */
export function pidfdWait(pidfd: number, timeoutMs: number): boolean {
  return call(() => load().pidfdWait(pidfd, timeoutMs));
}

/** prctl(PR_SET_CHILD_SUBREAPER): orphaned descendants are reparented to this process. */
export function setChildSubreaper(on: boolean): void {
  call(() => load().setChildSubreaper(on));
}

/** mkfifo(3) with exactly `mode` (the umask is not applied). */
export function mkfifo(path: string, mode: number): void {
  call(() => load().mkfifo(path, mode), path);
}

/** A close-on-exec unix stream socket bound to path and listening; close it with fs.closeSync. */
export function listenUnix(path: string): number {
  return call(() => load().listenUnix(path), path);
}

/** Makes a pending acceptRecvFd on this listening socket fail with ECANCELED. */
export function shutdownSocket(fd: number): void {
  call(() => load().shutdownSocket(fd));
}

/**
 * Accepts one connection on listenFd (in the thread pool) and receives one message carrying an
 * fd (SCM_RIGHTS); the payload is returned as name. Rejects with ETIMEDOUT after timeoutMs
 * (negative: no limit) and ECANCELED after shutdownSocket. The fd is close-on-exec.
 */
export async function acceptRecvFd(listenFd: number, timeoutMs: number): Promise<{ fd: number; name: string }> {
  try {
    return await load().acceptRecvFd(listenFd, timeoutMs);
  } catch (e) {
    throw nodeError(e);
  }
}

/** TIOCSWINSZ on a terminal fd. */
export function setWinsize(fd: number, rows: number, cols: number): void {
  call(() => load().setWinsize(fd, rows, cols));
}

/**
 * Waits (in the thread pool) up to timeoutMs for fd to be readable, then reads up to size bytes:
 * null when nothing came in time, an empty Buffer at end of file; rejects with the read's errno
 * (EIO from a pty master whose slave side is all closed, after its last output was read).
 */
export async function pollRead(fd: number, size: number, timeoutMs: number): Promise<Buffer | null> {
  try {
    return await load().pollRead(fd, size, timeoutMs);
  } catch (e) {
    throw nodeError(e);
  }
}

/**
 * The CLONE_NEW* flag of the namespace the file at path is (nsfs + NS_GET_NSTYPE), 0 when it is
 * no namespace file; bind mounts of namespace files count. Throws the open's errno.
 */
export function namespaceType(path: string): number {
  return call(() => load().namespaceType(path), path);
}

/** Connects to the unix stream socket at path and sends payload with fd (SCM_RIGHTS), then closes. */
export function sendFd(path: string, payload: string, fd: number): void {
  call(() => load().sendFd(path, payload, fd), path);
}

/** bpf(BPF_PROG_LOAD) of a BPF_PROG_TYPE_CGROUP_DEVICE program (encoded bpf_insns); close the fd with fs.closeSync. */
export function bpfProgLoadCgroupDevice(insns: Buffer, license: string): number {
  return call(() => load().bpfProgLoadCgroupDevice(insns, license));
}

/** bpf(BPF_PROG_ATTACH): attach progFd to the cgroup directory fd targetFd. */
export function bpfProgAttach(progFd: number, targetFd: number, attachType: number, flags: number): void {
  call(() => load().bpfProgAttach(progFd, targetFd, attachType, flags));
}

/** bpf(BPF_PROG_DETACH): detach progFd from the cgroup directory fd targetFd. */
export function bpfProgDetach(progFd: number, targetFd: number, attachType: number): void {
  call(() => load().bpfProgDetach(progFd, targetFd, attachType));
}

/** bpf(BPF_PROG_QUERY): ids of the programs of attachType attached to the cgroup directory fd targetFd itself. */
export function bpfProgQuery(targetFd: number, attachType: number): number[] {
  return call(() => load().bpfProgQuery(targetFd, attachType));
}

/** bpf(BPF_PROG_GET_FD_BY_ID): an fd for a loaded program; close it with fs.closeSync. */
export function bpfProgGetFdById(id: number): number {
  return call(() => load().bpfProgGetFdById(id));
}

// The rules build/tsrc applies natively, from the same C code (native/fast via fast_bridge.cc), so
// each is written once.

/** A container's status from its state directory (native/fast/container_status.c). */
export function containerStatus(dir: string): ContainerStatus {
  return call(() => load().containerStatus(dir), dir);
}

/** Fields 3 (state) and 22 (starttime) of /proc/<pid>/stat; null if there is no such process. */
export function processStat(pid: number): { state: string; startTime: number } | null {
  return load().processStat(pid);
}

/** Whether pid is still the live, non-zombie process that had this /proc/<pid>/stat start time. */
export function processAlive(pid: number, startTime: number): boolean {
  return load().processAlive(pid, startTime);
}

/** The cgroup freezer (native/fast/freezer.c): v1 freezer.state, or cgroup2 (v2) cgroup.freeze. */
export function cgroupIsFrozen(dir: string, v2: boolean): boolean {
  return call(() => load().cgroupIsFrozen(dir, v2), dir);
}

export function cgroupFreeze(dir: string, v2: boolean): void {
  call(() => load().cgroupFreeze(dir, v2), dir);
}

export function cgroupThaw(dir: string, v2: boolean): void {
  call(() => load().cgroupThaw(dir, v2), dir);
}

/** Removes a container's cgroup leaves (with sub-cgroups) and the created ancestors left empty (native/fast/cgroup_rm.c). */
export function cgroupRemove(leaves: string[], created: string[]): void {
  call(() => load().cgroupRemove(leaves, created));
}
