// spawnExec (root): one more process in a container made by spawnInit, checked from the host and
// from inside: same namespaces and root as the init, the requested identity, cwd, env, caps,
// no_new_privs, seccomp, terminal and cgroup; exit status or detach; errors leave nothing.
import t, { type Test } from 'tap';
import { closeSync, openSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createCgroupManager } from '../../lib/cgroups/index.js';
import { execPlan } from '../../lib/plan/exec-plan.js';
import { seccompPlan } from '../../lib/plan/seccomp.js';
import type { ExecPlan } from '../../lib/plan/types.js';
import { InitError, type ExecHandle, type SpawnExecOptions } from '../../lib/sys/api.js';
import { listenConsole, proxyConsole } from '../../lib/sys/console.js';
import { spawnExec } from '../../lib/sys/init-runner.js';
import { DEFAULT_CAPS, type Fixture, alive, fixture, gone, hex, makePlan, plan, release, spawn, status } from '../helpers/rootfs.js';

const CAP_KILL = 1n << 5n;
const NAMESPACES = ['mnt', 'uts', 'ipc', 'pid', 'net', 'cgroup', 'user'];

function startTime(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}

/** An ExecPlan for args in the container (root, cwd /, PATH set), varied by `over`. */
function execOf(args: string[], over: (p: ExecPlan) => void = () => {}): ExecPlan {
  const p: ExecPlan = {
    process: { ...makePlan({ rootfs: '/', execFifo: '', args }).process },
    consoleSocket: '',
    seccomp: null,
    preserveFds: 0,
    noNewKeyring: false,
    detach: false,
  };
  over(p);
  return p;
}

interface Out {
  path: string;
  fd: number;
  text(): string;
}

function outFile(t: Test, f: Fixture, name: string): Out {
  const path = join(f.dir, name);
  const fd = openSync(path, 'w');
  t.teardown(() => closeSync(fd));
  return { path, fd, text: () => readFileSync(path, 'utf8') };
}

async function exec(t: Test, f: Fixture, initPid: number, p: ExecPlan, o: Partial<SpawnExecOptions> & { out?: Out } = {}): Promise<ExecHandle> {
  const out = o.out ?? outFile(t, f, 'exec-out');
  const h = await spawnExec({ initPid, initStartTime: startTime(initPid), plan: p, stdio: [f.devnull, out.fd, out.fd], ...o });
  f.pids.push(h.pid);
  return h;
}

/** Host pids whose pid namespace is that of `pid`. */
function inPidNs(pid: number): number[] {
  const ns = readlinkSync(`/proc/${pid}/ns/pid`);
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        return readlinkSync(`/proc/${e}/ns/pid`) === ns && alive(Number(e));
      } catch {
        return false;
      }
    })
    .map(Number);
}

const isRoot = process.getuid?.() === 0;
if (!isRoot) {
  if (process.env.CI) t.fail('test/integration/exec-sys.test.ts needs root (CI is set, so this is a failure, not a skip)');
  else t.plan(0, 'needs root');
} else {
  t.test('exec into a created container: its namespaces, root and cgroup; the requested identity', async (t) => {
    const f = fixture(t);
    const cg = createCgroupManager({ id: 'exec-sys', cgroupsPath: `/tsrc-exec-sys-${process.pid}` });
    cg.create();
    t.teardown(async () => {
      for (const pid of f.pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      for (const pid of f.pids) await gone(pid);
      cg.destroy();
    });
    const init = await spawn(f, { plan: plan(f, ['sleep', '1000']), beforeClone: (pid) => cg.join(pid) });

    const script = [
      `for n in ${NAMESPACES.join(' ')}; do readlink /proc/self/ns/$n; done`,
      'id',
      'pwd',
      'echo "FOO=$FOO"',
      'umask',
      'grep -E "^(CapEff|CapPrm|CapBnd|CapAmb|NoNewPrivs|NSpid):" /proc/self/status',
      'cat /proc/1/cmdline | tr "\\0" " "; echo',
      'ls /bin/busybox',
    ].join('; ');
    const out = outFile(t, f, 'out1');
    let stagePid = 0;
    const h = await exec(
      t,
      f,
      init.pid,
      execOf(['sh', '-c', script], (p) => {
        p.process.uid = 1000;
        p.process.gid = 1000;
        p.process.additionalGids = [10, 20];
        p.process.cwd = '/tmp';
        p.process.env.push('FOO=bar baz');
        p.process.umask = 0o027;
        p.process.capabilities = { bounding: DEFAULT_CAPS, permitted: DEFAULT_CAPS, effective: CAP_KILL, inheritable: CAP_KILL, ambient: CAP_KILL };
      }),
      {
        out,
        beforeClone: (pid) => {
          stagePid = pid;
          cg.join(pid);
        },
      },
    );
    t.ok(stagePid > 0 && stagePid !== h.pid);
    t.equal(await h.exited, 0, 'exit status through exited');
    const lines = out.text().split('\n');
    t.strictSame(lines.slice(0, NAMESPACES.length), NAMESPACES.map((n) => readlinkSync(`/proc/${init.pid}/ns/${n}`)), 'every namespace is the init\'s');
    t.strictSame(lines.slice(NAMESPACES.length), [
      'uid=1000 gid=1000 groups=10,20',
      '/tmp',
      'FOO=bar baz',
      '0027',
      `NSpid:\t${lines.find((l) => l.startsWith('NSpid:'))?.slice(7)}`,
      `CapPrm:\t${hex(CAP_KILL)}`, // after execve a non-root user keeps its ambient set
      `CapEff:\t${hex(CAP_KILL)}`,
      `CapBnd:\t${hex(DEFAULT_CAPS)}`,
      `CapAmb:\t${hex(CAP_KILL)}`,
      'NoNewPrivs:\t1',
      'tsrc-init init 3 ', // pid 1 is the init, still waiting for start
      '/bin/busybox',
      '',
    ]);
    // The cgroup: the process was forked by a stage already inside the container's cgroup.
    const cgroupOf = (pid: number) => readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    t.match(cgroupOf(init.pid), `tsrc-exec-sys-${process.pid}`);
    const again = await exec(t, f, init.pid, execOf(['sleep', '1000']), { beforeClone: (pid) => cg.join(pid) });
    t.equal(cgroupOf(again.pid), cgroupOf(init.pid), 'the exec\'d process is in the container\'s cgroups');
    t.ok(cg.pids().includes(again.pid));
    t.match(status(again.pid).NSpid, new RegExp(`^${again.pid}\\t\\d+$`), 'a pid in the container\'s pid namespace too');
    process.kill(again.pid, 'SIGKILL');
    t.equal(await again.exited, 137, 'a signal death is 128+signal');

    // After start, exec works the same way.
    release(f);
    await new Promise((r) => setTimeout(r, 50));
    const o2 = outFile(t, f, 'out2');
    const after = await exec(t, f, init.pid, execOf(['sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "; exit 7']), { out: o2 });
    t.equal(await after.exited, 7);
    t.equal(o2.text(), 'sleep 1000 ', 'the init now runs its program');
  });

  t.test('detach: the pid comes back, the process is not our child and keeps running', async (t) => {
    const f = fixture(t);
    const init = await spawn(f, { plan: plan(f, ['sleep', '1000']) });
    let stagePid = 0;
    const h = await exec(t, f, init.pid, execOf(['sleep', '1000'], (p) => (p.detach = true)), { beforeClone: (pid) => void (stagePid = pid) });
    t.equal(await h.exited, -1);
    t.ok(await gone(stagePid), 'the stage has exited');
    t.ok(alive(h.pid), 'the process runs');
    const ppid = Number(status(h.pid).PPid);
    t.not(ppid, process.pid, 'not our child');
    t.not(ppid, stagePid, 'reparented away from the stage');
    t.equal(readlinkSync(`/proc/${h.pid}/ns/pid`), readlinkSync(`/proc/${init.pid}/ns/pid`));
    t.match(readFileSync(`/proc/${h.pid}/cmdline`, 'utf8'), /^sleep\0/);
  });

  t.test('a missing executable is an ERROR worded like runc, leaving no process', async (t) => {
    const f = fixture(t);
    const init = await spawn(f, { plan: plan(f, ['sleep', '1000']) });
    for (const [args, message, errno] of [
      [['nonexistent-cmd'], 'exec: "nonexistent-cmd": executable file not found in $PATH', 0],
      [['/nonexistent'], 'exec: "/nonexistent": stat /nonexistent: no such file or directory', 2],
    ] as const) {
      for (const detach of [false, true]) {
        let stagePid = 0;
        const err = await spawnExec({ initPid: init.pid, plan: execOf([...args], (p) => (p.detach = detach)), stdio: [f.devnull, f.out, f.out], beforeClone: (pid) => void (stagePid = pid) }).then(
          () => undefined,
          (e: unknown) => e,
        );
        t.ok(err instanceof InitError, `${args[0]} (detach ${detach}): InitError`);
        t.match(err, { step: 'exec', errno, message });
        t.ok(await gone(stagePid), 'the stage is gone');
        t.strictSame(inPidNs(init.pid), [init.pid], 'only the init is left in the container');
      }
    }
  });

  t.test('a container whose init is gone, or a recycled pid, is refused', async (t) => {
    const f = fixture(t);
    const init = await spawn(f, { plan: plan(f, ['sleep', '1000']) });
    const st = startTime(init.pid);
    await t.rejects(spawnExec({ initPid: init.pid, initStartTime: st + 1, plan: execOf(['true']), stdio: [f.devnull, f.out, f.out] }), {
      name: 'InitError',
      message: `exec: the container init (pid ${init.pid}) is not running: no such process`,
    });
    process.kill(init.pid, 'SIGKILL');
    t.ok(await gone(init.pid));
    await t.rejects(spawnExec({ initPid: init.pid, initStartTime: st, plan: execOf(['true']), stdio: [f.devnull, f.out, f.out] }), {
      name: 'InitError',
      message: `exec: the container init (pid ${init.pid}) is not running: no such process`,
    });
  });

  t.test('seccomp, preserved fds and no_new_privs apply to the exec\'d process', async (t) => {
    const f = fixture(t);
    const init = await spawn(f, { plan: plan(f, ['sleep', '1000']) });
    const extra = outFile(t, f, 'extra');
    const out = outFile(t, f, 'out');
    const p = execOf(['sh', '-c', 'mkdir /tmp/x || echo denied; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; echo via3 >&3; for fd in $(seq 0 64); do [ -e /proc/$$/fd/$fd ] && echo $fd; done; true'], (p) => {
      p.seccomp = seccompPlan({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] }, () => {});
      p.preserveFds = 1;
      p.process.noNewPrivileges = false; // the filter is then loaded before the capabilities drop
      p.process.uid = 1000;
    });
    const h = await exec(t, f, init.pid, p, { out, stdio: [f.devnull, out.fd, out.fd, extra.fd] });
    t.equal(await h.exited, 0);
    t.equal(out.text(), "mkdir: can't create directory '/tmp/x': Operation not permitted\ndenied\nNoNewPrivs:\t0\nSeccomp:\t2\n0\n1\n2\n3\n");
    t.equal(extra.text(), 'via3\n');
  });

  t.test('a terminal: the master goes to the console socket, the slave is the controlling tty', async (t) => {
    const f = fixture(t);
    const init = await spawn(f, { plan: plan(f, ['sleep', '1000']) });
    const rx = listenConsole();
    t.teardown(() => rx.close());
    const p = execOf(['sh', '-c', 'tty; stty size; ls /dev/console 2>&1; read line; echo "got $line"'], (p) => {
      p.process.terminal = true;
      p.process.consoleSize = { height: 10, width: 20 };
      p.consoleSocket = rx.path;
    });
    const h = await exec(t, f, init.pid, p);
    const input = new PassThrough();
    const text = { s: '' };
    const stdout = new PassThrough();
    stdout.on('data', (b: Buffer) => (text.s += b.toString()));
    const proxy = proxyConsole(await rx.master, { stdin: input, stdout });
    // Type only once it waits for a line: the tty echoes input as soon as it arrives.
    for (let i = 0; i < 200 && !text.s.includes('No such file'); i++) await new Promise((r) => setTimeout(r, 10));
    input.write('hello\n');
    t.equal(await h.exited, 0);
    await proxy.done;
    t.equal(text.s, "/dev/pts/0\r\n10 20\r\nls: /dev/console: No such file or directory\r\nhello\r\ngot hello\r\n", 'no /dev/console is mounted for an exec, as runc');
  });

  t.test('user namespace and --no-pivot containers: the init\'s root and identity mapping', async (t) => {
    const f = fixture(t);
    const pu = makePlan({ rootfs: f.rootfs, execFifo: f.fifo, args: ['sleep', '1000'], userns: 400000 });
    const init = await spawn(f, { plan: pu });
    const out = outFile(t, f, 'out');
    const h = await exec(t, f, init.pid, execOf(['sh', '-c', 'id -u; touch /tmp/by-exec; ls /work 2>&1 | head -1']), { out });
    t.equal(status(h.pid).Uid, '400000\t400000\t400000\t400000', 'container root is the mapped host uid');
    t.equal(await h.exited, 0);
    t.equal(out.text(), '0\nls: /work: No such file or directory\n');
    t.equal(statSync(join(f.rootfs, 'tmp', 'by-exec')).uid, 400000);

    const g = fixture(t);
    const np = await spawn(g, { plan: plan(g, ['sleep', '1000'], (p) => (p.noPivot = true)) });
    const o2 = outFile(t, g, 'out');
    const e2 = await exec(t, g, np.pid, execOf(['sh', '-c', 'ls /bin/busybox; ls /work 2>&1 | head -1']), { out: o2 });
    t.equal(await e2.exited, 0);
    t.equal(o2.text(), '/bin/busybox\nls: /work: No such file or directory\n', 'chrooted like the init, not at the mount namespace\'s root');
  });

  t.test('execPlan: process.json → ExecPlan', async (t) => {
    const warnings: string[] = [];
    const p = execPlan(
      {
        terminal: true,
        consoleSize: { height: 5, width: 6 },
        user: { uid: 1, gid: 2, additionalGids: [3], umask: 0o077 },
        args: ['sh'],
        env: ['A=1'],
        cwd: '/w',
        capabilities: { bounding: ['CAP_KILL', 'CAP_NOPE'], effective: ['CAP_KILL'] },
        noNewPrivileges: true,
        oomScoreAdj: 5,
        rlimits: [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 20 }],
      },
      { consoleSocket: '/tmp/c.sock', detach: true, preserveFds: 2, seccomp: { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_KILL' }] } },
      (m) => warnings.push(m),
    );
    t.strictSame(p, {
      process: {
        args: ['sh'],
        env: ['A=1'],
        cwd: '/w',
        uid: 1,
        gid: 2,
        additionalGids: [3],
        umask: 0o077,
        rlimits: [{ resource: 7, soft: 10n, hard: 20n }],
        capabilities: { bounding: CAP_KILL, effective: CAP_KILL, inheritable: 0n, permitted: 0n, ambient: 0n },
        noNewPrivileges: true,
        oomScoreAdj: 5,
        terminal: true,
        homeFromPasswd: true,
        consoleSize: { height: 5, width: 6 },
      },
      consoleSocket: '/tmp/c.sock',
      seccomp: { defaultAction: 0x7fff0000, architectures: [], flags: 4, rules: [{ name: 'mkdir', action: 0, args: [] }] },
      preserveFds: 2,
      noNewKeyring: false,
      detach: true,
    });
    t.strictSame(warnings, ['ignoring unknown or unavailable capability "CAP_NOPE"']);
    const base = { user: { uid: 0, gid: 0 }, args: ['sh'], cwd: '/' };
    t.throws(() => execPlan({ ...base, terminal: true }, { detach: true }, () => {}), { message: 'process: /terminal: a terminal needs a console socket (--console-socket)' });
    t.throws(() => execPlan(base, { detach: true, consoleSocket: '/x' }, () => {}), { message: '--console-socket: cannot be used without a terminal (process /terminal is false)' });
    t.throws(() => execPlan({ ...base, args: [] }, { detach: true }, () => {}), { message: 'process: /args: must name the program to run' });
    t.throws(() => execPlan({ ...base, cwd: 'tmp' }, { detach: true }, () => {}), { message: 'process: /cwd: must be an absolute path, got "tmp"' });
    t.throws(() => execPlan(base, { detach: true, seccomp: { defaultAction: 'SCMP_ACT_NOTIFY' } }, () => {}), { message: /^config\.json: \/linux\/seccomp\/defaultAction: SCMP_ACT_NOTIFY cannot be the default action$/ });
  });
}
