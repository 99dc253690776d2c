// A cgroup that exists before create, as runc treats it: a frozen one is refused (an init cloned
// into it would stop before it could report, and create would hang), a non-empty one is joined
// with runc's warning. Both on whatever this host mounts (v1 hybrid here, v2 in the VM's copy of
// the cgroup tests).
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupBases, cgroupVersion, errorMessage, Harness, haveRoot } from '../helpers/tsrc.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (haveRoot(t)) {
  const h = new Harness('cgexist');
  const made: string[] = [];
  t.teardown(() => {
    h.cleanup();
    for (const d of made.reverse()) {
      try {
        rmdirSync(d);
      } catch {
        /* removed with the container, or busy */
      }
    }
  });
  const makeAll = (path: string) =>
    cgroupBases().map((b) => {
      const d = join(b, path);
      if (!existsSync(d)) {
        mkdirSync(d, { recursive: true });
        made.push(join(b, path.split('/').filter(Boolean)[0]), d);
      }
      // v1 cpuset: a new directory has no CPUs or memory nodes until given its parent's.
      let at = b;
      for (const part of path.split('/').filter(Boolean)) {
        const parent = at;
        at = join(at, part);
        for (const f of ['cpuset.cpus', 'cpuset.mems']) {
          if (existsSync(join(at, f)) && !readFileSync(join(at, f), 'utf8').trim()) writeFileSync(join(at, f), readFileSync(join(parent, f), 'utf8'));
        }
      }
      return d;
    });

  t.test('a frozen cgroup is refused, and left as it was', async (t) => {
    const b = await h.bundle('true');
    const dirs = makeAll(b.cgroupsPath);
    const freezer =
      cgroupVersion() === 'v2' ? dirs.find((d) => existsSync(join(d, 'cgroup.freeze'))) : dirs.find((d) => existsSync(join(d, 'freezer.state')));
    if (!freezer) return t.fail('no freezer');
    if (cgroupVersion() === 'v2') writeFileSync(join(freezer, 'cgroup.freeze'), '1');
    else writeFileSync(join(freezer, 'freezer.state'), 'FROZEN');
    const r = h.tsrc(['create', '--bundle', b.dir, b.id], { timeout: 20_000 });
    t.equal(r.status, 1, 'fails, and does not hang');
    t.equal(errorMessage(r.stderr), "container's cgroup unexpectedly frozen");
    t.notOk(existsSync(join(h.root, b.id)), 'no state left');
    t.ok(dirs.every((d) => existsSync(d)), 'the cgroup that was there is still there');
    if (cgroupVersion() === 'v2') writeFileSync(join(freezer, 'cgroup.freeze'), '0');
    else writeFileSync(join(freezer, 'freezer.state'), 'THAWED');
  });

  t.test('a non-empty cgroup is joined with a warning', async (t) => {
    const b = await h.bundle('sleep 1000');
    const dirs = makeAll(b.cgroupsPath);
    const squatter = spawn('sleep', ['1000'], { stdio: 'ignore' });
    t.teardown(() => squatter.kill('SIGKILL'));
    await sleep(50);
    for (const d of dirs) writeFileSync(join(d, 'cgroup.procs'), String(squatter.pid));
    const logFile = join(h.work, 'create.log');
    const r = h.tsrc(['create', '--bundle', b.dir, b.id], { global: ['--log', logFile] });
    t.equal(r.status, 0, r.stderr);
    t.match(readFileSync(logFile, 'utf8'), /level=warning msg="container's cgroup is not empty: 1 process\(es\) found"/);
    const pid = JSON.parse(h.tsrc(['state', b.id]).stdout).pid as number;
    t.equal(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), readFileSync(`/proc/${squatter.pid}/cgroup`, 'utf8'), 'the init is in that cgroup');
    h.tsrc(['delete', '--force', b.id]);
  });
}
