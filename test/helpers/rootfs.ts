// Test fixtures for the C init: a busybox rootfs and a runc-like default Plan to vary per test.
import { copyFileSync, chmodSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { MountStep, Plan } from '../../lib/plan/types.js';
import { NS_FLAGS } from '../../lib/plan/types.js';

export const BUSYBOX = '/bin/busybox';

export const APPLETS = [
  'sh', 'cat', 'echo', 'ls', 'id', 'hostname', 'domainname', 'sleep', 'true', 'false', 'mount', 'grep',
  'readlink', 'env', 'ps', 'touch', 'mkdir', 'stat', 'test', 'wc', 'pwd', 'umask', 'kill', 'head', 'sed',
  'uname', 'rm', 'ln', 'seq',
];

/** Builds a minimal rootfs in dir: /bin/busybox (static) plus applet symlinks and empty mount points. */
export function makeRootfs(dir: string): string {
  for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp', 'etc', 'root', 'mnt']) mkdirSync(join(dir, d), { recursive: true, mode: 0o755 });
  chmodSync(join(dir, 'tmp'), 0o1777);
  copyFileSync(BUSYBOX, join(dir, 'bin', 'busybox'));
  chmodSync(join(dir, 'bin', 'busybox'), 0o755);
  for (const a of APPLETS) symlinkSync('busybox', join(dir, 'bin', a));
  return dir;
}

export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  REMOUNT: 0x20,
  BIND: 0x1000,
  REC: 0x4000,
  PRIVATE: 0x40000,
  SLAVE: 0x80000,
  SHARED: 0x100000,
  STRICTATIME: 0x1000000,
} as const;

const S_IFCHR = 0o020000;

// CAP_KILL, CAP_NET_BIND_SERVICE, CAP_AUDIT_WRITE: runc's `spec` default set.
export const DEFAULT_CAPS = (1n << 5n) | (1n << 10n) | (1n << 29n);

function mnt(destination: string, fstype: string, flags: number, data = '', source = fstype): MountStep {
  return { source, destination, fstype, flags, data, remountFlags: 0, propagation: 0, destIsFile: false };
}

export interface PlanOptions {
  rootfs: string;
  execFifo: string;
  args: string[];
  /** Create a user namespace mapping container 0.. to host `userns` ..+65535; device nodes are bound. */
  userns?: number;
}

/** A Plan like the one runc's default `config.json` leads to; tests override what they examine. */
export function makePlan(o: PlanOptions): Plan {
  const bind = o.userns !== undefined;
  const devices = (
    [
      ['/dev/null', 1, 3],
      ['/dev/zero', 1, 5],
      ['/dev/full', 1, 7],
      ['/dev/random', 1, 8],
      ['/dev/urandom', 1, 9],
      ['/dev/tty', 5, 0],
    ] as const
  ).map(([path, major, minor]) => ({ path, type: S_IFCHR, major, minor, mode: 0o666, uid: 0, gid: 0, bind }));
  return {
    cloneFlags: NS_FLAGS.mount | NS_FLAGS.uts | NS_FLAGS.ipc | NS_FLAGS.pid | NS_FLAGS.network | (bind ? NS_FLAGS.user : 0),
    joins: [],
    uidMappings: bind ? [{ containerID: 0, hostID: o.userns as number, size: 65536 }] : [],
    gidMappings: bind ? [{ containerID: 0, hostID: o.userns as number, size: 65536 }] : [],
    rootfs: o.rootfs,
    rootfsPropagation: MS.SLAVE | MS.REC,
    rootReadonly: false,
    noPivot: false,
    mounts: [
      mnt('/proc', 'proc', 0),
      mnt('/dev', 'tmpfs', MS.NOSUID | MS.STRICTATIME, 'mode=755,size=65536k'),
      mnt('/dev/pts', 'devpts', MS.NOSUID | MS.NOEXEC, 'newinstance,ptmxmode=0666,mode=0620'),
      mnt('/dev/shm', 'tmpfs', MS.NOSUID | MS.NOEXEC | MS.NODEV, 'mode=1777,size=65536k', 'shm'),
      mnt('/dev/mqueue', 'mqueue', MS.NOSUID | MS.NOEXEC | MS.NODEV),
      mnt('/sys', 'sysfs', MS.NOSUID | MS.NOEXEC | MS.NODEV | MS.RDONLY),
    ],
    devices,
    symlinks: [
      { target: '/proc/self/fd', linkpath: '/dev/fd' },
      { target: '/proc/self/fd/0', linkpath: '/dev/stdin' },
      { target: '/proc/self/fd/1', linkpath: '/dev/stdout' },
      { target: '/proc/self/fd/2', linkpath: '/dev/stderr' },
      { target: 'pts/ptmx', linkpath: '/dev/ptmx' },
    ],
    maskedPaths: ['/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware'],
    readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    hostname: 'tsrc-test',
    domainname: null,
    sysctls: [],
    process: {
      args: o.args,
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      uid: 0,
      gid: 0,
      additionalGids: [],
      umask: 0o022,
      rlimits: [],
      capabilities: { bounding: DEFAULT_CAPS, effective: DEFAULT_CAPS, inheritable: 0n, permitted: DEFAULT_CAPS, ambient: 0n },
      noNewPrivileges: true,
      oomScoreAdj: null,
      terminal: false,
    },
    execFifo: o.execFifo,
    preserveFds: 0,
    noNewKeyring: false,
    hooksBeforePivot: false,
    startContainerHooks: [],
    waitForExit: false,
  };
}
