// HOME when process.env has none (Docker and ctr send none): runc's rule, the process user's
// home directory in the container's /etc/passwd, or "/" without an entry; for the init and for
// exec. Judged from the host through /proc/<pid>/environ, and by what the process prints.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Harness, haveRoot } from '../helpers/tsrc.js';
import type { Config } from '../helpers/tsrc.js';

const homes = (pid: number) =>
  readFileSync(`/proc/${pid}/environ`, 'utf8')
    .split('\0')
    .filter((kv) => kv.startsWith('HOME='));

if (haveRoot(t)) {
  const h = new Harness('home');
  t.teardown(() => h.cleanup());

  async function start(env: string[], uid: number, passwd: (rootfs: string) => void = () => {}) {
    const b = await h.bundle('sleep 1000', (c: Config) => {
      c.process.env = env;
      c.process.user = { uid, gid: uid };
    });
    const rootfs = join(b.dir, 'rootfs');
    appendFileSync(join(rootfs, 'etc', 'passwd'), 'user:x:1000:1000:a user:/home/user:/bin/sh\n');
    passwd(rootfs);
    const r = h.tsrc(['run', '--detach', '--bundle', b.dir, b.id]);
    if (r.status !== 0) throw new Error(r.stderr);
    return { ...b, pid: JSON.parse(h.tsrc(['state', b.id]).stdout).pid as number };
  }

  t.test('the init: from /etc/passwd, "/" without an entry, never over a given HOME', async (t) => {
    const cases: Array<[string, string[], number, string[]]> = [
      ['root', ['PATH=/bin'], 0, ['HOME=/root']],
      ['a user with an entry', ['PATH=/bin'], 1000, ['HOME=/home/user']],
      ['a user without one', ['PATH=/bin'], 4242, ['HOME=/']],
      ['a HOME given', ['PATH=/bin', 'HOME=/custom'], 1000, ['HOME=/custom']],
      ['an empty HOME (none, to Go and runc)', ['HOME=', 'PATH=/bin'], 1000, ['HOME=/home/user']],
    ];
    for (const [what, env, uid, want] of cases) {
      const c = await start(env, uid);
      t.same(homes(c.pid), want, what);
      h.tsrc(['delete', '--force', c.id]);
    }
  });

  t.test('exec: the same rule for the exec user; --env HOME wins', async (t) => {
    const c = await start(['PATH=/bin'], 0);
    const run = (args: string[]) => h.tsrc(['exec', ...args, c.id, 'sh', '-c', 'echo $HOME']);
    t.equal(run([]).stdout, '/root\n');
    t.equal(run(['--user', '1000']).stdout, '/home/user\n');
    t.equal(run(['--user', '4242']).stdout, '/\n');
    t.equal(run(['--user', '1000', '--env', 'HOME=/else']).stdout, '/else\n');
    h.tsrc(['delete', '--force', c.id]);
  });

  t.test('an /etc/passwd that is no regular file is not read (no hang), and HOME is "/"', async (t) => {
    const c = await start(['PATH=/bin'], 1000, (rootfs) => {
      rmSync(join(rootfs, 'etc', 'passwd'));
      execFileSync('mkfifo', [join(rootfs, 'etc', 'passwd')]);
    });
    t.same(homes(c.pid), ['HOME=/']);
    h.tsrc(['delete', '--force', c.id]);
  });
}
