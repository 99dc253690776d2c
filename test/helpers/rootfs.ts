// Test fixtures for the C init: a busybox rootfs, a runc-like default Plan to vary per test, and
// the helpers the root integration tests share (a fixture directory torn down with everything
// it started, process probes, "nothing left behind" checks).
import type { Test } from 'tap';
import { closeSync, chmodSync, constants, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, symlinkSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { MountStep, Plan } from '../../lib/plan/types.js';
import { NS_FLAGS } from '../../lib/plan/types.js';
import type { InitHandle, SpawnInitOptions } from '../../lib/sys/api.js';
import { spawnInit } from '../../lib/sys/init-runner.js';
import { mkfifo } from '../../lib/sys/native.js';

export const BUSYBOX = '/bin/busybox';

export const APPLETS = [
  'sh', 'cat', 'echo', 'ls', 'id', 'hostname', 'domainname', 'sleep', 'true', 'false', 'mount', 'grep',
  'readlink', 'env', 'ps', 'touch', 'mkdir', 'stat', 'test', 'wc', 'pwd', 'umask', 'kill', 'head', 'sed',
  'uname', 'rm', 'ln', 'seq', 'tty', 'stty', 'rmdir',
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
  return { source, destination, fstype, flags, data, remountFlags: 0, propagation: 0, destIsFile: false, destNoSymlinks: false, label: '' };
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
    setupPropagation: MS.SLAVE | MS.REC,
    rootfsPropagation: 0,
    rootReadonly: false,
    noPivot: false,
    chrootOnly: false,
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
    maskedTmpfsData: '',
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
      homeFromPasswd: false,
      consoleSize: null,
    },
    execFifo: o.execFifo,
    preserveFds: 0,
    noNewKeyring: false,
    hooksBeforePivot: false,
    startContainerHooks: [],
    waitForExit: false,
    seccomp: null,
    consoleSocket: '',
    seccompSocket: '',
  };
}

// ---- integration helpers (root) ----

export interface Fixture {
  dir: string;
  rootfs: string;
  fifo: string;
  outPath: string;
  out: number;
  devnull: number;
  /** Pids to SIGKILL at teardown if a test failed half-way. */
  pids: number[];
}

export function fixture(t: Test): Fixture {
  const dir = mkdtempSync('/tmp/tsrc-init-it-');
  chmodSync(dir, 0o755); // a container root in a user namespace must traverse it
  const rootfs = makeRootfs(join(dir, 'rootfs'));
  const fifo = join(dir, 'exec.fifo');
  mkfifo(fifo, 0o622);
  const outPath = join(dir, 'out');
  const f: Fixture = { dir, rootfs, fifo, outPath, out: openSync(outPath, 'w'), devnull: openSync('/dev/null', 'r'), pids: [] };
  t.teardown(async () => {
    for (const pid of f.pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const pid of f.pids) await gone(pid);
    closeSync(f.out);
    closeSync(f.devnull);
    rmSync(dir, { recursive: true, force: true });
  });
  return f;
}

export function plan(f: Fixture, args: string[], over: (p: Plan) => void = () => {}): Plan {
  const p = makePlan({ rootfs: f.rootfs, execFifo: f.fifo, args });
  over(p);
  return p;
}

export async function spawn(f: Fixture, opts: Omit<SpawnInitOptions, 'stdio'> & { stdio?: number[] }): Promise<InitHandle> {
  const h = await spawnInit({ stdio: [f.devnull, f.out, f.out], ...opts });
  f.pids.push(h.pid);
  return h;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function alive(pid: number): boolean {
  try {
    // A zombie has exited; it only waits for its reaper.
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export async function gone(pid: number, ms = 5000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) if (!alive(pid)) return true;
  return false;
}

/** Releases the init like `tsrc start`: a non-blocking open for writing, one byte. */
export function release(f: Fixture): void {
  const fd = openSync(f.fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  writeSync(fd, Buffer.from([0]));
  closeSync(fd);
}

export async function output(f: Fixture, pid: number): Promise<string> {
  if (!(await gone(pid))) throw new Error(`container ${pid} still running`);
  return readFileSync(f.outPath, 'utf8');
}

export function status(pid: number): Record<string, string> {
  return Object.fromEntries(
    readFileSync(`/proc/${pid}/status`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
  );
}

export const hex = (v: bigint) => v.toString(16).padStart(16, '0');

export interface MountLine {
  root: string;
  point: string;
  options: string;
  fstype: string;
}

export function mountinfo(pid: number | 'self'): MountLine[] {
  return readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const [pre, post] = l.split(' - ');
      const f = pre.split(' ');
      return { root: f[3], point: f[4], options: f[5], fstype: post.split(' ')[0] };
    });
}

/** Processes whose mount table mentions the fixture's directory, i.e. container leftovers. */
export function leftovers(f: Fixture): number[] {
  const marker = basename(f.dir);
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${e}/mountinfo`, 'utf8').includes(marker) && alive(Number(e))) out.push(Number(e));
    } catch {
      /* exited while we looked */
    }
  }
  return out;
}

export async function nothingLeft(t: Test, f: Fixture, pids: number[]): Promise<void> {
  for (const pid of pids) t.ok(await gone(pid), `process ${pid} is gone`);
  let left = leftovers(f);
  for (const end = Date.now() + 3000; left.length && Date.now() < end; await sleep(50)) left = leftovers(f);
  t.strictSame(left, [], 'no process holds a mount of the container');
  t.notOk(readFileSync('/proc/self/mountinfo', 'utf8').includes(basename(f.dir)), 'no mount leaked to the host');
}
