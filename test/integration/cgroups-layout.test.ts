// The cgroup library's pure parts (no root needed): layout detection from sample mountinfo,
// cgroupsPath resolution, v1->v2 conversions, device rule lines and runc-shaped stats JSON.
import t from 'tap';
import { layoutFrom } from '../../lib/cgroups/layout.js';
import { cleanPath, innerPath, resolvePaths } from '../../lib/cgroups/paths.js';
import { blkioWeightToIoWeight, sharesToWeight, swapToV2 } from '../../lib/cgroups/resources/convert.js';
import { deviceRuleLines } from '../../lib/cgroups/resources/devices.js';
import { parseU64 } from '../../lib/cgroups/fsio.js';
import { emptyStats } from '../../lib/cgroups/stats.js';
import { statsToJSON } from '../../lib/cgroups/stats-json.js';

const V2_MOUNTINFO = `25 30 0:22 / /sys rw,nosuid - sysfs sysfs rw
31 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;
const HYBRID_MOUNTINFO = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const HYBRID_CGROUP = `9:name=systemd:/user.slice/s.scope
4:memory:/process_api/abc
3:devices:/
2:cpu,cpuacct:/
0::/user.slice/s.scope
`;

t.test('layout: pure v2', async (t) => {
  const l = layoutFrom(V2_MOUNTINFO, '0::/user.slice/a.scope\n');
  t.equal(l.mode, 'v2');
  t.equal(l.hybrid, false);
  t.same(l.unified, { mountpoint: '/sys/fs/cgroup', root: '/', own: '/user.slice/a.scope' });
});

t.test('layout: hybrid, co-mounted controllers, named hierarchy', async (t) => {
  const l = layoutFrom(HYBRID_MOUNTINFO, HYBRID_CGROUP);
  t.equal(l.mode, 'v1');
  t.equal(l.hybrid, true);
  t.same([...l.v1.keys()], ['cpu', 'cpuacct', 'memory', 'devices', 'name=systemd']);
  t.equal(l.v1.get('cpuacct')!.mountpoint, '/sys/fs/cgroup/cpu,cpuacct');
  t.equal(l.v1.get('memory')!.own, '/process_api/abc');
  t.equal(l.unified!.mountpoint, '/sys/fs/cgroup/unified');
});

t.test('layout: plain v1, escaped mount points, a non-root mount root', async (t) => {
  const mi = `32 31 0:29 /docker/x /sys/fs/cgroup/my\\040mem rw - cgroup cgroup rw,memory\n`;
  const l = layoutFrom(mi, '4:memory:/docker/x/inner\n');
  t.equal(l.hybrid, false);
  const h = l.v1.get('memory')!;
  t.equal(h.mountpoint, '/sys/fs/cgroup/my mem');
  const paths = resolvePaths(l, 'rel');
  t.equal(paths.memory, '/sys/fs/cgroup/my mem/inner/rel', 'own cgroup is taken relative to the mount root');
  t.throws(() => layoutFrom('', ''), /no cgroup filesystem is mounted/);
});

t.test('paths: runc rules for absolute and relative paths', async (t) => {
  const hybrid = layoutFrom(HYBRID_MOUNTINFO, HYBRID_CGROUP);
  const abs = resolvePaths(hybrid, '/a/b');
  t.same(abs, {
    devices: '/sys/fs/cgroup/devices/a/b',
    memory: '/sys/fs/cgroup/memory/a/b',
    cpu: '/sys/fs/cgroup/cpu,cpuacct/a/b',
    cpuacct: '/sys/fs/cgroup/cpu,cpuacct/a/b',
    'name=systemd': '/sys/fs/cgroup/systemd/a/b',
    '': '/sys/fs/cgroup/unified/a/b',
  });
  const rel = resolvePaths(hybrid, 'c');
  t.equal(rel.memory, '/sys/fs/cgroup/memory/process_api/abc/c', 'v1: below our own cgroup');
  t.equal(rel['name=systemd'], '/sys/fs/cgroup/systemd/user.slice/s.scope/c');
  t.equal(rel[''], '/sys/fs/cgroup/unified/user.slice/c', 'cgroup2: below the parent of our own cgroup');
  const v2 = layoutFrom(V2_MOUNTINFO, '0::/user.slice/a.scope\n');
  t.same(resolvePaths(v2, 'c'), { '': '/sys/fs/cgroup/user.slice/c' });
  t.same(resolvePaths(layoutFrom(V2_MOUNTINFO, '0::/\n'), 'c'), { '': '/sys/fs/cgroup/c' }, "the root's parent is the root");
  t.same(resolvePaths(v2, '/x'), { '': '/sys/fs/cgroup/x' });
});

t.test('paths: cleaning and the default', async (t) => {
  t.equal(cleanPath('../../etc'), 'etc');
  t.equal(cleanPath('/a/../../b/'), '/b');
  t.equal(cleanPath('a/./b//c'), 'a/b/c');
  t.equal(innerPath(undefined, 'abc'), '/tsrc/abc');
  t.equal(innerPath('', 'abc'), '/tsrc/abc');
  t.equal(innerPath('x/../../y', 'abc'), 'y');
  t.throws(() => innerPath('/..', 'abc'), { message: 'cgroupsPath "/..": does not name a cgroup of its own (it resolves to "/")' });
  t.throws(() => innerPath('.', 'abc'), /does not name a cgroup of its own/);
  t.throws(() => innerPath(undefined, '.'), { message: 'container id ".": does not name a cgroup of its own (it resolves to "/tsrc")' });
});

t.test('conversions to cgroup v2 values', async (t) => {
  t.equal(sharesToWeight(0), 0);
  t.equal(sharesToWeight(2), 1);
  t.equal(sharesToWeight(1024), 100, 'the v1 default maps to the v2 default');
  t.equal(sharesToWeight(512), 59);
  t.equal(sharesToWeight(262144), 10000);
  t.equal(blkioWeightToIoWeight(10), 1);
  t.equal(blkioWeightToIoWeight(500), 4950);
  t.equal(blkioWeightToIoWeight(1000), 10000);
  t.equal(swapToV2(0, -1), -1, 'limit -1 alone lifts swap too');
  t.equal(swapToV2(0, 100), undefined);
  t.equal(swapToV2(-1, 100), -1);
  t.equal(swapToV2(300, 100), 200, 'v2 swap.max is swap alone');
  t.equal(swapToV2(100, 100), 0);
  t.throws(() => swapToV2(50, 100), /must not be below the memory limit/);
  t.throws(() => swapToV2(50, 0), /needs a memory limit/);
});

t.test('device rules', async (t) => {
  t.same(deviceRuleLines({ allow: false, access: 'rwm' }, 0), ['a *:* rwm']);
  t.same(deviceRuleLines({ allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }, 0), ['c 1:3 rw']);
  t.same(deviceRuleLines({ allow: true, type: 'c', major: 136, access: 'rwm' }, 0), ['c 136:* rwm']);
  t.same(deviceRuleLines({ allow: false, major: 8, access: 'w' }, 0), ['c 8:* w', 'b 8:* w'], 'a narrowed "a" rule is split');
  t.throws(() => deviceRuleLines({ allow: true, access: 'rx' }, 2), { message: 'linux.resources.devices[2].access: must be made of r, w and m, got "rx"' });
});

t.test('u64 parsing', async (t) => {
  t.equal(parseU64('42\n'), 42);
  t.equal(parseU64('-1'), 0, 'negative values (cfs_quota_us -1) read as 0, like runc');
  t.equal(parseU64('max'), 18446744073709551615n);
  t.equal(parseU64('9223372036854771712'), 9223372036854771712n, 'exact above 2^53');
  t.throws(() => parseU64('abc'));
});

t.test('stats JSON: runc omitempty rules, exact big numbers', async (t) => {
  const s = emptyStats();
  s.pids.current = 3;
  s.memory.usage = { limit: 9223372036854771712n, usage: 1000, max: 0, failcnt: 0 };
  s.memory.raw = { cache: 5 };
  s.blkio.ioServiceBytesRecursive = [{ major: 8, minor: 0, op: 'Read', value: 0 }];
  s.hugetlb['2MB'] = { usage: 0, max: 0, failcnt: 0 };
  const text = statsToJSON(s);
  t.equal(
    text,
    '{"cpu":{},"cpuset":{"cpu_exclusive":0,"mem_hardwall":0,"mem_exclusive":0,"memory_migrate":0,"memory_spread_page":0,"memory_spread_slab":0,"memory_pressure":0,"sched_load_balance":0,"sched_relax_domain_level":0},' +
      '"memory":{"usage":{"limit":9223372036854771712,"usage":1000,"failcnt":0},"raw":{"cache":5}},"pids":{"current":3},' +
      '"blkio":{"ioServiceBytesRecursive":[{"major":8,"op":"Read"}]},"hugetlb":{"2MB":{"failcnt":0}},"intel_rdt":{},"network_interfaces":null}',
  );
});
