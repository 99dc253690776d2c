// The cgroup library against this host's real cgroups (v1 hybrid here; whatever the host has in CI),
// with real processes in them: values are read back from cgroupfs and effects are observed.
import t, { type Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupError, createCgroupManager, detectLayout, loadCgroupManager, statsToJSON, type CgroupManager } from '../../lib/cgroups/index.js';
import { haveRoot } from '../helpers/tsrc.js';
import { gated, sleep, waitFor as waitForCond } from '../helpers/gated.js';

const read = (dir: string, file: string): string => readFileSync(join(dir, file), 'utf8').trim();
const waitFor = (what: string, cond: () => boolean, ms = 5000) => waitForCond(what, cond, ms, 20);

const cgroupOf = (pid: number): string => readFileSync(`/proc/${pid}/cgroup`, 'utf8');

if (haveRoot(t)) {
  const layout = detectLayout();
  const base = `/tsrc-test-${process.pid}`;
  const managers: CgroupManager[] = [];
  const children: ChildProcess[] = [];
  let n = 0;
  // Tests may enable hugetlb in the hybrid cgroup2 root (as tsrc does for hugepageLimits); undo that.
  const restoreHugetlb = layout.mode === 'v1' && !!layout.unified && !read(layout.unified.mountpoint, 'cgroup.subtree_control').split(' ').includes('hugetlb');

  /** A fresh manager at <base>/<name>-<n>; torn down (processes killed, dirs removed) at the end. */
  function manager(name: string, cgroupsPath?: string): CgroupManager {
    const m = createCgroupManager({ id: 'unused', cgroupsPath: cgroupsPath ?? `${base}/${name}-${++n}` });
    managers.push(m);
    return m;
  }
  function track<C extends ChildProcess>(c: C): C {
    children.push(c);
    return c;
  }

  t.teardown(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    // Newest first: a parent recorded by an older manager is only removable once its children are gone.
    for (const m of managers.reverse()) {
      try {
        if (m.exists()) {
          if (m.isFrozen()) m.thaw();
          m.killAll('SIGKILL');
          await waitFor('cgroup to empty', () => m.pids().length === 0).catch(() => {});
        }
        m.destroy();
      } catch (e) {
        console.error('teardown:', (e as Error).message);
      }
    }
    const mounts = [...layout.v1.values(), ...(layout.unified ? [layout.unified] : [])].map((h) => h.mountpoint);
    for (const dir of mounts) {
      if (existsSync(join(dir, base))) console.error(`teardown: left behind ${join(dir, base)}`);
    }
    // The hybrid hugetlb test enabled hugetlb in the cgroup2 root; put the host back as it was.
    if (restoreHugetlb) {
      try {
        writeFileSync(join(layout.unified!.mountpoint, 'cgroup.subtree_control'), '-hugetlb');
      } catch (e) {
        console.error('teardown: could not disable hugetlb again:', (e as Error).message);
      }
    }
  });

  /** Destroy `m`; return the directories it named or created that still exist. */
  const destroyAndList = (m: CgroupManager): string[] => {
    const all = [...new Set([...Object.values(m.paths), ...m.created])];
    m.destroy();
    return all.filter((p) => existsSync(p));
  };

  t.test('layout: detected from mountinfo', async (t) => {
    const mi = readFileSync('/proc/self/mountinfo', 'utf8');
    if (/ - cgroup cgroup .*\bmemory\b/.test(mi)) {
      t.equal(layout.mode, 'v1');
      t.ok(layout.v1.get('memory'), 'memory hierarchy found');
      t.equal(layout.hybrid, / - cgroup2 /.test(mi), 'hybrid iff a cgroup2 mount exists next to v1');
    } else {
      t.equal(layout.mode, 'v2');
    }
  });

  t.test('paths: absolute, relative and default cgroupsPath', async (t) => {
    const abs = createCgroupManager({ id: 'x', cgroupsPath: `${base}/abs` });
    const def = createCgroupManager({ id: 'my-id' });
    const rel = createCgroupManager({ id: 'x', cgroupsPath: 'tsrc-rel/../../x' });
    if (layout.mode === 'v1') {
      const memMount = layout.v1.get('memory')!.mountpoint;
      t.equal(abs.paths.memory, join(memMount, base, 'abs'));
      t.equal(def.paths.memory, join(memMount, 'tsrc/my-id'), 'default is /tsrc/<id>');
      // Relative: below this process's own memory cgroup (/process_api/... on the dev VM).
      const own = /^\d+:memory:(.*)$/m.exec(cgroupOf(process.pid))![1];
      t.equal(rel.paths.memory, join(memMount, own, 'x'), '".." cannot climb out of the own cgroup');
      if (layout.hybrid) t.equal(abs.paths[''], join(layout.unified!.mountpoint, base, 'abs'), 'hybrid: cgroup2 directory too');
    } else {
      t.equal(abs.paths[''], join(layout.unified!.mountpoint, base, 'abs'));
    }
    t.throws(() => createCgroupManager({ id: 'x', cgroupsPath: '/' }), /cgroupsPath "\/": does not name a cgroup of its own/);
    t.throws(() => createCgroupManager({ id: '..' }), CgroupError);
    // No systemd on the machines this runs on: runc's text for that.
    t.throws(() => createCgroupManager({ id: 'x', systemd: true }), { message: /systemd not running on this host/ });
  });

  t.test('create, apply, join a real process, read the values back, destroy leaves nothing', async (t) => {
    const m = manager('basic');
    m.create();
    const cpus = layout.mode === 'v1' ? read(layout.v1.get('cpuset')!.mountpoint, 'cpuset.cpus') : '0';
    m.apply({
      memory: { limit: 64 << 20, swap: 96 << 20, reservation: 32 << 20 },
      pids: { limit: 42 },
      cpu: { shares: 512, quota: 20000, period: 100000, cpus: '0', mems: '0' },
    });
    t.same(m.warnings, []);
    const sleeper = track(spawn('sleep', ['60'], { detached: true, stdio: 'ignore' }));
    m.join(sleeper.pid!);
    t.same(m.pids(), [sleeper.pid], 'pids() lists the process');
    if (m.mode === 'v1') {
      const p = m.paths;
      t.equal(read(p.memory, 'memory.limit_in_bytes'), String(64 << 20));
      t.equal(read(p.memory, 'memory.memsw.limit_in_bytes'), String(96 << 20));
      t.equal(read(p.memory, 'memory.soft_limit_in_bytes'), String(32 << 20));
      t.equal(read(p.pids, 'pids.max'), '42');
      t.equal(read(p.cpu, 'cpu.shares'), '512');
      t.equal(read(p.cpu, 'cpu.cfs_quota_us'), '20000');
      t.equal(read(p.cpu, 'cpu.cfs_period_us'), '100000');
      t.equal(read(p.cpuset, 'cpuset.cpus'), '0');
      t.equal(read(join(p.cpuset, '..'), 'cpuset.cpus'), cpus, 'the created parent got its cpus from the root');
      const cg = cgroupOf(sleeper.pid!);
      for (const ctl of ['memory', 'pids', 'cpu', 'cpuset', 'devices', 'freezer', 'blkio']) {
        if (p[ctl]) t.match(cg, new RegExp(`^\\d+:${ctl}:${base}/basic-\\d+$`, 'm'), `joined ${ctl}`);
      }
      if (layout.hybrid) t.match(cg, new RegExp(`^0::${base}/basic-\\d+$`, 'm'), 'joined the cgroup2 hierarchy too');
    }
    const again = loadCgroupManager(m.mode, { ...m.paths }, [...m.created]);
    t.same(again.pids(), [sleeper.pid], 'a reloaded manager sees the same cgroup');
    t.ok(m.created.some((d) => d.endsWith(base)), 'the parent was created and recorded');
    sleeper.kill('SIGKILL');
    await waitFor('sleep to leave', () => m.pids().length === 0);
    t.same(destroyAndList(again), [], 'every created directory is gone, parents included');
    t.doesNotThrow(() => again.destroy(), 'destroying twice is fine');
  });

  t.test('destroy refuses paths that are not cgroups', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tsrc-notcg-'));
    mkdirSync(join(dir, 'empty'));
    const m = loadCgroupManager('v2', { '': dir }, [join(dir, 'empty')]);
    t.throws(() => m.destroy(), { message: `cgroup: refusing to remove ${dir}: not a cgroup directory` });
    t.ok(existsSync(join(dir, 'empty')), 'nothing removed');
    rmSync(dir, { recursive: true });
  });

  t.test('destroy keeps parents it did not create', async (t) => {
    const m = manager('keep', `${base}/pre/keep`);
    const preExisting = Object.values(m.paths).map((p) => join(p, '..'));
    const first = preExisting[0];
    mkdirSync(join(first, '..'), { recursive: true });
    mkdirSync(first);
    m.create();
    t.notOk(m.created.includes(first), 'the pre-existing parent is not recorded');
    m.destroy();
    t.ok(existsSync(first), 'the pre-existing parent stays');
    t.notOk(existsSync(Object.values(m.paths)[0]), 'the container dir is gone');
    for (const p of preExisting.slice(1)) t.notOk(existsSync(p), `created parent ${p} is gone`);
    rmdirSync(first);
  });

  t.test('a relative cgroupsPath lives under our own cgroup and is cleaned up', async (t) => {
    const m = manager('rel', `tsrc-rel-${process.pid}/c`);
    m.create();
    for (const p of Object.values(m.paths)) t.ok(statSync(p).isDirectory(), `${p} exists`);
    t.same(destroyAndList(m), []);
  });

  t.test('pids.max stops a fork loop', async (t) => {
    const m = manager('pids');
    m.create();
    m.apply({ pids: { limit: 5 } });
    const c = track(gated('for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 30 & done; echo started; sleep 30'));
    m.join(c.pid!);
    c.go();
    const dir = m.mode === 'v1' ? m.paths.pids : m.paths[''];
    await waitFor('a refused fork', () => /^max [1-9]/m.test(read(dir, 'pids.events')));
    t.pass('the kernel counted refused forks (pids.events)');
    const count = m.pids().length;
    t.ok(count <= 5, `at most 5 tasks (${count})`);
    await waitFor('the shell to report it', () => /fork|Resource temporarily unavailable/i.test(c.text()) || c.exitCode !== null);
    m.killAll('SIGKILL');
    await waitFor('the cgroup to empty', () => m.pids().length === 0);
    const r = await c.done;
    t.match(r.out, /fork|Resource temporarily unavailable/i, `the shell saw fork fail: ${JSON.stringify(r.out.slice(0, 120))}`);
  });

  t.test('a memory hog above memory.limit is OOM-killed', async (t) => {
    const m = manager('oom');
    m.create();
    m.apply({ memory: { limit: 32 << 20, swap: 32 << 20 } });
    // tail keeps the current (newline-free) line in memory: it grows until the limit.
    const c = track(gated('head -c 400000000 /dev/zero | tail >/dev/null; echo "status $?"'));
    m.join(c.pid!);
    c.go();
    const r = await c.done;
    t.match(r.out, /status 137/, 'tail died of SIGKILL');
    if (m.mode === 'v1') {
      t.match(read(m.paths.memory, 'memory.oom_control'), /^oom_kill [1-9]/m, 'memory.oom_control counts the kill');
    } else {
      t.match(read(m.paths[''], 'memory.events'), /^oom_kill [1-9]/m);
    }
    const s = m.stats();
    t.equal(Number(s.memory.usage.limit), 32 << 20, 'stats: memory limit');
    t.ok(Number(s.memory.usage.max) >= 30 << 20, 'stats: peak usage reached the limit');
  });

  t.test('cpu quota throttles a busy loop', async (t) => {
    const m = manager('cpu');
    m.create();
    m.apply({ cpu: { quota: 10000, period: 100000 } }); // 10% of one CPU
    const c = track(gated('while :; do :; done'));
    m.join(c.pid!);
    c.go();
    await sleep(1000);
    const s = m.stats();
    m.killAll('SIGKILL');
    await c.done;
    const usedMs = Number(s.cpu.usage.total) / 1e6;
    t.ok(usedMs > 20 && usedMs < 300, `used ${usedMs.toFixed(0)} ms of CPU in ~1 s (10% quota)`);
    t.ok(Number(s.cpu.throttling.throttledPeriods) > 0, 'throttled periods counted');
  });

  t.test('freeze stops the processes, thaw resumes them', async (t) => {
    const m = manager('freeze');
    m.create();
    const c = track(gated('i=0; while :; do i=$((i+1)); echo $i; done'));
    m.join(c.pid!);
    let lines = 0;
    c.stdout!.on('data', (d: Buffer) => (lines += d.toString().split('\n').length - 1));
    c.go();
    await waitFor('output', () => lines > 0);
    m.freeze();
    t.equal(m.isFrozen(), true);
    await sleep(100);
    const frozenAt = lines;
    await sleep(300);
    t.equal(lines, frozenAt, 'no output while frozen');
    m.thaw();
    t.equal(m.isFrozen(), false);
    await waitFor('output after thaw', () => lines > frozenAt);
    t.pass('output resumed');
    // killAll with a non-KILL signal freezes around it but leaves a paused container paused.
    m.freeze();
    m.killAll('SIGTERM');
    t.equal(m.isFrozen(), true, 'still frozen after killAll');
    m.thaw();
    const r = await c.done;
    t.equal(r.signal, 'SIGTERM');
  });

  t.test('killAll reaches forked children', async (t) => {
    const m = manager('kill');
    m.create();
    const c = track(gated('sleep 60 & sleep 60 & sleep 60'));
    m.join(c.pid!);
    c.go();
    await waitFor('children', () => m.pids().length === 4);
    m.killAll('SIGKILL');
    await waitFor('the cgroup to empty', () => m.pids().length === 0);
    t.pass('all four processes are gone');
  });

  t.test('stats are runc-shaped', async (t) => {
    const m = manager('stats');
    m.create();
    m.apply({ pids: { limit: 10 }, memory: { limit: 128 << 20 } });
    // v1 does not move charges with a task: allocate after joining so usage is this cgroup's.
    const c = track(gated('x=$(head -c 1000000 /dev/zero | tr "\\0" a); exec sleep 30'));
    m.join(c.pid!);
    c.go();
    await waitFor('the allocation', () => m.pids().length === 1 && readFileSync(`/proc/${c.pid}/cmdline`, 'utf8').startsWith('sleep'));
    const s = m.stats();
    t.equal(s.pids.current, 1);
    t.equal(s.pids.limit, 10);
    t.ok(Number(s.memory.usage.usage) > 0, 'memory usage');
    t.equal(s.memory.usage.limit, 128 << 20);
    t.ok(Object.keys(s.memory.raw).length > 5, 'memory.stat raw map');
    const json = JSON.parse(statsToJSON(s));
    t.same(Object.keys(json), ['cpu', 'cpuset', 'memory', 'pids', 'blkio', 'hugetlb', 'intel_rdt', 'network_interfaces']);
    t.same(json.pids, { current: 1, limit: 10 });
    t.equal(json.memory.usage.limit, 128 << 20);
    if (m.mode === 'v1') t.match(statsToJSON(s), /"kernel":\{"limit":9223372036854771712,/, 'unlimited limits are printed as exact integers');
    c.kill('SIGKILL');
  });

  t.test('write errors are one line naming file and value', async (t) => {
    const m = manager('errors');
    m.create();
    const c = track(gated('x=$(head -c 2000000 /dev/zero | tr "\\0" a); echo ready; sleep 30'));
    m.join(c.pid!);
    c.go();
    await waitFor('ready', () => m.pids().length >= 2);
    await sleep(300);
    if (m.mode === 'v1') {
      const file = join(m.paths.memory, 'memory.limit_in_bytes');
      t.throws(() => m.apply({ memory: { limit: 4096 } }), { message: `cgroup: write ${file} "4096": Device or resource busy`, code: 'EBUSY' });
    } else {
      t.throws(() => m.apply({ memory: { limit: 4096, checkBeforeUpdate: true } }), /rejecting memory limit 4096 <= usage/);
    }
    t.throws(() => m.apply({ pids: { limit: 1.5 } }), { message: 'linux.resources.pids.limit: must be an integer, got 1.5' });
    t.throws(() => m.apply({ cpu: { cpus: 'zero' } }), /linux.resources.cpu.cpus: "zero" is not a list/);
    t.throws(() => m.apply({ hugepageLimits: [{ pageSize: '3MB', limit: 1 }] }), /hugepageLimits\[0\].pageSize: 3MB huge pages are not supported here/);
    if (restoreHugetlb) t.notMatch(read(layout.unified!.mountpoint, 'cgroup.subtree_control'), /hugetlb/, 'a rejected limit enabled nothing');
    t.throws(() => m.apply({ devices: [{ allow: true, type: 'x', access: 'r' }] }), /devices\[0\].type: must be "a", "b" or "c"/);
  });

  if (layout.mode === 'v1') {
    t.test('v1 devices: deny all, then the allow list in order', async (t) => {
      const m = manager('devices');
      m.create();
      m.apply({
        devices: [
          { allow: false, access: 'rwm' },
          { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
          { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
          { allow: false, type: 'c', major: 1, minor: 5, access: 'r' },
        ],
      });
      t.equal(read(m.paths.devices, 'devices.list'), 'c 1:3 rwm\nc 1:5 wm');
      const c = track(gated('echo ok > /dev/null && echo null-ok; head -c1 /dev/zero >/dev/null 2>&1 || echo zero-denied'));
      m.join(c.pid!);
      c.go();
      const r = await c.done;
      t.match(r.out, /null-ok/);
      t.match(r.out, /zero-denied/, 'reading /dev/zero is refused');
    });

    t.test('v1: memory knobs, warnings where the kernel lacks a knob', async (t) => {
      const disk = firstDisk();
      if (!disk) return skipUnlessCI(t, 'no block device in /proc/partitions');
      const m = manager('knobs');
      m.create();
      m.apply({
        memory: { limit: 64 << 20, swappiness: 20, disableOOMKiller: true, kernel: 16 << 20, kernelTCP: 8 << 20, useHierarchy: false },
        blockIO: { weight: 500, throttleReadBpsDevice: [{ major: disk[0], minor: disk[1], rate: 1048576 }] },
      });
      t.equal(read(m.paths.memory, 'memory.swappiness'), '20');
      t.match(read(m.paths.memory, 'memory.oom_control'), /^oom_kill_disable 1$/m);
      t.equal(read(m.paths.memory, 'memory.kmem.tcp.limit_in_bytes'), String(8 << 20));
      t.equal(read(m.paths.blkio, 'blkio.throttle.read_bps_device'), `${disk.join(':')} 1048576`);
      if (!existsSync(join(m.paths.blkio, 'blkio.weight')) && !existsSync(join(m.paths.blkio, 'blkio.bfq.weight'))) {
        t.ok(m.warnings.some((w) => /blockIO weights are not supported/.test(w)), 'a weight without CFQ/BFQ is a warning');
      }
      t.ok(m.warnings.some((w) => /memory.useHierarchy=false/.test(w)), 'use_hierarchy=0 refused by the kernel: warning');
      if (read(m.paths.memory, 'memory.kmem.limit_in_bytes') !== String(16 << 20)) {
        t.ok(m.warnings.some((w) => /memory.kernel is (ignored|not supported)/.test(w)), 'an ignored kernel memory limit is a warning');
      }
    });

    t.test('v1: cpu burst, idle and realtime', async (t) => {
      const m = manager('cpu-extra');
      m.create();
      const dir = m.paths.cpu;
      m.apply({ cpu: { quota: 50000, period: 100000, burst: 20000, idle: 1 } });
      t.equal(read(dir, 'cpu.cfs_burst_us'), '20000');
      t.equal(read(dir, 'cpu.idle'), '1');
      t.throws(() => m.apply({ cpu: { quota: 10000, burst: 20000 } }), { message: 'linux.resources.cpu.burst: burst 20000 must not be larger than quota 10000' });
      if (existsSync(join(dir, 'cpu.rt_period_us'))) {
        m.apply({ cpu: { realtimePeriod: 500000 } });
        t.equal(read(dir, 'cpu.rt_period_us'), '500000');
        // The created parent has no RT runtime to hand out, so the kernel refuses (as with runc).
        t.throws(() => m.apply({ cpu: { realtimeRuntime: 1000 } }), { message: `cgroup: write ${dir}/cpu.rt_runtime_us "1000": Invalid argument` });
      }
    });

    t.test('v1: resources whose hierarchy is missing fail clearly', async (t) => {
      const m = manager('missing');
      m.create();
      if (!m.paths.net_cls) t.throws(() => m.apply({ network: { classID: 0x100001 } }), { message: 'linux.resources.network.classID: cannot be applied: no net_cls cgroup hierarchy is mounted on this host' });
      if (!m.paths.rdma) t.throws(() => m.apply({ rdma: { mlx5_1: { hcaHandles: 3 } } }), /no rdma cgroup hierarchy/);
      t.throws(() => m.apply({ unified: { 'memory.high': '1000000' } }), /the memory controller is on cgroup v1 on this host/);
    });

    if (layout.hybrid) {
      t.test('hybrid: hugetlb limits go to the cgroup2 hierarchy, unified keys for its controllers work', async (t) => {
        const root = layout.unified!.mountpoint;
        if (!read(root, 'cgroup.controllers').split(' ').includes('hugetlb') || layout.v1.has('hugetlb')) {
          return skipUnlessCI(t, 'hugetlb is not a cgroup2 controller on this host');
        }
        const m = manager('hugetlb');
        m.create();
        m.apply({ hugepageLimits: [{ pageSize: '2MB', limit: 4 << 20 }], unified: { 'hugetlb.1GB.max': String(1 << 30) } });
        t.equal(read(m.paths[''], 'hugetlb.2MB.max'), String(4 << 20));
        t.equal(read(m.paths[''], 'hugetlb.1GB.max'), String(1 << 30));
        t.same(Object.keys(m.stats().hugetlb).sort(), ['1GB', '2MB']);
        t.same(destroyAndList(m), []);
      });
    }
  }
}

/** Environment-dependent subtests skip with a reason, except in CI, where the environment is known. */
function skipUnlessCI(t: Test, why: string): void {
  if (process.env.CI === 'true') t.fail(`${why}; CI=true: refusing to skip`);
  else t.plan(0, `skip: ${why}`);
}

/** major:minor of the first block device in /proc/partitions (throttle rules need a real one). */
function firstDisk(): [number, number] | undefined {
  const line = readFileSync('/proc/partitions', 'utf8')
    .split('\n')
    .slice(2)
    .find((l) => l.trim() !== '');
  if (!line) return undefined;
  const [maj, min] = line.trim().split(/\s+/).map(Number);
  return [maj, min];
}
