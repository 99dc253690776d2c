import t from 'tap';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPlan, namespacePlan, rootfsPropagation } from '../../lib/plan/build-plan.js';
import type { PlanContext } from '../../lib/plan/build-plan.js';
import { MS, parseMountOptions } from '../../lib/plan/mount-options.js';
import { capMask } from '../../lib/plan/capabilities.js';
import { RLIM_INFINITY, rlimitValue } from '../../lib/plan/rlimits.js';
import { deviceSteps, S_IFBLK, S_IFCHR } from '../../lib/plan/devices.js';
import { NS_FLAGS } from '../../lib/plan/types.js';
import type { Spec } from '../../lib/spec/types.js';

const bundle = mkdtempSync(join(tmpdir(), 'tsrc-plan-'));
mkdirSync(join(bundle, 'rootfs'));
mkdirSync(join(bundle, 'data'));
writeFileSync(join(bundle, 'file.txt'), 'x');

function ctx(over: Partial<PlanContext> = {}): PlanContext & { warnings: string[] } {
  const warnings: string[] = [];
  return { bundle, execFifo: '/run/tsrc/x/exec.fifo', preserveFds: 0, noPivot: false, noNewKeyring: false, waitForExit: false, warn: (m) => warnings.push(m), warnings, ...over };
}

function spec(over: Partial<Spec> = {}): Spec {
  return {
    ociVersion: '1.3.0',
    root: { path: 'rootfs' },
    process: { user: { uid: 0, gid: 0 }, args: ['sh'], cwd: '/' },
    linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }] },
    ...over,
  };
}

t.test('mount options become flags, propagation and data', async (t) => {
  const p = parseMountOptions(['nosuid', 'noexec', 'nodev', 'mode=755', 'size=65536k', 'rprivate', 'ro']);
  t.equal(p.flags, MS.NOSUID | MS.NOEXEC | MS.NODEV | MS.RDONLY);
  t.equal(p.propagation, MS.PRIVATE | MS.REC);
  t.equal(p.data, 'mode=755,size=65536k');
  t.equal(parseMountOptions(['ro', 'rw']).flags, 0, 'a later rw clears ro');
  t.same(parseMountOptions(['rro']).unsupported, ['rro']);
  t.equal(parseMountOptions(['tmpcopyup']).data, '', 'crun extension ignored');
});

t.test('namespaces: new ones become clone flags, paths become joins with user first', async (t) => {
  const r = namespacePlan([{ type: 'pid' }, { type: 'network', path: '/proc/1/ns/net' }, { type: 'user', path: '/proc/1/ns/user' }, { type: 'mount' }]);
  t.equal(r.cloneFlags, NS_FLAGS.pid | NS_FLAGS.mount);
  t.same(r.joins.map((j) => j.path), ['/proc/1/ns/user', '/proc/1/ns/net']);
  t.equal(r.joins[1].flag, NS_FLAGS.network);
});

t.test('rootfs propagation defaults to rslave', async (t) => {
  // Setup before the rootfs bind, final after the root switch (none by default, as runc).
  t.same(rootfsPropagation(undefined), { setup: MS.SLAVE | MS.REC, final: 0 });
  t.same(rootfsPropagation('private'), { setup: MS.PRIVATE, final: MS.PRIVATE });
  t.same(rootfsPropagation('rshared'), { setup: MS.SHARED | MS.REC, final: MS.SHARED | MS.REC });
  // An unbindable "/" would refuse the rootfs bind: it is applied only after the switch.
  t.same(rootfsPropagation('unbindable'), { setup: MS.SLAVE | MS.REC, final: MS.UNBINDABLE });
  t.same(rootfsPropagation('runbindable'), { setup: MS.SLAVE | MS.REC, final: MS.UNBINDABLE | MS.REC });
  t.throws(() => rootfsPropagation('weird'), /rootfsPropagation/);
});

t.test('capabilities: names to bits, unknown ones collected', async (t) => {
  const unknown = new Set<string>();
  t.equal(capMask(['CAP_CHOWN', 'CAP_KILL', 'CAP_SYS_ADMIN', 'CAP_BOGUS'], unknown), (1n << 0n) | (1n << 5n) | (1n << 21n));
  t.same([...unknown], ['CAP_BOGUS']);
});

t.test('ambient capabilities the kernel cannot raise are dropped with a warning', async (t) => {
  const c = ctx();
  const caps = ['CAP_KILL', 'CAP_NET_BIND_SERVICE'];
  const plan = buildPlan(spec({ process: { user: { uid: 0, gid: 0 }, args: ['sh'], cwd: '/', capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: ['CAP_KILL'], ambient: caps } } }), c);
  t.equal(plan.process.capabilities?.ambient, 1n << 5n, 'CAP_KILL stays: permitted and inheritable');
  t.match(c.warnings, [/CAP_NET_BIND_SERVICE/]);
});

t.test('rlimits: unlimited survives JSON rounding', async (t) => {
  t.equal(rlimitValue(1024), 1024n);
  t.equal(rlimitValue(18446744073709551615), RLIM_INFINITY);
});

t.test('devices: defaults plus configured, configured wins, bind in a user namespace', async (t) => {
  const d = deviceSteps([{ type: 'b', path: '/dev/sda', major: 8, minor: 0, fileMode: 0o660 }, { type: 'c', path: '/dev/null', major: 1, minor: 3, fileMode: 0o600 }], false);
  t.equal(d.length, 7);
  t.same(d.find((x) => x.path === '/dev/sda'), { path: '/dev/sda', type: S_IFBLK, major: 8, minor: 0, mode: 0o660, uid: 0, gid: 0, bind: false });
  t.equal(d.find((x) => x.path === '/dev/null')?.mode, 0o600);
  t.equal(d.find((x) => x.path === '/dev/tty')?.type, S_IFCHR);
  t.ok(deviceSteps([], true).every((x) => x.bind));
});

t.test('a full plan', async (t) => {
  const c = ctx();
  const plan = buildPlan(
    spec({
      hostname: 'box',
      mounts: [
        { destination: '/proc', type: 'proc', source: 'proc' },
        { destination: '/data', type: 'bind', source: 'data', options: ['rbind', 'ro', 'rprivate'] },
        { destination: '/etc/file.txt', source: join(bundle, 'file.txt'), options: ['bind'] },
      ],
      process: {
        user: { uid: 1000, gid: 1000, additionalGids: [5] },
        args: ['sh', '-c', 'true'],
        cwd: '/',
        rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 }],
        capabilities: { bounding: ['CAP_KILL'], effective: ['CAP_KILL', 'CAP_NOPE'] },
        noNewPrivileges: true,
        oomScoreAdj: 100,
      },
      hooks: { createRuntime: [{ path: '/bin/true' }], startContainer: [{ path: '/bin/true', args: ['true', 'x'], timeout: 5 }] },
    }),
    c,
  );
  t.equal(plan.rootfs, join(bundle, 'rootfs'));
  t.equal(plan.hostname, 'box');
  t.equal(plan.mounts[0].fstype, 'proc');
  t.same(plan.mounts[1], { source: join(bundle, 'data'), destination: '/data', fstype: '', flags: MS.BIND | MS.REC, data: '', remountFlags: MS.BIND | MS.REMOUNT | MS.RDONLY, propagation: MS.PRIVATE | MS.REC, destIsFile: false, destNoSymlinks: false, label: '' });
  t.equal(plan.mounts[2].destIsFile, true, 'file bind source makes a file target');
  t.equal(plan.mounts[2].remountFlags, 0);
  t.equal(plan.process.umask, 0o022, 'runc default umask');
  t.same(plan.process.rlimits, [{ resource: 7, soft: 1024n, hard: 2048n }]);
  t.equal(plan.process.capabilities?.effective, 1n << 5n);
  t.equal(plan.process.capabilities?.permitted, 0n);
  t.match(c.warnings, [/CAP_NOPE/]);
  t.equal(plan.hooksBeforePivot, true);
  t.same(plan.startContainerHooks, [{ path: '/bin/true', args: ['true', 'x'], env: [], timeout: 5 }]);
  t.equal(plan.devices.length, 6);
  t.same(plan.symlinks.map((s) => s.linkpath), ['/dev/fd', '/dev/stdin', '/dev/stdout', '/dev/stderr', '/dev/ptmx']);
});

t.test('a bind-mounted /dev gets no default devices', async (t) => {
  const plan = buildPlan(spec({ mounts: [{ destination: '/dev', source: '/dev', options: ['rbind'] }] }), ctx());
  t.same(plan.devices, []);
  t.same(plan.symlinks, []);
});

t.test('cgroup mounts: cgroup2 on v2, per-hierarchy on v1', async (t) => {
  const m = { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid'] };
  const v2 = buildPlan(spec({ mounts: [m], linux: { namespaces: [{ type: 'mount' }, { type: 'cgroup' }] } }), ctx({ cgroup: { mode: 'v2', paths: { '': '/sys/fs/cgroup/tsrc/x' } } }));
  t.equal(v2.mounts[0].fstype, 'cgroup2');
  const v1 = buildPlan(
    spec({ mounts: [m], linux: { namespaces: [{ type: 'mount' }, { type: 'cgroup' }] } }),
    ctx({ cgroup: { mode: 'v1', paths: { memory: '/sys/fs/cgroup/memory/tsrc/x', pids: '/sys/fs/cgroup/pids/tsrc/x' } } }),
  );
  t.same(v1.mounts.map((x) => [x.destination, x.fstype, x.data]), [
    ['/sys/fs/cgroup', 'tmpfs', 'mode=755'],
    ['/sys/fs/cgroup/memory', 'cgroup', 'memory'],
    ['/sys/fs/cgroup/pids', 'cgroup', 'pids'],
  ]);
  const noNs = buildPlan(spec({ mounts: [m] }), ctx({ cgroup: { mode: 'v1', paths: { memory: '/sys/fs/cgroup/memory/tsrc/x' } } }));
  t.equal(noNs.mounts[1].source, '/sys/fs/cgroup/memory/tsrc/x', 'without a cgroup namespace the container cgroup is bind-mounted');
});

t.test('linux.mountLabel: context= where runc puts it, a relabel for mqueue, none for binds, proc, sysfs', async (t) => {
  const L = 'system_u:object_r:container_file_t:s0:c1,c2';
  const plan = buildPlan(
    spec({
      mounts: [
        { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['mode=755'] },
        { destination: '/tmp', type: 'tmpfs', source: 'tmpfs' },
        { destination: '/proc', type: 'proc', source: 'proc' },
        { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['ro'] },
        { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue' },
        { destination: '/data', type: 'bind', source: 'data', options: ['rbind'] },
        { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup' },
      ],
      process: { user: { uid: 0, gid: 0 }, args: ['sh'], cwd: '/', selinuxLabel: 'system_u:system_r:container_t:s0:c1,c2' },
      linux: { namespaces: [{ type: 'mount' }], mountLabel: L },
    }),
    ctx({ cgroup: { mode: 'v1', paths: { memory: '/sys/fs/cgroup/memory/tsrc/x' } } }),
  );
  t.same(plan.mounts.map((m) => [m.destination, m.data, m.label]), [
    ['/dev', `mode=755,context="${L}"`, ''],
    ['/tmp', `context="${L}"`, ''],
    ['/proc', '', ''],
    ['/sys', '', ''],
    ['/dev/mqueue', '', L],
    ['/data', '', ''],
    ['/sys/fs/cgroup', `mode=755,context="${L}"`, ''],
    ['/sys/fs/cgroup/memory', '', ''],
  ]);
  t.equal(plan.maskedTmpfsData, `context="${L}"`, 'masked directories get a labelled tmpfs');
  t.equal(plan.process.selinuxLabel, 'system_u:system_r:container_t:s0:c1,c2');
  const none = buildPlan(spec(), ctx());
  t.equal(none.maskedTmpfsData, '');
  t.notOk('selinuxLabel' in none.process, 'no label, no record');
});

t.test('errors', async (t) => {
  // No mount namespace: the runtime's mount table is shared, so only a chroot, nothing to mount.
  const bare = buildPlan(spec({ linux: { namespaces: [{ type: 'pid' }] } }), ctx({ noPivot: true }));
  t.same([bare.chrootOnly, bare.noPivot, bare.mounts, bare.devices, bare.symlinks, bare.cloneFlags], [true, false, [], [], [], NS_FLAGS.pid]);
  t.equal(buildPlan(spec(), ctx()).chrootOnly, false);
  t.throws(() => buildPlan(spec({ process: undefined }), ctx()), /\/process/);
  t.throws(
    () => buildPlan(spec({ linux: { namespaces: [{ type: 'mount' }, { type: 'time' }], timeOffsets: { monotonic: { secs: 1 } } } }), ctx()),
    /\/linux\/timeOffsets: time namespace offsets are not supported yet/,
  );
  t.equal(buildPlan(spec({ linux: { namespaces: [{ type: 'mount' }, { type: 'time' }] } }), ctx()).cloneFlags, NS_FLAGS.mount | NS_FLAGS.time);
});
