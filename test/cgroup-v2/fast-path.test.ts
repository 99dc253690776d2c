// build/tsrc's native fast path on a pure cgroup v2 host (run inside the VM by
// scripts/test-cgroup-v2.sh): pause/resume through cgroup.freeze, status read from it, and delete
// removing the v2 cgroup, all without Node (TSRC_FAST=only), and agreeing with the Node CLI; and
// exec placing its process in the container's cgroup.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Harness, TSRC_LAUNCHER, cgroupVersion, haveRoot } from '../helpers/tsrc.js';
// @ts-expect-error: plain ESM script without types
import { makeBundle } from '../../scripts/make-bundle.mjs';

type Config = Record<string, any>;

if (haveRoot(t)) {
  t.equal(cgroupVersion(), 'v2', 'this test runs on a pure cgroup v2 host');
  const h = new Harness('v2fast');
  t.teardown(() => h.cleanup());
  const fast = (args: string[]) => h.tsrc(args, { bin: TSRC_LAUNCHER, env: { ...process.env, TSRC_FAST: 'only' } });
  const viaNode = (args: string[]) => h.tsrc(args, { bin: TSRC_LAUNCHER, env: { ...process.env, TSRC_FAST: '0' } });

  t.test('start, pause, resume, kill and delete on cgroup v2 without Node', async (t) => {
    const id = `v2fast-${process.pid}`;
    const dir = join(h.work, id);
    const cgroupsPath = `/tsrc-v2/${id}`;
    await makeBundle(dir, ['sleep', '1000'], (c: Config) => {
      c.linux.cgroupsPath = cgroupsPath;
      return c;
    });
    const cg = `/sys/fs/cgroup${cgroupsPath}`;
    t.equal(h.tsrc(['create', '--bundle', dir, id]).status, 0);
    t.equal(fast(['start', id]).status, 0);
    // exec (Node): the process is cloned straight into the container's cgroup (CLONE_INTO_CGROUP).
    const pidFile = join(h.work, 'exec.pid');
    const ex = h.tsrc(['exec', '--detach', '--pid-file', pidFile, id, 'sleep', '100']);
    t.equal(ex.status, 0, ex.stderr);
    const execPid = Number(readFileSync(pidFile, 'utf8'));
    t.ok(readFileSync(join(cg, 'cgroup.procs'), 'utf8').split('\n').includes(String(execPid)), "the exec'd process is in the container's cgroup");
    t.equal(fast(['pause', id]).status, 0);
    t.equal(readFileSync(join(cg, 'cgroup.freeze'), 'utf8').trim(), '1');
    t.match(readFileSync(join(cg, 'cgroup.events'), 'utf8'), /^frozen 1$/m, 'the kernel reports the cgroup frozen');
    const paused = fast(['state', id]);
    t.equal(JSON.parse(paused.stdout).status, 'paused');
    const node = viaNode(['state', id]);
    t.equal(node.status, 0, node.stderr);
    t.equal(paused.stdout, node.stdout, 'same bytes as the Node CLI');
    t.equal(fast(['list', '-f', 'json']).stdout, viaNode(['list', '-f', 'json']).stdout);
    t.equal(fast(['resume', id]).status, 0);
    t.match(readFileSync(join(cg, 'cgroup.events'), 'utf8'), /^frozen 0$/m);
    t.equal(JSON.parse(fast(['state', id]).stdout).status, 'running');
    t.equal(fast(['delete', '--force', id]).status, 0);
    t.notOk(existsSync(cg), 'the v2 cgroup is gone');
    t.notOk(existsSync(join(h.root, id)), 'the state is gone');
  });
}
