// The init's first stage joins the container's cgroups itself (root): v1 by writing "0" to each
// hierarchy's `tasks` file, cgroup2 by cloning the container init into the directory. Checks what
// /proc/<pid>/cgroup says, that the stage itself stays out of cgroup2, and that a cgroup the stage
// cannot join fails the create with a one-line error and leaves no process behind.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { createCgroupManager, type CgroupManager } from '../../lib/cgroups/index.js';
import { InitError } from '../../lib/sys/api.js';
import { fixture, gone, nothingLeft, plan, release, spawn } from '../helpers/rootfs.js';

function cgroupLines(pid: number | 'self'): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(l) as RegExpExecArray;
    out.set(controllers, path);
  }
  return out;
}

if (process.getuid?.() !== 0) {
  if (process.env.CI) t.fail('test/integration/init-cgroup-join.test.ts needs root (CI is set, so this is a failure, not a skip)');
  else t.plan(0, 'needs root');
} else {
  const inner = `/tsrc-test/self-join-${process.pid}`;
  const managers: CgroupManager[] = [];
  const manager = (suffix: string) => {
    const m = createCgroupManager({ cgroupsPath: `${inner}-${suffix}`, id: suffix });
    managers.push(m);
    m.create();
    return m;
  };
  t.teardown(() => {
    for (const m of managers) m.destroy();
  });

  t.test('the container init is in the cgroup in every hierarchy, placed by the stage itself', async (t) => {
    const f = fixture(t);
    const cg = manager('a');
    const self = cg.selfJoin?.();
    if (!self) throw new Error('a cgroupfs manager offers selfJoin()');
    let stagePid = 0;
    const h = await spawn(f, {
      plan: plan(f, ['true'], (p) => {
        p.cgroupTasks = self.tasks;
        p.cgroupInto = self.into;
      }),
      beforeClone: (pid) => void (stagePid = pid),
    });
    const lines = cgroupLines(h.pid);
    const ours = cgroupLines('self');
    for (const [controllers, path] of lines) {
      const joined = controllers === '' ? self.into !== '' : self.tasks.length > 0;
      if (joined) t.equal(path, `${inner}-a`, `${controllers || 'cgroup2'}: the container's cgroup`);
      else t.equal(path, ours.get(controllers), `${controllers || 'cgroup2'}: not asked for, inherited`);
    }
    t.same(cg.pids(), [h.pid], 'the init is the one process listed');
    t.ok(await gone(stagePid), 'the first stage exited after READY');
    release(f);
    t.ok(await gone(h.pid), 'the container ran to its end');
  });

  t.test('with waitForExit the stage is in the v1 cgroups but stays out of the cgroup2 one', async (t) => {
    const f = fixture(t);
    const cg = manager('b');
    const self = cg.selfJoin?.() as { tasks: string[]; into: string };
    let stagePid = 0;
    const h = await spawn(f, {
      plan: plan(f, ['true'], (p) => {
        p.cgroupTasks = self.tasks;
        p.cgroupInto = self.into;
        p.waitForExit = true;
      }),
      beforeClone: (pid) => void (stagePid = pid),
    });
    const stage = cgroupLines(stagePid);
    const ours = cgroupLines('self');
    for (const [controllers, path] of stage) {
      if (controllers === '') t.equal(path, ours.get(''), 'cgroup2: where the runtime is (only the container init was cloned in)');
      else t.equal(path, self.tasks.length ? `${inner}-b` : ours.get(controllers), `${controllers}: joined through tasks`);
    }
    if (self.into) t.equal(cgroupLines(h.pid).get(''), `${inner}-b`, 'the container init is in the cgroup2 directory');
    release(f);
    t.equal(await h.exited, 0, 'the stage reports the exit status');
  });

  t.test('a v1 directory the stage cannot join: InitError naming the file, nothing left', async (t) => {
    const f = fixture(t);
    let stagePid = 0;
    const err = await spawn(f, {
      plan: plan(f, ['true'], (p) => (p.cgroupTasks = ['/nonexistent-cgroup/x'])),
      beforeClone: (pid) => void (stagePid = pid),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.ok(err instanceof InitError, 'InitError');
    t.match(err, { step: 'cgroup', errno: 2, message: 'cgroup: write /nonexistent-cgroup/x/tasks "0": no such file or directory' });
    await nothingLeft(t, f, [stagePid]);
  });

  t.test('a cgroup2 directory that does not exist: InitError naming it, nothing left', async (t) => {
    const f = fixture(t);
    let stagePid = 0;
    const err = await spawn(f, {
      plan: plan(f, ['true'], (p) => (p.cgroupInto = '/nonexistent-cgroup2')),
      beforeClone: (pid) => void (stagePid = pid),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.match(err, { step: 'cgroup', errno: 2, message: 'cgroup: open /nonexistent-cgroup2: no such file or directory' });
    await nothingLeft(t, f, [stagePid]);
  });
}
