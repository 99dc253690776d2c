// The /dev every container gets (runtime-linux.md / config-linux.md "Default Devices"), plus
// linux.devices, as device and symlink steps for the init.
import type { Device } from '../spec/types.js';
import type { DeviceStep, SymlinkStep } from './types.js';

export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

const DEFAULT_DEVICES: ReadonlyArray<[string, number, number]> = [
  ['/dev/null', 1, 3],
  ['/dev/zero', 1, 5],
  ['/dev/full', 1, 7],
  ['/dev/random', 1, 8],
  ['/dev/urandom', 1, 9],
  ['/dev/tty', 5, 0],
];

export const DEFAULT_SYMLINKS: readonly SymlinkStep[] = [
  { target: '/proc/self/fd', linkpath: '/dev/fd' },
  { target: '/proc/self/fd/0', linkpath: '/dev/stdin' },
  { target: '/proc/self/fd/1', linkpath: '/dev/stdout' },
  { target: '/proc/self/fd/2', linkpath: '/dev/stderr' },
  { target: 'pts/ptmx', linkpath: '/dev/ptmx' },
];

function deviceType(t: string): number {
  switch (t) {
    case 'c':
    case 'u':
      return S_IFCHR;
    case 'b':
      return S_IFBLK;
    case 'p':
      return S_IFIFO;
    default:
      throw new Error(`unknown device type "${t}"`);
  }
}

/**
 * Default devices first, then linux.devices; a configured device replaces a default of the same path.
 * In a user namespace mknod is not allowed, so nodes are bind-mounted from the host instead.
 */
export function deviceSteps(configured: readonly Device[] = [], userns: boolean): DeviceStep[] {
  const byPath = new Map<string, DeviceStep>();
  for (const [path, major, minor] of DEFAULT_DEVICES) {
    byPath.set(path, { path, type: S_IFCHR, major, minor, mode: 0o666, uid: 0, gid: 0, bind: userns });
  }
  for (const d of configured) {
    byPath.set(d.path, {
      path: d.path,
      type: deviceType(d.type),
      major: d.major ?? 0,
      minor: d.minor ?? 0,
      mode: (d.fileMode ?? 0o666) & 0o7777,
      uid: d.uid ?? 0,
      gid: d.gid ?? 0,
      bind: userns,
    });
  }
  return [...byPath.values()];
}
