// The cgroup self-join: which directories the managers hand the C init (v1 `tasks` files, the
// cgroup2 directory for CLONE_INTO_CGROUP), and that the PLAN records carrying them round-trip
// through the C decoder and are refused when malformed. No root needed.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { V1Manager } from '../../lib/cgroups/v1-manager.js';
import { V2Manager } from '../../lib/cgroups/v2-manager.js';
import { Msg, PlanEncodeError, encodeFrame, encodePlan, encodePlanPayload } from '../../lib/sys/protocol.js';
import { initBinaryPath } from '../../lib/sys/paths.js';
import { makePlan } from '../helpers/rootfs.js';

function dump(input: Buffer) {
  const r = spawnSync(initBinaryPath(), ['dump'], { input });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

t.test('v1 (hybrid): every distinct v1 directory once, in join order; the cgroup2 one for the clone', async (t) => {
  const m = new V1Manager({
    '': '/sys/fs/cgroup/unified/tsrc/a',
    memory: '/sys/fs/cgroup/memory/tsrc/a',
    cpu: '/sys/fs/cgroup/cpu,cpuacct/tsrc/a',
    cpuacct: '/sys/fs/cgroup/cpu,cpuacct/tsrc/a',
    'name=systemd': '/sys/fs/cgroup/systemd/tsrc/a',
    cpuset: '/sys/fs/cgroup/cpuset/tsrc/a',
  });
  t.strictSame(m.selfJoin(), {
    tasks: ['/sys/fs/cgroup/cpuset/tsrc/a', '/sys/fs/cgroup/memory/tsrc/a', '/sys/fs/cgroup/cpu,cpuacct/tsrc/a', '/sys/fs/cgroup/systemd/tsrc/a'],
    into: '/sys/fs/cgroup/unified/tsrc/a',
  });
});

t.test('v1 without a cgroup2 mount: no clone target', async (t) => {
  const m = new V1Manager({ pids: '/sys/fs/cgroup/pids/x' });
  t.strictSame(m.selfJoin(), { tasks: ['/sys/fs/cgroup/pids/x'], into: '' });
});

t.test('v2: no tasks file to write, the init is cloned into the directory', async (t) => {
  const m = new V2Manager({ '': '/sys/fs/cgroup/tsrc/b' });
  t.strictSame(m.selfJoin(), { tasks: [], into: '/sys/fs/cgroup/tsrc/b' });
});

t.test('CGROUP_TASKS and CGROUP_INTO round-trip through tsrc-init dump', async (t) => {
  const p = makePlan({ rootfs: '/r', execFifo: '/f', args: ['sh'] });
  p.cgroupTasks = ['/sys/fs/cgroup/cpuset/tsrc/a', '/sys/fs/cgroup/memory/tsrc/ü "q"'];
  p.cgroupInto = '/sys/fs/cgroup/unified/tsrc/a';
  const r = dump(encodePlan(p));
  t.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  t.strictSame(out.cgroupTasks, p.cgroupTasks);
  t.equal(out.cgroupInto, p.cgroupInto);

  const none = makePlan({ rootfs: '/r', execFifo: '/f', args: ['sh'] });
  none.cgroupTasks = [];
  none.cgroupInto = '';
  const n = JSON.parse(dump(encodePlan(none)).stdout);
  t.notOk('cgroupTasks' in n || 'cgroupInto' in n, 'empty fields write no records');
});

t.test('relative cgroup paths are refused on both sides', async (t) => {
  const p = makePlan({ rootfs: '/r', execFifo: '/f', args: ['sh'] });
  p.cgroupTasks = ['sys/fs/cgroup/x'];
  t.throws(() => encodePlan(p), new PlanEncodeError('plan.cgroupTasks[0]', 'not an absolute path: "sys/fs/cgroup/x"'));
  p.cgroupTasks = [];
  p.cgroupInto = 'x';
  t.throws(() => encodePlan(p), { name: 'PlanEncodeError', message: /^plan\.cgroupInto: not an absolute path/ });

  // The decoder checks on its own: patch the leading "/" of an encoded path.
  for (const [field, rec] of [
    ['cgroupTasks', 'CGROUP_TASKS'],
    ['cgroupInto', 'CGROUP_INTO'],
  ] as const) {
    const q = makePlan({ rootfs: '/r', execFifo: '/f', args: ['sh'] });
    if (field === 'cgroupTasks') q.cgroupTasks = ['/MARKER'];
    else q.cgroupInto = '/MARKER';
    const payload = Buffer.from(encodePlanPayload(q));
    const at = payload.indexOf('/MARKER');
    payload[at] = 'x'.charCodeAt(0);
    const r = dump(encodeFrame(Msg.PLAN, payload));
    t.not(r.status, 0, `${rec}: refused`);
    t.match(r.stderr, `record ${rec} #0: malformed or out of range`);
  }
});
