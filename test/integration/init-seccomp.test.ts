// seccomp in the C init (root): filters built by libseccomp from lib/plan/seccomp.ts plans, and
// what the container process sees: the errno, the SIGSYS death, argument conditions, Docker's
// profile, the filter mode in /proc/<pid>/status.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seccompPlan } from '../../lib/plan/seccomp.js';
import type { Plan } from '../../lib/plan/types.js';
import { capMask } from '../../lib/plan/capabilities.js';
import type { Seccomp, Spec } from '../../lib/spec/types.js';
import { type Fixture, fixture, gone, nothingLeft, output, plan, release, spawn, status } from '../helpers/rootfs.js';

function filter(s: Seccomp): NonNullable<Plan['seccomp']> {
  const p = seccompPlan(s, (m) => {
    throw new Error(`unexpected warning: ${m}`);
  });
  if (!p) throw new Error('no plan');
  return p;
}

/** Runs args to completion in a fresh container; the status is 128+signal for a signal death. */
async function run(f: Fixture, args: string[], over: (p: Plan) => void, warn?: (m: string) => void): Promise<{ status: number; out: string }> {
  const p = plan(f, args, (p) => {
    p.execFifo = '';
    p.waitForExit = true;
    over(p);
  });
  const h = await spawn(f, { plan: p, warn });
  const st = await h.exited;
  return { status: st, out: readFileSync(f.outPath, 'utf8') };
}

const isRoot = process.getuid?.() === 0;
if (!isRoot) {
  if (process.env.CI) t.fail('test/integration/init-seccomp.test.ts needs root (CI is set, so this is a failure, not a skip)');
  else t.plan(0, 'needs root');
} else {
  t.test('SCMP_ACT_ERRNO: the denied syscall fails with that errno inside; the filter is mode 2', async (t) => {
    const f = fixture(t);
    const r = await run(f, ['sh', '-c', 'mkdir /tmp/a; echo "rc=$?"; rmdir /tmp; grep -E "^Seccomp(_filters)?:" /proc/self/status'], (p) => {
      p.seccomp = filter({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
          { names: ['rmdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
        ],
      });
    });
    t.equal(r.status, 0);
    t.equal(
      r.out,
      ["mkdir: can't create directory '/tmp/a': Operation not permitted", 'rc=1', "rmdir: '/tmp': Function not implemented", 'Seccomp:\t2', 'Seccomp_filters:\t1', ''].join('\n'),
    );
  });

  t.test('SCMP_ACT_KILL and KILL_PROCESS: death by SIGSYS (status 159)', async (t) => {
    for (const action of ['SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS']) {
      const f = fixture(t);
      const deny = (p: Plan) => (p.seccomp = filter({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action }] }));
      const inShell = await run(f, ['sh', '-c', 'mkdir /tmp/b; echo "status=$?"'], deny);
      t.equal(inShell.out, 'Bad system call\nstatus=159\n', `${action}: a child killed by SIGSYS`);
      const direct = await run(f, ['mkdir', '/tmp/c'], deny);
      t.equal(direct.status, 159, `${action}: the container process itself (pid 1 of its namespace)`);
    }
  });

  t.test('argument conditions: distinct arguments AND, the same argument twice OR (as runc)', async (t) => {
    const f = fixture(t);
    // kill(pid > 1, 0) is refused; kill(1, 0) and kill(pid, SIGCONT) are not.
    const and = await run(f, ['sh', '-c', 'kill -0 1 && echo self-ok; sh -c "kill -0 \\$\\$" || echo probe-denied; sh -c "kill -CONT \\$\\$" && echo cont-ok'], (p) => {
      p.seccomp = filter({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          {
            names: ['kill'],
            action: 'SCMP_ACT_ERRNO',
            args: [
              { index: 0, value: 1, op: 'SCMP_CMP_GT' },
              { index: 1, value: 0, op: 'SCMP_CMP_EQ' },
            ],
          },
        ],
      });
    });
    t.match(and.out, /^self-ok\nsh: can't kill pid \d+: Operation not permitted\nprobe-denied\ncont-ok\n$/);

    const g = fixture(t);
    const or = await run(g, ['sh', '-c', 'sh -c "kill -0 \\$\\$" || echo zero-denied; sh -c "kill -CONT \\$\\$" || echo cont-denied; sh -c "kill -WINCH \\$\\$" && echo winch-ok'], (p) => {
      p.seccomp = filter({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          {
            names: ['kill'],
            action: 'SCMP_ACT_ERRNO',
            args: [
              { index: 1, value: 0, op: 'SCMP_CMP_EQ' },
              { index: 1, value: 18, op: 'SCMP_CMP_EQ' },
            ],
          },
        ],
      });
    });
    t.match(or.out, /zero-denied\n.*\ncont-denied\nwinch-ok\n$/);
  });

  t.test("Docker's default profile loads (before the capabilities drop: no noNewPrivileges) and /bin/sh runs", async (t) => {
    const f = fixture(t);
    const spec = JSON.parse(readFileSync(new URL('../fixtures/configs/docker.json', import.meta.url), 'utf8')) as Spec;
    const warnings: string[] = [];
    const p = plan(f, ['/bin/sh', '-c', 'echo hello; id -u; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status'], (p) => {
      p.seccomp = seccompPlan(spec.linux?.seccomp, (m) => warnings.push(m));
      const caps = spec.process?.capabilities ?? {};
      const unknown = new Set<string>();
      p.process.capabilities = {
        bounding: capMask(caps.bounding, unknown),
        effective: capMask(caps.effective, unknown),
        inheritable: capMask(caps.inheritable, unknown),
        permitted: capMask(caps.permitted, unknown),
        ambient: capMask(caps.ambient, unknown),
      };
      p.process.noNewPrivileges = spec.process?.noNewPrivileges ?? false;
      p.process.uid = 1000; // setuid, setgroups and capset run under the filter
      p.process.gid = 1000;
      p.process.additionalGids = [10];
    });
    t.equal(p.process.noNewPrivileges, false, "Docker's config leaves noNewPrivileges unset");
    const h = await spawn(f, { plan: p, warn: (m) => warnings.push(m) });
    t.equal(status(h.pid).Seccomp, '2', 'loaded early: the waiting init already runs under the filter');
    t.equal(status(h.pid).Uid, '1000\t1000\t1000\t1000');
    release(f);
    t.equal(await output(f, h.pid), 'hello\n1000\nNoNewPrivs:\t0\nSeccomp:\t2\n');
    t.strictSame(warnings, [], 'every name in the profile is known to this libseccomp');
  });

  t.test("syscalls newer than the profile get ENOSYS, runc's stub; known ones the default denies keep EPERM", async (t) => {
    // A raw syscall(2) caller in the rootfs: busybox cannot make arbitrary syscalls.
    const f = fixture(t);
    const src = join(f.dir, 'sys.c');
    writeFileSync(src, '#include <errno.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <unistd.h>\n' +
      'int main(int c, char **v) { for (int i = 1; i < c; i++) { long r = syscall(atol(v[i]), 0, 0, 0, 0, 0, 0); printf("%s:%d\\n", v[i], r < 0 ? errno : 0); } return 0; }\n');
    execFileSync('cc', ['-static', '-O2', '-o', join(f.rootfs, 'bin', 'sys'), src]);
    const spec = JSON.parse(readFileSync(new URL('../fixtures/configs/docker.json', import.meta.url), 'utf8')) as Spec;
    // 500: newer than any syscall Docker's profile names; 248 (add_key): known, and denied by default.
    const r = await run(f, ['/bin/sys', '500', '248'], (p) => {
      p.seccomp = seccompPlan(spec.linux?.seccomp, () => {});
      p.process.noNewPrivileges = true;
    });
    t.equal(r.status, 0);
    t.equal(r.out, '500:38\n248:1\n', 'ENOSYS (38) above the profile, EPERM (1) for a known syscall it denies');
    // With a default that allows, nothing changes: the kernel's own ENOSYS.
    const g = fixture(t);
    execFileSync('cc', ['-static', '-O2', '-o', join(g.rootfs, 'bin', 'sys'), src]);
    const a = await run(g, ['/bin/sys', '500'], (p) => {
      p.seccomp = filter({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] });
      p.process.noNewPrivileges = true;
    });
    t.equal(a.out, '500:38\n');
  });

  t.test('a profile that denies close_range and faccessat2, loaded early: the process still runs', async (t) => {
    // runtime-tools' default profile is such an allowlist (older than both syscalls). Loaded before
    // the capabilities drop, the filter covers the init's own last steps, so the fds are marked
    // close-on-exec before it, and the executable lookup falls back to the mode bits (as Go does).
    const f = fixture(t);
    const p = plan(f, ['sh', '-c', 'echo ran; grep -E "^Seccomp:" /proc/self/status'], (p) => {
      p.seccomp = filter({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['close_range', 'faccessat2'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
      });
      p.process.noNewPrivileges = false;
    });
    const h = await spawn(f, { plan: p });
    t.equal(status(h.pid).Seccomp, '2', 'loaded early: the waiting init already runs under the filter');
    release(f);
    t.equal(await output(f, h.pid), 'ran\nSeccomp:\t2\n');
  });

  t.test('with noNewPrivileges the filter is loaded before the exec fifo wait: startContainer hooks run under it (runc)', async (t) => {
    const f = fixture(t);
    const p = plan(f, ['sh', '-c', 'cat /hook-saw; mkdir /tmp/x || echo denied'], (p) => {
      p.seccomp = filter({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] });
      p.startContainerHooks = [{ path: '/bin/sh', args: ['sh', '-c', 'grep "^Seccomp:" /proc/self/status > /hook-saw; mkdir /hook-dir 2>/dev/null || echo "hook mkdir denied" >> /hook-saw'], env: [], timeout: 5 }];
    });
    const h = await spawn(f, { plan: p, hookState: () => '{}' });
    for (let i = 0; i < 100 && status(h.pid).Seccomp !== '2'; i++) await new Promise((r) => setTimeout(r, 10));
    t.equal(status(h.pid).Seccomp, '2', 'the init waits on the fifo under the filter');
    release(f);
    t.equal(await output(f, h.pid), "Seccomp:\t2\nhook mkdir denied\nmkdir: can't create directory '/tmp/x': Operation not permitted\ndenied\n");
  });

  t.test('syscall names libseccomp does not know are skipped with one warning', async (t) => {
    const f = fixture(t);
    const warnings: string[] = [];
    const r = await run(
      f,
      ['sh', '-c', 'mkdir /tmp/d || echo denied'],
      (p) => (p.seccomp = filter({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['no_such_call', 'mkdir', 'mkdirat', 'no_such_call', 'another_fake'], action: 'SCMP_ACT_ERRNO' }] })),
      (m) => warnings.push(m),
    );
    t.match(r.out, /denied\n$/, 'the known names are still filtered');
    t.match(warnings, [/^seccomp: ignored 2 syscall names unknown to libseccomp \d+\.\d+\.\d+: no_such_call, another_fake$/]);
  });

  t.test('a filter libseccomp refuses fails the create with step "seccomp", leaving nothing', async (t) => {
    const f = fixture(t);
    let stagePid = 0;
    const err = await spawn(f, {
      plan: plan(f, ['true'], (p) => (p.seccomp = filter({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_LOONGARCH64'] }))),
      beforeClone: (pid) => void (stagePid = pid),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.match(err, { name: 'InitError', step: 'seccomp', errno: 22, message: /^seccomp: add architecture 0xc0000102 \(not supported by libseccomp [\d.]+\): invalid argument$/ });
    await nothingLeft(t, f, [stagePid]);
    t.ok(await gone(stagePid));
  });
}
