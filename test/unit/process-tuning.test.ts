// lib/plan/process-tuning.ts: config names to the kernel's numbers, CPU/node lists to bitmasks.
import t from 'tap';
import { buildPlan } from '../../lib/plan/build-plan.js';
import { execPlan } from '../../lib/plan/exec-plan.js';
import { cpuAffinityPlan, maskWords, memoryPolicyPlan, parseList } from '../../lib/plan/process-tuning.js';
import type { Spec } from '../../lib/spec/types.js';

t.test('lists and masks', async (t) => {
  t.same(parseList('0-3,7', 100), [0, 1, 2, 3, 7]);
  t.same(parseList('5,1-2,2', 100), [1, 2, 5], 'sorted, duplicates once');
  t.same(maskWords([0, 1, 2, 3, 7]), [0x8fn]);
  t.same(maskWords([64, 129]), [0n, 1n, 2n], 'a word per 64');
  t.throws(() => parseList('3-1', 100), /ends before it starts/);
  t.throws(() => parseList('1,,2', 100), /is not a number or a range/);
  t.throws(() => parseList('101', 100), /above the highest allowed, 100/);
});

t.test('the plan carries the kernel numbers', async (t) => {
  const spec: Spec = {
    ociVersion: '1.3.0',
    root: { path: '/' },
    process: {
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      cwd: '/',
      scheduler: { policy: 'SCHED_FIFO', priority: 10, flags: ['SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_KEEP_PARAMS'] },
      ioPriority: { class: 'IOPRIO_CLASS_IDLE', priority: 4 },
      execCPUAffinity: { initial: '1', final: '0-1' },
    },
    linux: { namespaces: [{ type: 'mount' }], personality: { domain: 'LINUX32' }, memoryPolicy: { mode: 'MPOL_INTERLEAVE', nodes: '0,2', flags: ['MPOL_F_STATIC_NODES'] } },
  };
  const p = buildPlan(spec, { bundle: '/', execFifo: '', preserveFds: 0, noPivot: false, noNewKeyring: false, waitForExit: false, warn: () => {} }).process;
  t.equal(p.personality, 8, 'PER_LINUX32');
  t.same(p.scheduler, { policy: 1, flags: 0x11n, nice: 0, priority: 10, runtime: 0n, deadline: 0n, period: 0n });
  t.equal(p.ioPriority, (3 << 13) | 4);
  t.same(p.memoryPolicy, { mode: 3 | (1 << 15), nodes: [0b101n] });
  t.notOk('cpuAffinity' in p, 'execCPUAffinity does not apply to the init');
  const e = execPlan(spec.process!, { linux: spec.linux, detach: false }, () => {}).process;
  t.same(e.cpuAffinity, { initial: [2n], final: [3n] }, 'an exec gets it');
  t.equal(e.personality, 8, "an exec gets the container's personality");
  t.same(e.memoryPolicy, p.memoryPolicy, 'and its memory policy');
  t.same(memoryPolicyPlan({ memoryPolicy: { mode: 'MPOL_LOCAL' } }), { mode: 4, nodes: [] });
  t.same(cpuAffinityPlan({ user: { uid: 0, gid: 0 }, cwd: '/', execCPUAffinity: { final: '0' } }), { initial: [], final: [1n] });
  const plain = buildPlan({ ...spec, process: { user: { uid: 0, gid: 0 }, args: ['sh'], cwd: '/' }, linux: { namespaces: [{ type: 'mount' }] } }, { bundle: '/', execFifo: '', preserveFds: 0, noPivot: false, noNewKeyring: false, waitForExit: false, warn: () => {} }).process;
  for (const k of ['personality', 'scheduler', 'ioPriority', 'memoryPolicy']) t.notOk(k in plain, `no ${k} without the field`);
});
