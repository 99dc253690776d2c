// The systemd driver's naming rules (runc's): "slice:prefix:name" -> unit and cgroup path,
// ExpandSlice, the per-hierarchy paths, and the "systemd not running" check.
import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CgroupLayout } from '../../lib/cgroups/layout.js';
import { createCgroupManager, loadCgroupManager } from '../../lib/cgroups/index.js';
import { createSystemdManager, isRunningSystemd, isSystemdManager, NOT_RUNNING, systemdPaths } from '../../lib/cgroups/systemd/manager.js';
import { expandSlice, parseSystemdCgroupsPath } from '../../lib/cgroups/systemd/unit-name.js';

t.test('expandSlice nests slice names at each "-" (runc ExpandSlice)', async (t) => {
  const ok: Array<[string, string]> = [
    ['system.slice', '/system.slice'],
    ['-.slice', '/'],
    ['a-b.slice', '/a.slice/a-b.slice'],
    ['a-b-c.slice', '/a.slice/a-b.slice/a-b-c.slice'],
    ['machine-pod_1.slice', '/machine.slice/machine-pod_1.slice'],
    ['kubepods-burstable-pod123.slice', '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod123.slice'],
  ];
  for (const [input, want] of ok) t.equal(expandSlice(input), want, input);
  for (const bad of ['', '.slice', 'system', 'system.scope', 'a--b.slice', '-a.slice', 'a-.slice', 'a/b.slice', '--.slice']) {
    t.throws(() => expandSlice(bad), { message: `invalid slice name: ${bad}` }, JSON.stringify(bad));
  }
});

t.test('cgroupsPath "slice:prefix:name" -> unit, slice and cgroup path', async (t) => {
  const cases: Array<[string | undefined, string, { unit: string; slice: string; kind: string; cgroup: string }]> = [
    ['system.slice:docker:abc', 'x', { unit: 'docker-abc.scope', slice: 'system.slice', kind: 'scope', cgroup: '/system.slice/docker-abc.scope' }],
    [':docker:abc', 'x', { unit: 'docker-abc.scope', slice: 'system.slice', kind: 'scope', cgroup: '/system.slice/docker-abc.scope' }],
    ['machine-pod1.slice:libpod:c1', 'x', { unit: 'libpod-c1.scope', slice: 'machine-pod1.slice', kind: 'scope', cgroup: '/machine.slice/machine-pod1.slice/libpod-c1.scope' }],
    ['-.slice:cri:z', 'x', { unit: 'cri-z.scope', slice: '-.slice', kind: 'scope', cgroup: '/cri-z.scope' }],
    // runc: an empty prefix still gets its "-".
    ['system.slice::abc', 'x', { unit: '-abc.scope', slice: 'system.slice', kind: 'scope', cgroup: '/system.slice/-abc.scope' }],
    // A name ending in ".slice" is the unit itself (the prefix is unused).
    ['machine.slice:ignored:machine-pod9.slice', 'x', { unit: 'machine-pod9.slice', slice: 'machine.slice', kind: 'slice', cgroup: '/machine.slice/machine-pod9.slice' }],
    ['-.slice:p:top.slice', 'x', { unit: 'top.slice', slice: '-.slice', kind: 'slice', cgroup: '/top.slice' }],
    // Absent: runc's "system.slice:runc:<id>", with our prefix.
    [undefined, 'c1', { unit: 'tsrc-c1.scope', slice: 'system.slice', kind: 'scope', cgroup: '/system.slice/tsrc-c1.scope' }],
    ['', 'my-ctr_2.x', { unit: 'tsrc-my-ctr_2.x.scope', slice: 'system.slice', kind: 'scope', cgroup: '/system.slice/tsrc-my-ctr_2.x.scope' }],
  ];
  for (const [path, id, want] of cases) {
    const got = parseSystemdCgroupsPath(path, id);
    t.match(got, want, `${JSON.stringify(path)} (id ${id})`);
  }
});

t.test('bad cgroupsPath forms fail with one line naming linux.cgroupsPath', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['/a/b', /^linux\.cgroupsPath "\/a\/b": expected the format "slice:prefix:name" for systemd cgroups/],
    ['a:b', /^linux\.cgroupsPath "a:b": expected the format "slice:prefix:name"/],
    ['a:b:c:d', /^linux\.cgroupsPath "a:b:c:d": expected the format/],
    ['system:docker:abc', /^linux\.cgroupsPath "system:docker:abc": invalid slice name: system$/],
    ['a--b.slice:docker:abc', /^linux\.cgroupsPath "a--b.slice:docker:abc": invalid slice name: a--b\.slice$/],
    ['foo/bar.slice:x:y', /invalid slice name: foo\/bar\.slice$/],
    ['system.slice:docker:', /^linux\.cgroupsPath "system.slice:docker:": the name part \(after the second ":"\) is empty$/],
    ['system.slice:docker:a/b', /^linux\.cgroupsPath "system.slice:docker:a\/b": "docker-a\/b.scope" is not a valid systemd unit name/],
    ['system.slice:dock er:x', /is not a valid systemd unit name/],
    ['system.slice:x:a@b', /"x-a@b.scope" is not a valid systemd unit name/],
    [`system.slice:x:${'n'.repeat(250)}`, /is not a valid systemd unit name .*at most 255/],
    // systemd places a slice by its name; runc's <parent>/<name> would be a directory nobody made.
    ['system.slice:x:foo.slice', /^linux\.cgroupsPath "system.slice:x:foo.slice": slice "foo.slice" is not a child of "system.slice" \(systemd would place it at \/foo.slice; name it after its parent, e.g. "system-x.slice"\)$/],
    ['a.slice:x:b--c.slice', /invalid slice name: b--c\.slice$/],
  ];
  for (const [path, re] of cases) {
    let msg = '';
    try {
      parseSystemdCgroupsPath(path, 'id');
    } catch (e) {
      msg = (e as Error).message;
      t.equal((e as Error).name, 'CgroupError', `${path}: a CgroupError`);
    }
    t.match(msg, re, path);
    t.notMatch(msg, /\n/, `${path}: one line`);
  }
  t.throws(() => parseSystemdCgroupsPath(undefined, 'a+b'), { message: /^container id "a\+b": "tsrc-a\+b.scope" is not a valid systemd unit name/ });
});

const v1Layout: CgroupLayout = {
  mode: 'v1',
  hybrid: true,
  v1: new Map([
    ['cpuset', { mountpoint: '/sys/fs/cgroup/cpuset', root: '/', own: '/' }],
    ['cpu', { mountpoint: '/sys/fs/cgroup/cpu,cpuacct', root: '/', own: '/' }],
    ['cpuacct', { mountpoint: '/sys/fs/cgroup/cpu,cpuacct', root: '/', own: '/' }],
    ['memory', { mountpoint: '/sys/fs/cgroup/memory', root: '/', own: '/process_api' }],
    ['devices', { mountpoint: '/sys/fs/cgroup/devices', root: '/', own: '/' }],
    ['name=systemd', { mountpoint: '/sys/fs/cgroup/systemd', root: '/', own: '/' }],
  ]),
  unified: { mountpoint: '/sys/fs/cgroup/unified', root: '/', own: '/' },
};
const v2Layout: CgroupLayout = { mode: 'v2', hybrid: false, v1: new Map(), unified: { mountpoint: '/sys/fs/cgroup', root: '/', own: '/user.slice/x' } };

t.test("the unit's cgroup in every hierarchy, from the mount point (not our own cgroup), as runc's initPaths", async (t) => {
  const cg = '/system.slice/tsrc-c1.scope';
  t.same(systemdPaths(v1Layout, cg), {
    cpuset: '/sys/fs/cgroup/cpuset/system.slice/tsrc-c1.scope',
    devices: '/sys/fs/cgroup/devices/system.slice/tsrc-c1.scope',
    memory: '/sys/fs/cgroup/memory/system.slice/tsrc-c1.scope',
    cpu: '/sys/fs/cgroup/cpu,cpuacct/system.slice/tsrc-c1.scope',
    cpuacct: '/sys/fs/cgroup/cpu,cpuacct/system.slice/tsrc-c1.scope',
    'name=systemd': '/sys/fs/cgroup/systemd/system.slice/tsrc-c1.scope',
    '': '/sys/fs/cgroup/unified/system.slice/tsrc-c1.scope',
  });
  t.same(systemdPaths(v2Layout, cg), { '': '/sys/fs/cgroup/system.slice/tsrc-c1.scope' });
  t.same(systemdPaths(v2Layout, '/cri-z.scope'), { '': '/sys/fs/cgroup/cri-z.scope' });
});

t.test('systemd must be PID 1 (sd_booted: /run/systemd/system is a directory), with runc\'s error text', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'tsrc-sd-root-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  t.equal(isRunningSystemd(root), false, 'nothing there');
  mkdirSync(join(root, 'run/systemd'), { recursive: true });
  writeFileSync(join(root, 'run/systemd/system'), '');
  t.equal(isRunningSystemd(root), false, 'a file is not enough');
  t.throws(() => createSystemdManager({ id: 'c1', hostRoot: root, layout: v2Layout }), { name: 'CgroupError', message: NOT_RUNNING });
  t.equal(NOT_RUNNING, 'systemd not running on this host, cannot use systemd cgroups manager', "runc's words");
  rmSync(join(root, 'run/systemd/system'));
  mkdirSync(join(root, 'run/systemd/system'));
  t.equal(isRunningSystemd(root), true);

  const m = createSystemdManager({ id: 'c1', cgroupsPath: 'machine.slice:tsrc:c1', hostRoot: root, layout: v2Layout });
  t.equal(m.unit, 'tsrc-c1.scope');
  t.equal(m.mode, 'v2');
  t.same(m.paths, { '': '/sys/fs/cgroup/machine.slice/tsrc-c1.scope' });
  t.same(m.saved, { unit: 'tsrc-c1.scope' });
  t.ok(isSystemdManager(m));
  t.throws(() => m.join(1), { message: /^systemd: unit tsrc-c1.scope is not started yet/ }, 'join before start is a clear error');
  t.throws(() => createSystemdManager({ id: 'c1', cgroupsPath: '/abs', hostRoot: root, layout: v2Layout }), { message: /^linux\.cgroupsPath "\/abs": expected the format/ });
  t.throws(() => createSystemdManager({ id: 'c1', cgroupsPath: 'machine.slice:pod:machine-pod1.slice', hostRoot: root, layout: v2Layout }), {
    message: 'linux.cgroupsPath "machine.slice:pod:machine-pod1.slice": machine-pod1.slice is a slice, which cannot hold the container\'s processes (systemd refuses PIDs= for slices); name a scope instead, e.g. "machine.slice:pod:machine-pod1"',
  });
});

t.test('createCgroupManager({systemd}) and loadCgroupManager(..., {unit})', async (t) => {
  // This host (and CI) is not booted with systemd: --systemd-cgroup says so at once, like runc.
  if (!isRunningSystemd()) {
    t.throws(() => createCgroupManager({ id: 'c1', systemd: true }), { message: NOT_RUNNING });
  } else {
    t.ok(isSystemdManager(createCgroupManager({ id: 'c1', systemd: true })), 'on a systemd host: a systemd manager');
  }
  const paths = { '': '/sys/fs/cgroup/system.slice/tsrc-c1.scope' };
  const loaded = loadCgroupManager('v2', paths, [], { unit: 'tsrc-c1.scope' });
  t.ok(isSystemdManager(loaded));
  t.equal(loaded.mode, 'v2');
  t.same(loaded.paths, paths);
  t.notOk(isSystemdManager(loadCgroupManager('v2', paths)), 'without the unit: the cgroupfs manager, as before');
  t.throws(() => loadCgroupManager('v2', paths, [], { unit: '../../etc.scope' }), { message: /^cgroup: saved systemd unit is not a unit name: "\.\.\/\.\.\/etc\.scope"$/ });
  t.throws(() => loadCgroupManager('v2', { '': 'rel' }, [], { unit: 'x.scope' }), { message: /is not absolute/ });
});
