// linux.seccomp → SeccompPlan: libseccomp's numbers, runc's defaults and groupings, and errors
// that name the JSON pointer of the bad value.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { containerProcessState, SCMP_ACT, SCMP_ARCH, seccompPlan } from '../../lib/plan/seccomp.js';
import type { Seccomp } from '../../lib/spec/types.js';

const ERRNO = (e: number) => 0x00050000 + e;

function plan(s: Seccomp) {
  const warnings: string[] = [];
  const p = seccompPlan(s, (m) => warnings.push(m));
  return { p, warnings };
}

t.test('no seccomp, no plan', async (t) => {
  t.equal(seccompPlan(undefined, () => t.fail('no warning')), null);
});

t.test('actions are libseccomp encodings; ERRNO and TRACE default to EPERM', async (t) => {
  const cases: Array<[string, number | undefined, number]> = [
    ['SCMP_ACT_KILL', undefined, 0],
    ['SCMP_ACT_KILL_THREAD', undefined, 0],
    ['SCMP_ACT_KILL_PROCESS', undefined, 0x80000000],
    ['SCMP_ACT_TRAP', undefined, 0x00030000],
    ['SCMP_ACT_ERRNO', undefined, ERRNO(1)],
    ['SCMP_ACT_ERRNO', 38, ERRNO(38)],
    ['SCMP_ACT_ERRNO', 0, ERRNO(0)],
    ['SCMP_ACT_TRACE', undefined, 0x7ff00001],
    ['SCMP_ACT_TRACE', 5, 0x7ff00005],
    ['SCMP_ACT_LOG', undefined, 0x7ffc0000],
    ['SCMP_ACT_ALLOW', undefined, 0x7fff0000],
  ];
  for (const [action, errnoRet, want] of cases) {
    const { p } = plan({ defaultAction: action, defaultErrnoRet: errnoRet });
    t.equal(p?.defaultAction, want, `default ${action}${errnoRet === undefined ? '' : `(${errnoRet})`}`);
    const other = action === 'SCMP_ACT_ALLOW' ? 'SCMP_ACT_LOG' : 'SCMP_ACT_ALLOW';
    const r = plan({ defaultAction: other, syscalls: [{ names: ['getpid'], action, errnoRet }] });
    t.equal(r.p?.rules[0].action, want, `rule ${action}`);
  }
  t.equal(SCMP_ACT.ERRNO(0x10001), ERRNO(1), 'the errno is the low 16 bits');
});

t.test('bad actions and errnos fail naming the pointer', async (t) => {
  const cases: Array<[Seccomp, string]> = [
    [{ defaultAction: 'SCMP_ACT_NOPE' }, 'config.json: /linux/seccomp/defaultAction: unknown seccomp action "SCMP_ACT_NOPE"'],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['a'], action: 'ALLOW' }] }, 'config.json: /linux/seccomp/syscalls/0/action: unknown seccomp action "ALLOW"'],
    [{ defaultAction: 'SCMP_ACT_NOTIFY' }, 'config.json: /linux/seccomp/defaultAction: SCMP_ACT_NOTIFY cannot be the default action'],
    [
      { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['a'], action: 'SCMP_ACT_ERRNO' }, { names: ['b'], action: 'SCMP_ACT_NOTIFY' }] },
      "config.json: /linux/seccomp/listenerPath: is required when a syscall uses SCMP_ACT_NOTIFY (the seccomp agent's socket)",
    ],
    [{ defaultAction: 'SCMP_ACT_KILL', defaultErrnoRet: 1 }, 'config.json: /linux/seccomp/defaultErrnoRet: cannot be used with SCMP_ACT_KILL (only SCMP_ACT_ERRNO or SCMP_ACT_TRACE)'],
    [
      { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['a'], action: 'SCMP_ACT_ALLOW', errnoRet: 1 }] },
      'config.json: /linux/seccomp/syscalls/0/errnoRet: cannot be used with SCMP_ACT_ALLOW (only SCMP_ACT_ERRNO or SCMP_ACT_TRACE)',
    ],
    [{ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 65536 }, 'config.json: /linux/seccomp/defaultErrnoRet: must be an integer in 0..65535, got 65536'],
    [{ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'x86_64'] }, 'config.json: /linux/seccomp/architectures/1: unknown seccomp architecture "x86_64"'],
    [{ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_NEW_LISTENER'] }, 'config.json: /linux/seccomp/flags/1: unknown seccomp flag "SECCOMP_FILTER_FLAG_NEW_LISTENER"'],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_KILL' }] }, 'config.json: /linux/seccomp/syscalls/0/names: must name at least one syscall'],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['a', ''], action: 'SCMP_ACT_KILL' }] }, 'config.json: /linux/seccomp/syscalls/0/names/1: must be a non-empty syscall name'],
    [
      { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['a'], action: 'SCMP_ACT_KILL', args: [{ index: 6, value: 0, op: 'SCMP_CMP_EQ' }] }] },
      'config.json: /linux/seccomp/syscalls/0/args/0/index: must be 0..5, got 6',
    ],
    [
      { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['a'], action: 'SCMP_ACT_KILL', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }, { index: 1, value: 0, op: 'EQ' }] }] },
      'config.json: /linux/seccomp/syscalls/0/args/1/op: unknown seccomp operator "EQ"',
    ],
    [
      { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['a'], action: 'SCMP_ACT_KILL', args: [{ index: 0, value: -1, op: 'SCMP_CMP_EQ' }] }] },
      'config.json: /linux/seccomp/syscalls/0/args/0/value: must be an integer in 0..2^64-1, got -1',
    ],
  ];
  for (const [s, message] of cases) t.throws(() => seccompPlan(s, () => {}), { name: 'TsrcError', message }, message);
});

t.test('architectures and flags', async (t) => {
  const { p } = plan({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_X86'] });
  t.strictSame(p?.architectures, [0xc000003e, 0x40000003, 0x4000003e], 'AUDIT_ARCH values, duplicates dropped');
  t.equal(SCMP_ARCH.SCMP_ARCH_AARCH64, 0xc00000b7);
  t.equal(plan({ defaultAction: 'SCMP_ACT_ALLOW' }).p?.flags, 4, 'no flags given: SPEC_ALLOW, as runc');
  t.equal(plan({ defaultAction: 'SCMP_ACT_ALLOW', flags: [] }).p?.flags, 0, 'an empty list means none');
  t.equal(plan({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG'] }).p?.flags, 3);
  const w = plan({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] });
  t.equal(w.p?.flags, 0);
  t.strictSame(w.warnings, ['config.json: /linux/seccomp/flags/0: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV has no effect without SCMP_ACT_NOTIFY; ignored']);
  // With a notifying rule: the listener flag, WAIT_KILLABLE_RECV kept, the agent's socket and metadata.
  const n = plan({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'], listenerPath: '/run/agent.sock', listenerMetadata: 'm', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] });
  t.equal(n.p?.flags, 8 | 32, 'NEW_LISTENER | WAIT_KILLABLE_RECV');
  t.same([n.p?.listenerPath, n.p?.listenerMetadata, n.p?.rules[0].action], ['/run/agent.sock', 'm', 0x7fc00000]);
  t.strictSame(JSON.parse(containerProcessState('m', 42, { ociVersion: '1.3.0', id: 'x', status: 'creating', pid: 42, bundle: '/b' })), {
    ociVersion: '1.3.0',
    fds: ['seccompFd'],
    pid: 42,
    metadata: 'm',
    state: { ociVersion: '1.3.0', id: 'x', status: 'creating', pid: 42, bundle: '/b' },
  });
});

t.test('rules: one per name, default-action rules dropped, runc argument grouping', async (t) => {
  const { p } = plan({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
      { names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }, // = default (EPERM): dropped
      { names: ['rmdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }, // = default too
      { names: ['unlink'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }, // another errno: kept
      {
        names: ['socket'],
        action: 'SCMP_ACT_ALLOW',
        args: [
          { index: 0, value: 40, op: 'SCMP_CMP_NE' },
          { index: 1, value: 0xff, valueTwo: 1, op: 'SCMP_CMP_MASKED_EQ' },
        ],
      },
      {
        names: ['personality'],
        action: 'SCMP_ACT_ALLOW',
        args: [
          { index: 0, value: 0, op: 'SCMP_CMP_EQ' },
          { index: 0, value: 8, op: 'SCMP_CMP_EQ' },
        ],
      },
    ],
  });
  t.strictSame(p, {
    defaultAction: ERRNO(1),
    architectures: [],
    flags: 4,
    rules: [
      { name: 'read', action: SCMP_ACT.ALLOW, args: [] },
      { name: 'write', action: SCMP_ACT.ALLOW, args: [] },
      { name: 'unlink', action: ERRNO(38), args: [] },
      {
        name: 'socket',
        action: SCMP_ACT.ALLOW,
        args: [
          { index: 0, op: 1, value: 40n, valueTwo: 0n },
          { index: 1, op: 7, value: 255n, valueTwo: 1n },
        ],
      },
      { name: 'personality', action: SCMP_ACT.ALLOW, args: [{ index: 0, op: 4, value: 0n, valueTwo: 0n }] },
      { name: 'personality', action: SCMP_ACT.ALLOW, args: [{ index: 0, op: 4, value: 8n, valueTwo: 0n }] },
    ],
  });
});

t.test("Docker's default profile converts", async (t) => {
  const spec = JSON.parse(readFileSync(new URL('../fixtures/configs/docker.json', import.meta.url), 'utf8')) as { linux: { seccomp: Seccomp } };
  const { p, warnings } = plan(spec.linux.seccomp);
  t.strictSame(warnings, []);
  t.equal(p?.defaultAction, ERRNO(1));
  t.strictSame(p?.architectures, [0xc000003e, 0x40000003, 0x4000003e]);
  const names = new Set(p?.rules.map((r) => r.name));
  for (const n of ['execve', 'read', 'clone', 'personality', 'socket']) t.ok(names.has(n), `${n} has a rule`);
  t.ok((p?.rules.length ?? 0) > 300, `${p?.rules.length} rules`);
  t.ok(p?.rules.every((r) => r.action !== p.defaultAction), 'no rule repeats the default');
});
