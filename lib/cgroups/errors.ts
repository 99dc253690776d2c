// One-line cgroup errors in the shape users know from the C library and runc:
//   cgroup: write /sys/fs/cgroup/memory/tsrc/x/memory.limit_in_bytes "12": Device or resource busy
import { CgroupError } from './api.js';

// strerror(3) texts for the errnos cgroupfs actually returns; Node only gives the code.
const STRERROR: Record<string, string> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EINTR: 'Interrupted system call',
  EIO: 'Input/output error',
  E2BIG: 'Argument list too long',
  EBADF: 'Bad file descriptor',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EINVAL: 'Invalid argument',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  ERANGE: 'Numerical result out of range',
  EOPNOTSUPP: 'Operation not supported',
  ENOTSUP: 'Operation not supported',
  ENOTEMPTY: 'Directory not empty',
};

export function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** "Device or resource busy" for an fs error; its own message for anything else. */
export function describeErrno(e: unknown): string {
  const code = errnoCode(e);
  if (code && STRERROR[code]) return STRERROR[code];
  if (code) return code;
  return e instanceof Error ? e.message : String(e);
}

export function writeError(file: string, value: string, e: unknown): CgroupError {
  return new CgroupError(`cgroup: write ${file} ${JSON.stringify(value)}: ${describeErrno(e)}`, errnoCode(e));
}

export function opError(op: string, file: string, e: unknown): CgroupError {
  return new CgroupError(`cgroup: ${op} ${file}: ${describeErrno(e)}`, errnoCode(e));
}
