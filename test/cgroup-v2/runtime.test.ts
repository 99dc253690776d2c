// The runtime end to end on a pure cgroup v2 host (run inside the VM by scripts/test-cgroup-v2.sh):
// a container's limits land in its v2 cgroup, the cgroup namespace is rooted there, pause uses
// cgroup.freeze, and nothing is left after delete. Kept small: everything is slow under emulation.
import t from 'tap';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Harness, cgroupVersion, haveRoot } from '../helpers/tsrc.js';
// @ts-expect-error: plain ESM script without types
import { makeBundle } from '../../scripts/make-bundle.mjs';

type Config = Record<string, any>;

if (haveRoot(t)) {
  t.equal(cgroupVersion(), 'v2', 'this test runs on a pure cgroup v2 host');
  const h = new Harness('v2rt');
  t.teardown(() => h.cleanup());

  t.test('spec adds a cgroup namespace on pure cgroup v2, as runc does', async (t) => {
    const dir = join(h.work, 'spec');
    mkdirSync(dir);
    t.equal(h.tsrc(['spec', '--bundle', dir]).status, 0);
    const types = (JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).linux.namespaces as Array<{ type: string }>).map((n) => n.type);
    t.ok(types.includes('cgroup'), `namespaces: ${types.join(', ')}`);
  });

  t.test('limits, cgroup namespace, pause and cleanup on cgroup v2', async (t) => {
    const id = `v2-${process.pid}`;
    const dir = join(h.work, id);
    const cgroupsPath = `/tsrc-v2/${id}`;
    await makeBundle(dir, ['sleep', '1000'], (c: Config) => {
      c.root.readonly = false;
      c.linux.cgroupsPath = cgroupsPath;
      c.linux.resources = { memory: { limit: 64 << 20 }, pids: { limit: 30 }, cpu: { quota: 20000, period: 100000 } };
      return c;
    });
    const cg = `/sys/fs/cgroup${cgroupsPath}`;
    const r = h.tsrc(['run', '--detach', '--bundle', dir, id]);
    t.equal(r.status, 0, r.stderr);
    t.equal(readFileSync(`${cg}/memory.max`, 'utf8').trim(), String(64 << 20));
    t.equal(readFileSync(`${cg}/pids.max`, 'utf8').trim(), '30');
    t.equal(readFileSync(`${cg}/cpu.max`, 'utf8').trim(), '20000 100000');
    const pid = JSON.parse(h.tsrc(['state', id]).stdout).pid;
    t.equal(readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim(), `0::${cgroupsPath}`);

    t.equal(h.tsrc(['pause', id]).status, 0);
    t.match(readFileSync(`${cg}/cgroup.events`, 'utf8'), /^frozen 1$/m);
    t.equal(JSON.parse(h.tsrc(['state', id]).stdout).status, 'paused');
    t.equal(h.tsrc(['resume', id]).status, 0);
    t.match(readFileSync(`${cg}/cgroup.events`, 'utf8'), /^frozen 0$/m);

    t.equal(h.tsrc(['update', '--memory', '32m', id]).status, 0);
    t.equal(readFileSync(`${cg}/memory.max`, 'utf8').trim(), String(32 << 20));

    t.equal(h.tsrc(['delete', '--force', id]).status, 0);
    t.notOk(existsSync(cg), 'cgroup removed');
    t.notOk(existsSync(join(h.root, id)), 'state removed');
  });

  t.test('inside: the cgroup namespace root is the container cgroup', async (t) => {
    const id = `v2ns-${process.pid}`;
    const dir = join(h.work, id);
    await makeBundle(dir, ['sh', '-c', 'cat /proc/self/cgroup; cat /sys/fs/cgroup/pids.max'], (c: Config) => {
      c.linux.cgroupsPath = `/tsrc-v2/${id}`;
      c.linux.resources = { pids: { limit: 17 } };
      return c;
    });
    const r = h.tsrc(['run', '--bundle', dir, id]);
    t.equal(r.status, 0, r.stderr);
    t.equal(r.stdout, '0::/\n17\n');
    t.notOk(existsSync(`/sys/fs/cgroup/tsrc-v2/${id}`));
  });
}
