// exec and terminals through the CLI, on real containers.
import t from 'tap';
import { closeSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { read } from 'node:fs';
import { join } from 'node:path';
import { errorMessage, Harness, haveRoot } from '../helpers/tsrc.js';
import type { Config } from '../helpers/tsrc.js';
import { listenConsole } from '../../lib/sys/console.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads from a pty master until `want` shows up or the time runs out. */
async function readUntil(fd: number, want: RegExp, ms = 5000): Promise<string> {
  let text = '';
  const deadline = Date.now() + ms;
  while (!want.test(text) && Date.now() < deadline) {
    const buf = Buffer.alloc(4096);
    const n = await new Promise<number>((res) => read(fd, buf, 0, buf.length, null, (err, k) => res(err ? 0 : k)));
    if (n === 0) break;
    text += buf.subarray(0, n).toString();
  }
  return text;
}

if (haveRoot(t)) {
  const h = new Harness('exec');
  t.teardown(() => h.cleanup());
  async function container(script: string, patch: (c: Config) => void = () => {}, start = true) {
    const b = await h.bundle(script, (c) => {
      c.root.readonly = false;
      c.process.env.push('FROM_CONFIG=yes');
      patch(c);
    });
    if (start) {
      const r = h.tsrc(['run', '--detach', '--bundle', b.dir, b.id]);
      if (r.status !== 0) throw new Error(r.stderr);
    }
    return b;
  }

  t.test('exec joins the container: namespaces, root, env; overrides and exit status', async (t) => {
    const c = await container('sleep 1000');
    const init = JSON.parse(h.tsrc(['state', c.id]).stdout).pid;
    const r = h.tsrc(['exec', c.id, 'sh', '-c', 'for n in pid mnt net; do readlink /proc/self/ns/$n; done; ls /; echo $FROM_CONFIG']);
    t.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    t.equal(lines[0], readlinkSync(`/proc/${init}/ns/pid`));
    t.equal(lines[1], readlinkSync(`/proc/${init}/ns/mnt`));
    t.equal(lines[2], readlinkSync(`/proc/${init}/ns/net`));
    t.ok(lines.includes('bin') && !lines.includes('work'), "the container's root");
    t.equal(lines.at(-1), 'yes', "the container's environment");

    const o = h.tsrc(['exec', '--user', '1000:1001', '--additional-gids', '7', '--cwd', '/tmp', '--env', 'FOO=bar', c.id, 'sh', '-c', 'id; pwd; echo $FOO; exit 9']);
    t.equal(o.status, 9, 'the exit status is the process');
    t.same(o.stdout.trim().split('\n'), ['uid=1000 gid=1001 groups=7', '/tmp', 'bar']);
    h.tsrc(['delete', '--force', c.id]);
  });

  t.test('exec --process, --detach and --pid-file; the process is in the cgroup', async (t) => {
    const c = await container('sleep 1000');
    const pj = join(h.work, 'process.json');
    writeFileSync(pj, JSON.stringify({ args: ['sleep', '500'], cwd: '/', user: { uid: 0, gid: 0 }, env: ['PATH=/bin'] }));
    const pidFile = join(h.work, 'exec.pid');
    const r = h.tsrc(['exec', '--process', pj, '--detach', '--pid-file', pidFile, c.id]);
    t.equal(r.status, 0, r.stderr);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    t.ok(pid > 0);
    t.ok(JSON.parse(h.tsrc(['ps', '--format', 'json', c.id]).stdout).includes(pid), 'listed by ps (in the cgroup)');
    t.equal(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), 'sleep\u0000500\u0000');
    // The stage joined the v1 hierarchies itself (tasks) and cloned the process into the cgroup2
    // directory (CLONE_INTO_CGROUP): every hierarchy, the unified one included, as the init's.
    const initPid = JSON.parse(h.tsrc(['state', c.id]).stdout).pid;
    t.equal(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), readFileSync(`/proc/${initPid}/cgroup`, 'utf8'), "in every one of the init's cgroups");
    // Without user (the schema does not require it there): uid 0, gid 0, as runc.
    writeFileSync(pj, JSON.stringify({ args: ['/bin/id'], cwd: '/' }));
    const nouser = h.tsrc(['exec', '--process', pj, c.id]);
    t.equal(nouser.status, 0, nouser.stderr);
    t.match(nouser.stdout, /^uid=0\(root\) gid=0\(root\)/, 'a process.json without user runs as root');
    h.tsrc(['delete', '--force', c.id]);
  });

  t.test('exec errors', async (t) => {
    const c = await container('sleep 1000');
    const missing = h.tsrc(['exec', c.id, '/nonexistent']);
    t.equal(missing.status, 255, 'a runtime error exits 255, as runc-exec(8) says');
    t.match(errorMessage(missing.stderr), /^exec failed: .*no such file or directory/);
    t.equal(h.tsrc(['exec', c.id, 'sh', '-c', 'exit 254']).status, 254, "the program's own status otherwise");
    t.same(JSON.parse(h.tsrc(['ps', '--format', 'json', c.id]).stdout).length, 1, 'nothing left running');
    t.match(h.tsrc(['exec', c.id]).stderr, /command/);
    t.match(h.tsrc(['exec', '--tty', '--detach', c.id, 'sh']).stderr, /console socket/);
    t.equal(h.tsrc(['pause', c.id]).status, 0);
    t.match(h.tsrc(['exec', c.id, 'true']).stderr, /paused/);
    t.equal(h.tsrc(['resume', c.id]).status, 0);
    h.tsrc(['kill', c.id, 'KILL']);
    await sleep(200);
    t.match(h.tsrc(['exec', c.id, 'true']).stderr, /stopped/);
    h.tsrc(['delete', c.id]);
    const gone = h.tsrc(['exec', 'no-such-ctr', 'true']);

    t.equal(gone.status, 255);
    t.match(errorMessage(gone.stderr), /^exec failed: container "no-such-ctr" does not exist$/);
  });

  t.test('terminal: the pty master arrives on --console-socket; the slave is the stdio and /dev/console', async (t) => {
    const c = await container('tty; readlink /proc/self/fd/0; stat -c %t:%T /dev/console; sleep 1000', (cfg) => (cfg.process.terminal = true), false);
    const rx = listenConsole(join(h.work, `console-${c.id}.sock`));
    const r = h.tsrc(['create', '--console-socket', rx.path, '--bundle', c.dir, c.id]);
    t.equal(r.status, 0, r.stderr);
    const master = await rx.master;
    t.equal(h.tsrc(['start', c.id]).status, 0);
    const out = await readUntil(master, /:\S+\s*\r?\n/);
    t.match(out, /^\/dev\/pts\/0\r?\n\/dev\/pts\/0\r?\n88:0\r?\n/, 'tty, stdin and /dev/console are the pty (devpts major 136 = 0x88)');
    closeSync(master);
    h.tsrc(['delete', '--force', c.id]);
  });

  t.test('exec --tty with a console socket', async (t) => {
    const c = await container('sleep 1000');
    const rx = listenConsole(join(h.work, `console-x-${c.id}.sock`));
    const r = h.tsrc(['exec', '--tty', '--detach', '--console-socket', rx.path, c.id, 'sh', '-c', 'tty; sleep 100']);
    t.equal(r.status, 0, r.stderr);
    const master = await rx.master;
    t.match(await readUntil(master, /pts/), /\/dev\/pts\/\d+/);
    closeSync(master);
    h.tsrc(['delete', '--force', c.id]);
  });

  t.test('run in the foreground with a terminal and no console socket uses our own pty proxy', async (t) => {
    const c = await container('tty; echo done', (cfg) => (cfg.process.terminal = true), false);
    const r = h.tsrc(['run', '--bundle', c.dir, c.id]);
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /\/dev\/pts\/0\r?\ndone/);
  });
}
