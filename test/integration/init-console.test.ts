// Terminals (root): the C init allocates a pty from the container's devpts, sends the master over
// the console socket, and the container sees the slave as its stdio, controlling tty and
// /dev/console. The runtime side (listenConsole, proxyConsole) is used as `run` will use it.
import t from 'tap';
import { existsSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Plan } from '../../lib/plan/types.js';
import { listenConsole, proxyConsole } from '../../lib/sys/console.js';
import { fixture, gone, makePlan, mountinfo, nothingLeft, plan, release, spawn, status } from '../helpers/rootfs.js';

const PTS0 = (136 << 8) | 0; // makedev(136, 0): the first Unix98 pty slave

/** Everything the master yields until the pty has no writer left. */
async function drain(master: number, input?: PassThrough): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (b: Buffer) => (text += b.toString()));
  const proxy = proxyConsole(master, { stdin: input ?? new PassThrough(), stdout: out });
  await proxy.done;
  return text;
}

const isRoot = process.getuid?.() === 0;
if (!isRoot) {
  if (process.env.CI) t.fail('test/integration/init-console.test.ts needs root (CI is set, so this is a failure, not a skip)');
  else t.plan(0, 'needs root');
} else {
  t.test('the master arrives on the console socket; the slave is stdio, controlling tty and /dev/console', async (t) => {
    const f = fixture(t);
    const rx = listenConsole();
    t.teardown(() => rx.close());
    const script = [
      'tty',
      'for fd in 0 1 2; do readlink /proc/self/fd/$fd; done',
      'stat -L -c "%t:%T %u" /dev/console /proc/self/fd/0',
      'stty size',
      'echo to-console > /dev/console',
      'ls /dev/pts',
    ].join('; ');
    const p = plan(f, ['sh', '-c', script], (p) => {
      p.process.terminal = true;
      p.process.consoleSize = { height: 33, width: 101 };
      p.process.uid = 1000;
      p.process.gid = 1000;
      p.consoleSocket = rx.path;
    });
    const h = await spawn(f, { plan: p });
    const master = await rx.master;
    t.notOk(existsSync(rx.path), 'the socket is removed once the master arrived');

    // What the host sees of the waiting init.
    for (const fd of [0, 1, 2]) t.equal(readlinkSync(`/proc/${h.pid}/fd/${fd}`), '/dev/pts/0', `fd ${fd} is the slave`);
    t.equal(Number(readFileSync(`/proc/${h.pid}/stat`, 'utf8').split(') ')[1].split(' ')[4]), PTS0, 'the controlling terminal is the slave');
    const console = statSync(join(`/proc/${h.pid}/root`, 'dev', 'console'));
    t.ok(console.isCharacterDevice() && console.rdev === PTS0, '/dev/console is the slave');
    t.ok(mountinfo(h.pid).some((m) => m.point === '/dev/console' && m.fstype === 'devpts'), '/dev/console is a bind mount from devpts');
    t.equal(status(h.pid).Uid, '1000\t1000\t1000\t1000');

    release(f);
    const out = await drain(master);
    t.equal(
      out,
      ['/dev/pts/0', '/dev/pts/0', '/dev/pts/0', '/dev/pts/0', '88:0 1000', '88:0 1000', '33 101', 'to-console', '0     ptmx', ''].join('\r\n'),
      'the output, through the pty (CRLF line ends)',
    );
    t.ok(await gone(h.pid));
  });

  t.test('in a user namespace too', async (t) => {
    const f = fixture(t);
    const rx = listenConsole();
    t.teardown(() => rx.close());
    const p = makePlan({ rootfs: f.rootfs, execFifo: '', args: ['sh', '-c', 'tty; id -u; stat -L -c %u /dev/console'], userns: 300000 });
    p.process.terminal = true;
    p.process.uid = 1000;
    p.consoleSocket = rx.path;
    p.waitForExit = true;
    const h = await spawn(f, { plan: p });
    const out = drain(await rx.master);
    t.equal(await h.exited, 0);
    t.equal(await out, '/dev/pts/0\r\n1000\r\n1000\r\n');
  });

  t.test('input goes through the proxy to an interactive shell; the exit status comes back', async (t) => {
    const f = fixture(t);
    const rx = listenConsole();
    t.teardown(() => rx.close());
    const p = plan(f, ['sh'], (p) => {
      p.process.terminal = true;
      p.consoleSocket = rx.path;
      p.execFifo = '';
      p.waitForExit = true;
    });
    const h = await spawn(f, { plan: p });
    const input = new PassThrough();
    const output = drain(await rx.master, input);
    input.write('echo $((6 * 7))\n');
    input.write('exit 3\n');
    t.equal(await h.exited, 3);
    const out = await output;
    t.match(out, /echo \$\(\(6 \* 7\)\)\r\n42\r\n/, 'the command was echoed by the tty and run');
  });

  t.test('failures: no devpts, no socket to connect to; nothing is left', async (t) => {
    const f = fixture(t);
    const rx = listenConsole();
    t.teardown(() => rx.close());
    for (const [what, over, message] of [
      [
        'no devpts at /dev/pts',
        (p: Plan) => (p.mounts = p.mounts.filter((m) => m.fstype !== 'devpts')),
        /^console: open \/dev\/pts\/ptmx \(a terminal needs a devpts mounted at \/dev\/pts\): no such file or directory$/,
      ],
      ['no listener', (p: Plan) => (p.consoleSocket = join(f.dir, 'nobody.sock')), new RegExp(`^console socket: connect ${f.dir}/nobody\\.sock: no such file or directory$`)],
    ] as const) {
      let stagePid = 0;
      const err = await spawn(f, {
        plan: plan(f, ['true'], (p) => {
          p.process.terminal = true;
          p.consoleSocket = rx.path;
          over(p);
        }),
        beforeClone: (pid) => void (stagePid = pid),
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      t.match(err, { name: 'InitError', message }, what);
      await nothingLeft(t, f, [stagePid]);
    }
  });

  t.test('a receiver can be closed or time out; the socket goes away', async (t) => {
    const rx = listenConsole();
    t.ok(existsSync(rx.path));
    rx.close();
    await t.rejects(rx.master, { code: 'ECANCELED' });
    t.notOk(existsSync(rx.path));
    const slow = listenConsole(undefined, 50);
    await t.rejects(slow.master, { code: 'ETIMEDOUT' });
    t.notOk(existsSync(slow.path));
  });
}
