// The C init run for real (root): each test builds a busybox rootfs, runs a Plan through
// spawnInit and checks what the kernel shows about the container (/proc/<pid>/...) and what
// the container itself prints. Failure tests check that nothing is left: no process, no mount.
import t from 'tap';
import { closeSync, chmodSync, constants, existsSync, lstatSync, openSync, readFileSync, readlinkSync, statSync, symlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Plan } from '../../lib/plan/types.js';
import { NS_FLAGS } from '../../lib/plan/types.js';
import { InitError } from '../../lib/sys/api.js';
import { runInContainer } from '../../lib/sys/init-runner.js';
import { DEFAULT_CAPS, MS, alive, fixture, gone, hex, makePlan, mountinfo, nothingLeft, output, plan, release, sleep, spawn, status } from '../helpers/rootfs.js';

const CAP_KILL = 1n << 5n;

const isRoot = process.getuid?.() === 0;
if (!isRoot) {
  if (process.env.CI) t.fail('test/integration/init.test.ts needs root (CI is set, so this is a failure, not a skip)');
  else t.plan(0, 'needs root');
} else {
  t.test('create: the init waits on the exec fifo, set up as planned; start runs the process', async (t) => {
    const f = fixture(t);
    const p = plan(
      f,
      ['sh', '-c', 'echo start; hostname; cat /proc/sys/kernel/domainname; id; pwd; umask; cat /proc/sys/net/ipv4/ip_forward; grep -E "^Cap(Eff|Amb)" /proc/self/status; echo 0 2>&1 >/proc/sys/net/ipv4/ip_forward; ls /proc/acpi | wc -l; echo end'],
      (p) => {
        p.domainname = 'example.test';
        p.sysctls = [['net.ipv4.ip_forward', '1']];
        p.process.uid = 1000;
        p.process.gid = 1000;
        p.process.additionalGids = [10, 20];
        p.process.cwd = '/tmp';
        p.process.umask = 0o027;
        p.process.rlimits = [{ resource: 7, soft: 256n, hard: 512n }];
        p.process.oomScoreAdj = 300;
        p.process.capabilities = { bounding: DEFAULT_CAPS, permitted: DEFAULT_CAPS, effective: CAP_KILL, inheritable: CAP_KILL, ambient: CAP_KILL };
      },
    );
    let stagePid = 0;
    const h = await spawn(f, { plan: p, beforeClone: (pid) => void (stagePid = pid) });
    t.ok(stagePid > 0 && stagePid !== h.pid, 'beforeClone got the first stage, not the container');
    t.ok(await gone(stagePid), 'the first stage exited once the init was ready');
    t.equal(await h.exited, -1, 'exited resolves to -1 without waitForExit');

    // Namespaces: new ones for everything cloned, the host's for the rest.
    for (const ns of ['mnt', 'uts', 'ipc', 'pid', 'net']) t.not(readlinkSync(`/proc/${h.pid}/ns/${ns}`), readlinkSync(`/proc/self/ns/${ns}`), `${ns} namespace is new`);
    for (const ns of ['user', 'cgroup']) t.equal(readlinkSync(`/proc/${h.pid}/ns/${ns}`), readlinkSync(`/proc/self/ns/${ns}`), `${ns} namespace is shared`);
    t.equal(readFileSync(`/proc/${h.pid}/stat`, 'utf8').split(' ')[0], String(h.pid));
    t.match(readFileSync(`/proc/${h.pid}/status`, 'utf8'), /NSpid:\s+\d+\s+1\n/, 'pid 1 in its pid namespace');

    // Identity, capabilities, limits, as the init holds them while it waits.
    const st = status(h.pid);
    t.equal(st.Uid, '1000\t1000\t1000\t1000');
    t.equal(st.Gid, '1000\t1000\t1000\t1000');
    t.equal(st.Groups, '10 20');
    t.equal(st.CapEff, hex(CAP_KILL));
    t.equal(st.CapPrm, hex(DEFAULT_CAPS));
    t.equal(st.CapBnd, hex(DEFAULT_CAPS));
    t.equal(st.CapInh, hex(CAP_KILL));
    t.equal(st.CapAmb, hex(CAP_KILL));
    t.equal(st.NoNewPrivs, '1');
    t.match(readFileSync(`/proc/${h.pid}/limits`, 'utf8'), /^Max open files\s+256\s+512\s+files/m);
    t.equal(readFileSync(`/proc/${h.pid}/oom_score_adj`, 'utf8').trim(), '300');
    t.ok(['S'].includes(readFileSync(`/proc/${h.pid}/stat`, 'utf8').split(') ')[1][0]), 'sleeping on the fifo');

    // Filesystem: pivoted into the rootfs, host invisible, masked and read-only paths in place.
    const mi = mountinfo(h.pid);
    const root = mi.find((m) => m.point === '/');
    t.ok(root && root.root.endsWith(`${basename(f.dir)}/rootfs`), `"/" is the rootfs (${root?.root})`);
    t.notOk(mi.some((m) => m.point.startsWith('/work') || m.point === '/run'), 'no host mounts remain');
    t.ok(existsSync(`/proc/${h.pid}/root/bin/busybox`));
    t.notOk(existsSync(`/proc/${h.pid}/root/work`), 'the host filesystem is out of reach');
    const opt = (point: string) => mi.find((m) => m.point === point);
    t.match(opt('/proc/sys')?.options, /^ro,/, '/proc/sys is read-only');
    t.match(opt('/sys')?.options, /^ro,/, '/sys is read-only');
    t.equal(opt('/proc/acpi')?.fstype, 'tmpfs', 'a masked directory is a tmpfs');
    t.match(opt('/proc/acpi')?.options, /^ro,/);
    t.ok(opt('/proc/timer_list'), 'a masked file is covered');
    const tl = statSync(`/proc/${h.pid}/root/proc/timer_list`);
    t.ok(tl.isCharacterDevice() && tl.rdev === 0x103, 'a masked file is /dev/null');
    t.notOk(opt('/proc/kcore') && !existsSync('/proc/kcore'), 'a missing masked path is skipped');
    const nul = statSync(`/proc/${h.pid}/root/dev/null`);
    t.ok(nul.isCharacterDevice() && nul.rdev === 0x103 && (nul.mode & 0o777) === 0o666, '/dev/null made with mknod, mode 0666');
    t.equal(readlinkSync(`/proc/${h.pid}/root/dev/fd`), '/proc/self/fd');
    t.equal(readlinkSync(`/proc/${h.pid}/root/dev/ptmx`), 'pts/ptmx');
    t.equal(readFileSync(f.outPath, 'utf8'), '', 'nothing runs before start');

    release(f);
    const out = await output(f, h.pid);
    t.equal(
      out,
      [
        'start',
        'tsrc-test',
        'example.test',
        'uid=1000 gid=1000 groups=10,20',
        '/tmp',
        '0027',
        '1',
        `CapEff:\t${hex(CAP_KILL)}`,
        `CapAmb:\t${hex(CAP_KILL)}`,
        "sh: can't create /proc/sys/net/ipv4/ip_forward: Read-only file system",
        '0',
        'end',
        '',
      ].join('\n'),
    );
  });

  t.test('start after the init died: the fifo has no reader (ENXIO)', async (t) => {
    const f = fixture(t);
    const h = await spawn(f, { plan: plan(f, ['true']) });
    process.kill(h.pid, 'SIGKILL');
    t.ok(await gone(h.pid));
    t.throws(() => openSync(f.fifo, constants.O_WRONLY | constants.O_NONBLOCK), { code: 'ENXIO' });
  });

  t.test('a start that writes nothing does not release the init', async (t) => {
    const f = fixture(t);
    const h = await spawn(f, { plan: plan(f, ['echo', 'ran']) });
    closeSync(openSync(f.fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    await sleep(200);
    t.ok(alive(h.pid), 'still waiting');
    t.equal(readFileSync(f.outPath, 'utf8'), '');
    release(f);
    t.equal(await output(f, h.pid), 'ran\n');
  });

  t.test('user namespace: maps written, devices bound, root inside is not root outside', async (t) => {
    const f = fixture(t);
    const p = plan(f, ['sh', '-c', 'id; cat /proc/self/uid_map /proc/self/gid_map; echo x > /dev/null && echo null-ok; touch /tmp/made && stat -c %u /tmp/made'], () => {});
    const pu = makePlan({ rootfs: f.rootfs, execFifo: f.fifo, args: p.process.args, userns: 200000 });
    pu.hooksBeforePivot = true;
    const hook = `id -u > ${f.rootfs}/tmp/hook-uid`; // creating a file needs a mapped uid
    const h = await spawn(f, { plan: pu, onHooks: (pid) => runInContainer(pid, { path: '/bin/sh', args: ['sh', '-c', hook], env: [], timeout: 5 }, '{}', 5) });
    t.equal(readFileSync(join(f.rootfs, 'tmp', 'hook-uid'), 'utf8'), '0\n', 'a hook entering the container runs as its root');
    t.equal(statSync(join(f.rootfs, 'tmp', 'hook-uid')).uid, 200000);
    t.equal(readFileSync(`/proc/${h.pid}/uid_map`, 'utf8').trim().split(/\s+/).join(' '), '0 200000 65536');
    t.equal(readFileSync(`/proc/${h.pid}/gid_map`, 'utf8').trim().split(/\s+/).join(' '), '0 200000 65536');
    t.not(readlinkSync(`/proc/${h.pid}/ns/user`), readlinkSync('/proc/self/ns/user'), 'user namespace is new');
    t.equal(status(h.pid).Uid, '200000\t200000\t200000\t200000', 'host view of the uid');
    t.ok(mountinfo(h.pid).some((m) => m.point === '/dev/null'), '/dev/null is a bind mount');
    release(f);
    const out = await output(f, h.pid);
    t.match(out, /^uid=0 gid=0/);
    t.match(out, /^\s*0\s+200000\s+65536\s*$/m);
    t.match(out, /null-ok/);
    t.match(out, /\n0\n$/, 'files created inside are owned by container root');
    t.equal(statSync(join(f.rootfs, 'tmp', 'made')).uid, 200000, 'and by the mapped uid on the host');
  });

  t.test('waitForExit: exit status and signal deaths are reported', async (t) => {
    const f = fixture(t);
    for (const [script, want] of [
      ['exit 3', 3],
      ['kill -9 $$', 137], // not pid 1 of a pid namespace, where SIGKILL from inside is ignored
      ['exit 0', 0],
    ] as const) {
      const p = plan(f, ['sh', '-c', script], (p) => {
        p.execFifo = '';
        p.waitForExit = true;
        p.cloneFlags &= ~NS_FLAGS.pid;
      });
      const h = await spawn(f, { plan: p });
      t.equal(await h.exited, want, `${script} -> ${want}`);
    }
  });

  t.test('startContainer hooks run in the container after start, with the state on stdin', async (t) => {
    const f = fixture(t);
    const p = plan(f, ['sh', '-c', 'cat /hook-state; cat /hook-ids'], (p) => {
      p.process.uid = 1000;
      p.process.gid = 1000;
      p.process.cwd = '/tmp';
      chmodSync(f.rootfs, 0o777);
      p.startContainerHooks = [{ path: '/bin/sh', args: ['sh', '-c', 'cat > /hook-state; echo " $(id -u) $HOOKENV" > /hook-ids'], env: ['HOOKENV=yes'], timeout: 5 }];
    });
    const h = await spawn(f, { plan: p, hookState: (pid) => JSON.stringify({ pid, status: 'created' }) });
    t.notOk(existsSync(join(f.rootfs, 'hook-state')), 'not before start');
    release(f);
    t.equal(await output(f, h.pid), `${JSON.stringify({ pid: h.pid, status: 'created' })} 1000 yes\n`);
  });

  t.test('a failing startContainer hook stops the container, reported to a waiting runtime', async (t) => {
    const f = fixture(t);
    const p = plan(f, ['echo', 'must not run'], (p) => {
      p.execFifo = '';
      p.waitForExit = true;
      p.startContainerHooks = [{ path: '/bin/sh', args: ['sh', '-c', 'echo oops >&2; exit 4'], env: [], timeout: 5 }];
    });
    const h = await spawn(f, { plan: p });
    await t.rejects(h.exited, { name: 'InitError', step: 'startContainer hook', message: 'startContainer hook: #0 /bin/sh: exit status 4, output: oops' });
    t.equal(readFileSync(f.outPath, 'utf8'), '');
  });

  t.test('hooks before pivot: the init stops, runInContainer runs in its namespaces, CONTINUE resumes', async (t) => {
    const f = fixture(t);
    let hookPid = 0;
    const p = plan(f, ['echo', 'resumed'], (p) => (p.hooksBeforePivot = true));
    const h = await spawn(f, {
      plan: p,
      onHooks: async (pid) => {
        hookPid = pid;
        t.ok(alive(pid), 'the init is waiting');
        t.notOk(mountinfo(pid).some((m) => m.point === '/' && m.root.endsWith('/rootfs')), 'not yet pivoted');
        const script = `cat > ${f.rootfs}/state; for n in mnt uts net ipc pid; do readlink /proc/self/ns/$n; done > ${f.rootfs}/ns; echo "$X" > ${f.rootfs}/env`;
        await runInContainer(pid, { path: '/bin/sh', args: ['sh', '-c', script], env: ['X=from-env'], timeout: 5 }, '{"status":"creating"}', 5);
      },
    });
    t.equal(hookPid, h.pid);
    t.equal(readFileSync(join(f.rootfs, 'state'), 'utf8'), '{"status":"creating"}');
    t.equal(readFileSync(join(f.rootfs, 'env'), 'utf8'), 'from-env\n');
    const ns = readFileSync(join(f.rootfs, 'ns'), 'utf8').trim().split('\n');
    t.strictSame(ns, ['mnt', 'uts', 'net', 'ipc', 'pid'].map((n) => readlinkSync(`/proc/${h.pid}/ns/${n}`)), 'the hook ran in every namespace of the init');
    t.ok(mountinfo(h.pid).some((m) => m.point === '/' && m.root.endsWith('/rootfs')), 'pivoted after CONTINUE');
    release(f);
    t.equal(await output(f, h.pid), 'resumed\n');
  });

  t.test('a failing or hanging createContainer hook aborts the create and leaves nothing', async (t) => {
    for (const [script, timeout, message] of [
      ['echo bad >&2; exit 3', 5, /^hook \/bin\/sh: exit status 3, stderr: bad$/],
      ['sleep 30', 1, /^hook \/bin\/sh: timed out after 1 seconds$/],
    ] as const) {
      const f = fixture(t);
      let initPid = 0;
      let stagePid = 0;
      const started = Date.now();
      await t.rejects(
        spawn(f, {
          plan: plan(f, ['true'], (p) => (p.hooksBeforePivot = true)),
          beforeClone: (pid) => void (stagePid = pid),
          onHooks: (pid) => runInContainer((initPid = pid), { path: '/bin/sh', args: ['sh', '-c', script], env: [], timeout }, '{}', timeout),
        }),
        { message },
      );
      t.ok(Date.now() - started < 10000, 'no waiting for the hung hook beyond its timeout');
      t.ok(initPid > 0);
      await nothingLeft(t, f, [initPid, stagePid]);
    }
  });

  t.test('a missing executable fails at create time, worded like runc, leaving nothing', async (t) => {
    for (const [args, message, errno] of [
      [['/nonexistent'], 'exec: "/nonexistent": stat /nonexistent: no such file or directory', 2],
      [['nonexistent-cmd'], 'exec: "nonexistent-cmd": executable file not found in $PATH', 0],
      [['/bin'], 'exec: "/bin": is a directory', 21],
    ] as const) {
      const f = fixture(t);
      let initPid = 0;
      let stagePid = 0;
      const err = await spawn(f, {
        plan: plan(f, [...args], (p) => (p.hooksBeforePivot = true)),
        beforeClone: (pid) => void (stagePid = pid),
        onHooks: async (pid) => void (initPid = pid),
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      t.ok(err instanceof InitError, 'InitError');
      t.match(err, { step: 'exec', errno, message });
      await nothingLeft(t, f, [initPid, stagePid]);
    }
  });

  t.test('a bad mount is reported with its step and errno, leaving nothing', async (t) => {
    for (const [mount, errno, message] of [
      [{ source: 'none', destination: '/mnt/x', fstype: 'nosuchfs', flags: 0, data: '' }, 19, 'mount: mount none to /mnt/x: no such device'],
      [{ source: '/nonexistent-src', destination: '/mnt/y', fstype: '', flags: MS.BIND, data: '' }, 2, 'mount: mount /nonexistent-src to /mnt/y: no such file or directory'],
    ] as const) {
      const f = fixture(t);
      let stagePid = 0;
      const err = await spawn(f, {
        plan: plan(f, ['true'], (p) => p.mounts.push({ ...mount, remountFlags: 0, propagation: 0, destIsFile: false, destNoSymlinks: false, label: '' })),
        beforeClone: (pid) => void (stagePid = pid),
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      t.match(err, { name: 'InitError', step: 'mount', errno, message });
      await nothingLeft(t, f, [stagePid]);
    }
  });

  t.test('mount points resolve inside the rootfs: symlinks pointing out of it stay in', async (t) => {
    const f = fixture(t);
    symlinkSync(`${f.dir}/outside`, join(f.rootfs, 'escape')); // absolute and dangling
    symlinkSync('../../..', join(f.rootfs, 'up')); // climbs above "/"
    const p = plan(f, ['sh', '-c', `ls /escape; grep -c " ${f.dir}/outside/inner " /proc/self/mountinfo; ls /up/bin/busybox`], (p) => {
      p.mounts.push(
        { source: 'tmpfs', destination: '/escape/inner', fstype: 'tmpfs', flags: 0, data: '', remountFlags: 0, propagation: 0, destIsFile: false, destNoSymlinks: false, label: '' },
        { source: 'tmpfs', destination: '/up/tmp/deep', fstype: 'tmpfs', flags: 0, data: '', remountFlags: 0, propagation: 0, destIsFile: false, destNoSymlinks: false, label: '' },
      );
    });
    const h = await spawn(f, { plan: p });
    t.notOk(existsSync(join(f.dir, 'outside')), 'nothing was created outside the rootfs');
    t.ok(lstatSync(join(f.rootfs, f.dir, 'outside', 'inner')).isDirectory(), 'the dangling link was followed inside the rootfs');
    t.ok(lstatSync(join(f.rootfs, 'tmp', 'deep')).isDirectory(), '".." stops at the rootfs');
    release(f);
    t.equal(await output(f, h.pid), 'inner\n1\n/up/bin/busybox\n', 'the mount is where the container sees the link point');
  });

  t.test('preserved fds pass through; every other fd is closed', async (t) => {
    const f = fixture(t);
    const extraPath = join(f.dir, 'extra');
    const extra = openSync(extraPath, 'w');
    t.teardown(() => closeSync(extra));
    // The loop runs in the shell itself (a last simple command would be exec'd in its place).
    const p = plan(f, ['sh', '-c', 'echo via3 >&3; for fd in $(seq 0 64); do [ -e /proc/$$/fd/$fd ] && echo $fd; done; true'], (p) => {
      p.preserveFds = 1;
      p.execFifo = '';
      p.waitForExit = true;
    });
    const h = await spawn(f, { plan: p, stdio: [f.devnull, f.out, f.out, extra] });
    t.equal(await h.exited, 0);
    t.equal(readFileSync(extraPath, 'utf8'), 'via3\n');
    t.equal(readFileSync(f.outPath, 'utf8'), '0\n1\n2\n3\n', 'open fds: stdio and the preserved one');
  });

  t.test('noPivot and a read-only root', async (t) => {
    const f = fixture(t);
    const p = plan(f, ['sh', '-c', 'touch /x; head -1 /proc/self/mountinfo; ls /'], (p) => {
      p.noPivot = true;
      p.rootReadonly = true;
      p.execFifo = '';
      p.waitForExit = true;
    });
    const h = await spawn(f, { plan: p });
    t.equal(await h.exited, 0);
    const out = readFileSync(f.outPath, 'utf8');
    t.match(out, /touch: \/x: Read-only file system/);
    t.match(out, /\bbin\b[\s\S]*\bproc\b/, 'the rootfs is "/"');
    t.notOk(existsSync(join(f.rootfs, 'x')));
  });

  t.test('joins: a second container shares the first one\'s network and ipc namespaces', async (t) => {
    const f = fixture(t);
    const first = await spawn(f, { plan: plan(f, ['true']) });
    const g = fixture(t);
    const p = plan(g, ['true'], (p) => {
      p.cloneFlags &= ~(NS_FLAGS.network | NS_FLAGS.ipc);
      p.joins = [
        { flag: NS_FLAGS.network, path: `/proc/${first.pid}/ns/net` },
        { flag: NS_FLAGS.ipc, path: `/proc/${first.pid}/ns/ipc` },
      ];
    });
    const second = await spawn(g, { plan: p });
    for (const ns of ['net', 'ipc']) t.equal(readlinkSync(`/proc/${second.pid}/ns/${ns}`), readlinkSync(`/proc/${first.pid}/ns/${ns}`), `${ns} joined`);
    for (const ns of ['mnt', 'uts', 'pid']) t.not(readlinkSync(`/proc/${second.pid}/ns/${ns}`), readlinkSync(`/proc/${first.pid}/ns/${ns}`), `${ns} its own`);

    const wrong = fixture(t);
    const err = await spawn(wrong, {
      plan: plan(wrong, ['true'], (p) => {
        p.cloneFlags &= ~NS_FLAGS.network;
        p.joins = [{ flag: NS_FLAGS.network, path: `/proc/${first.pid}/ns/uts` }];
      }),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.match(err, { name: 'InitError', step: 'setns', errno: 22, message: `setns: join /proc/${first.pid}/ns/uts: invalid argument` }, 'a namespace of the wrong type is refused by the kernel');
  });

  t.test('rootfs propagation: shared, private and unbindable roots still pivot', async (t) => {
    for (const [name, prop] of [
      ['rshared', MS.SHARED | MS.REC],
      ['rprivate', MS.PRIVATE | MS.REC],
      ['shared', MS.SHARED],
    ] as const) {
      const f = fixture(t);
      const h = await spawn(f, { plan: plan(f, ['true'], (p) => (p.setupPropagation = p.rootfsPropagation = prop)) });
      const root = mountinfo(h.pid).find((m) => m.point === '/');
      t.ok(root?.root.endsWith('/rootfs'), `${name}: pivoted`);
      release(f);
      t.ok(await gone(h.pid));
      t.notOk(readFileSync('/proc/self/mountinfo', 'utf8').includes(basename(f.dir)), `${name}: nothing propagated to the host`);
    }
  });

  t.test('seatbelts: no mount namespace, or a hostname without a UTS namespace, is refused', async (t) => {
    const f = fixture(t);
    const cases: Array<[string, (p: Plan) => void, RegExp]> = [
      ['no mount ns', (p) => (p.cloneFlags &= ~NS_FLAGS.mount), /^plan: no mount namespace/],
      ['hostname without uts', (p) => (p.cloneFlags &= ~NS_FLAGS.uts), /^plan: no UTS namespace/],
      ['terminal without a console socket', (p) => (p.process.terminal = true), /^plan: a terminal needs a console socket to send its pty master to: invalid argument$/],
      ['console socket without a terminal', (p) => (p.consoleSocket = '/nonexistent.sock'), /^plan: a console socket without a terminal: invalid argument$/],
    ];
    for (const [what, mutate, message] of cases) {
      await t.rejects(spawn(f, { plan: plan(f, ['true'], mutate) }), { name: 'InitError', message }, what);
    }
    t.equal(readFileSync('/proc/sys/kernel/hostname', 'utf8').trim() === 'tsrc-test', false, 'the host kept its hostname');
  });

  t.test('rlimits the kernel refuses are reported', async (t) => {
    const f = fixture(t);
    const err = await spawn(f, { plan: plan(f, ['true'], (p) => (p.process.rlimits = [{ resource: 7, soft: 10n, hard: 5n }])) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.match(err, { name: 'InitError', step: 'rlimit', errno: 22, message: 'rlimit: set rlimit 7 to soft 10 hard 5: invalid argument' });
  });
}
