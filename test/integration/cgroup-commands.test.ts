// pause/resume, update, ps, events and kill --all through the CLI, on real containers.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Harness, cgroupVersion, haveRoot } from '../helpers/tsrc.js';
import type { Config } from '../helpers/tsrc.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (haveRoot(t)) {
  const h = new Harness('cgcmd');
  t.teardown(() => h.cleanup());
  /** A detached container running `script`, with a writable rootfs we can read from the host. */
  async function start(script: string, patch: (c: Config) => void = () => {}) {
    const b = await h.bundle(script, (c) => {
      c.root.readonly = false;
      patch(c);
    });
    const r = h.tsrc(['run', '--detach', '--bundle', b.dir, b.id]);
    if (r.status !== 0) throw new Error(r.stderr);
    return { ...b, file: (p: string) => join(b.dir, 'rootfs', p) };
  }
  const status = (id: string) => JSON.parse(h.tsrc(['state', id]).stdout).status;
  const v1 = cgroupVersion() === 'v1';
  const cgFile = (ctl: string, path: string, v1file: string, v2file: string) =>
    v1 ? `/sys/fs/cgroup/${ctl}${path}/${v1file}` : `/sys/fs/cgroup${path}/${v2file}`;

  t.test('pause stops progress, resume restores it', async (t) => {
    // The counter is renamed into place so a read never sees a half-written file.
    const c = await start('i=0; while true; do i=$((i+1)); echo $i > /tmp/c.new; mv /tmp/c.new /tmp/count; done');
    await sleep(300);
    t.equal(h.tsrc(['pause', c.id]).status, 0);
    t.equal(status(c.id), 'paused');
    t.ok(JSON.parse(h.tsrc(['list', '--format', 'json']).stdout).some((x: Config) => x.id === c.id && x.status === 'paused'), 'list shows it paused');
    const a = readFileSync(c.file('tmp/count'), 'utf8');
    await sleep(300);
    t.equal(readFileSync(c.file('tmp/count'), 'utf8'), a, 'no progress while paused');
    t.match(h.tsrc(['pause', c.id]).stderr, /not running/, 'pausing twice fails');
    t.equal(h.tsrc(['resume', c.id]).status, 0);
    t.equal(status(c.id), 'running');
    await sleep(300);
    t.not(readFileSync(c.file('tmp/count'), 'utf8'), a, 'progress after resume');
    t.match(h.tsrc(['resume', c.id]).stderr, /not paused/);
    t.equal(h.tsrc(['pause', c.id]).status, 0);
    const d = h.tsrc(['delete', '--force', c.id]);
    t.equal(d.status, 0, `delete --force of a paused container: ${d.stderr}`);
    t.same(h.leftovers(c.id, c.cgroupsPath), []);
  });

  t.test('update changes limits of a running container', async (t) => {
    const c = await start('sleep 1000', (cfg) => (cfg.linux.resources = { memory: { limit: 64 << 20 }, pids: { limit: 100 } }));
    t.equal(h.tsrc(['update', '--memory', '128m', '--pids-limit', '42', '--cpu-quota', '25000', '--cpu-period', '100000', c.id]).status, 0);
    t.equal(readFileSync(cgFile('memory', c.cgroupsPath, 'memory.limit_in_bytes', 'memory.max'), 'utf8').trim(), String(128 << 20));
    t.equal(readFileSync(cgFile('pids', c.cgroupsPath, 'pids.max', 'pids.max'), 'utf8').trim(), '42');
    if (v1) t.equal(readFileSync(`/sys/fs/cgroup/cpu${c.cgroupsPath}/cpu.cfs_quota_us`, 'utf8').trim(), '25000');
    // What Docker sends on stdin: zeros mean "leave alone".
    const docker = join(h.work, 'resources.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(docker, '{"memory":{"limit":134217728,"reservation":0,"swap":268435456,"kernel":0},"cpu":{"shares":0,"quota":0,"period":0},"blockIO":{"weight":0}}');
    const r = h.tsrc(['update', '--resources', '-', c.id], { input: docker });
    t.equal(r.status, 0, r.stderr);
    t.equal(readFileSync(cgFile('pids', c.cgroupsPath, 'pids.max', 'pids.max'), 'utf8').trim(), '42', 'untouched');
    const bad = h.tsrc(['update', '--memory', 'lots', c.id]);
    t.equal(bad.status, 1);
    t.match(bad.stderr, /--memory/);
    h.tsrc(['delete', '--force', c.id]);
  });

  t.test('ps lists every process; kill --all signals them all', async (t) => {
    const c = await start('sleep 1000 & sleep 1000 & sleep 1000 & wait');
    await sleep(200);
    const pids: number[] = JSON.parse(h.tsrc(['ps', '--format', 'json', c.id]).stdout);
    t.equal(pids.length, 3 + 1, 'the shell and three sleeps');
    const table = h.tsrc(['ps', c.id, '-o', 'pid,comm']).stdout;
    t.match(table, /PID/);
    t.equal(table.trim().split('\n').length, 5);
    t.equal(h.tsrc(['kill', '--all', c.id, 'KILL']).status, 0);
    await sleep(300);
    t.same(JSON.parse(h.tsrc(['ps', '--format', 'json', c.id]).stdout), []);
    t.equal(status(c.id), 'stopped');
    t.equal(h.tsrc(['delete', c.id]).status, 0);
  });

  t.test('events --stats prints runc-shaped stats; events reports OOM kills', async (t) => {
    const c = await start('sleep 1000', (cfg) => (cfg.linux.resources = { memory: { limit: 32 << 20, swap: 32 << 20 }, pids: { limit: 64 } }));
    const ev = JSON.parse(h.tsrc(['events', '--stats', c.id]).stdout);
    t.match(ev, { type: 'stats', id: c.id, data: { memory: { usage: {} }, pids: { current: Number, limit: 64 }, cpu: { usage: {} } } });
    h.tsrc(['delete', '--force', c.id]);

    // tail buffers an endless line until the memory limit OOM-kills it, after events has started.
    const o = await start('sleep 2; tail /dev/zero; sleep 1000', (cfg) => (cfg.linux.resources = { memory: { limit: 16 << 20, swap: 16 << 20 } }));
    const out = h.tsrc(['events', '--interval', '1s', o.id], { timeout: 6000 }).stdout;
    t.ok(out.split('\n').includes(`{"type":"oom","id":"${o.id}"}`), 'an oom event');
    t.ok(out.split('\n').filter((l) => l.startsWith('{"type":"stats"')).length >= 2, 'stats every interval');
    h.tsrc(['delete', '--force', o.id]);
  });
}
