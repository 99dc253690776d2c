// linux.resources.devices on a pure cgroup v2 host (run inside the VM by scripts/test-cgroup-v2.sh):
// the eBPF device filter decides what a process in the cgroup may open, an update replaces the
// program instead of stacking a second one, and a container run with the default config gets a
// working /dev/null but no other device.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createCgroupManager, detectLayout, type CgroupManager } from '../../lib/cgroups/index.js';
import { attachedDevicePrograms } from '../../lib/cgroups/devices-bpf/index.js';
import type { DeviceCgroup } from '../../lib/spec/types.js';
import { Harness } from '../helpers/tsrc.js';
// @ts-expect-error: plain ESM script without types
import { makeBundle } from '../../scripts/make-bundle.mjs';

type Config = Record<string, any>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function v2Host(): boolean {
  const ok = process.getuid?.() === 0 && detectLayout().mode === 'v2';
  if (ok) return true;
  const why = 'needs root on a pure cgroup v2 host (run: bash scripts/test-cgroup-v2.sh)';
  if (process.env.CI === 'true') t.fail(`${why}; CI=true: refusing to skip`);
  else t.plan(0, `skip: ${why}`);
  return false;
}

/** Runs `script` in a shell that is moved into the cgroup before it starts; resolves with its output. */
async function runIn(m: CgroupManager, script: string): Promise<{ code: number | null; out: string }> {
  const c = spawn('sh', ['-c', `read _go; ${script}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  c.stdout!.on('data', (d) => (out += d));
  c.stderr!.on('data', (d) => (out += d));
  const done = new Promise<{ code: number | null; out: string }>((resolve) => c.on('close', (code) => resolve({ code, out })));
  try {
    m.join(c.pid!);
  } catch (e) {
    c.kill('SIGKILL');
    throw e;
  }
  c.stdin!.end('go\n');
  return done;
}

const DENY_ALL: DeviceCgroup = { allow: false, access: 'rwm' };
const NULL: DeviceCgroup = { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' };
const ZERO: DeviceCgroup = { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' };
const PROBE = 'head -c 1 /dev/zero | wc -c; echo x > /dev/null && echo null-ok';

if (v2Host()) {
  const mount = detectLayout().unified!.mountpoint;
  const base = `/tsrc-v2dev-${process.pid}`;
  const managers: CgroupManager[] = [];
  let n = 0;
  const manager = (): CgroupManager => {
    const m = createCgroupManager({ id: 'unused', cgroupsPath: `${base}/d-${++n}` });
    managers.push(m);
    return m;
  };

  t.teardown(async () => {
    for (const m of managers.reverse()) {
      try {
        if (m.exists()) {
          m.killAll('SIGKILL');
          for (let i = 0; i < 200 && m.pids().length > 0; i++) await sleep(50);
        }
        m.destroy();
      } catch (e) {
        console.error('teardown:', (e as Error).message);
      }
    }
    if (existsSync(join(mount, base))) console.error(`teardown: left behind ${join(mount, base)}`);
  });

  t.test('deny-all + /dev/null: /dev/zero is EPERM; an update allows it and replaces the program', async (t) => {
    const m = manager();
    m.create();
    const dir = m.paths[''];
    t.same(attachedDevicePrograms(dir), [], 'no device program before apply');

    const before = await runIn(m, PROBE);
    t.match(before.out, /^1\nnull-ok\n$/, 'without rules both open');

    m.apply({ devices: [DENY_ALL, NULL] });
    const first = attachedDevicePrograms(dir);
    t.equal(first.length, 1, 'one program attached');
    const denied = await runIn(m, PROBE);
    t.match(denied.out, /\/dev\/zero.*Operation not permitted/, '/dev/zero denied with EPERM');
    t.match(denied.out, /^0$/m, 'nothing read from /dev/zero');
    t.match(denied.out, /^null-ok$/m, '/dev/null allowed');

    m.apply({ devices: [DENY_ALL, NULL, ZERO] });
    const second = attachedDevicePrograms(dir);
    t.equal(second.length, 1, 'still one program: the old one was detached');
    t.not(second[0], first[0], 'and it is the new one');
    const allowed = await runIn(m, PROBE);
    t.equal(allowed.out, '1\nnull-ok\n', '/dev/zero opens after the update');

    m.apply({ devices: [DENY_ALL] });
    t.equal(attachedDevicePrograms(dir).length, 1);
    const none = await runIn(m, 'echo x > /dev/null && echo null-ok');
    t.match(none.out, /Operation not permitted/, 'deny-all alone denies /dev/null too');
    t.notMatch(none.out, /null-ok/);
  });

  t.test('a bad rule is refused before anything is attached', async (t) => {
    const m = manager();
    m.create();
    t.throws(() => m.apply({ devices: [DENY_ALL, { allow: true, type: 'x' }] }), /linux\.resources\.devices\[1\]\.type: must be "a", "b" or "c"/);
    t.same(attachedDevicePrograms(m.paths['']), [], 'no program attached');
  });

  t.test('tsrc run with the default config: /dev/null works, a device outside the list is EPERM', async (t) => {
    const h = new Harness('v2dev');
    t.teardown(() => h.cleanup());
    const id = `v2dev-${process.pid}`;
    const dir = join(h.work, id);
    const cgroupsPath = `/tsrc-v2dev/${id}`;
    // /dev/kmsg (c 1:11) opened write-only needs no capability, so without the filter it opens;
    // the node for c 1:3 shows mknod and the tmpfs /dev are not what refuses it. CAP_MKNOD is the
    // only change to the default config; its device rules (deny all + default allows) stay.
    // `true`, not `:`: a failed redirection on a special builtin ends a POSIX shell.
    const script = [
      'echo hi > /dev/null && echo null-ok',
      'mknod /dev/null2 c 1 3 && echo x > /dev/null2 && echo null2-ok',
      'mknod /dev/kmsg2 c 1 11 && { true > /dev/kmsg2 && echo kmsg-opened || echo kmsg-denied; }',
    ].join('; ');
    await makeBundle(dir, ['sh', '-c', script], (c: Config) => {
      c.linux.cgroupsPath = cgroupsPath;
      for (const set of ['bounding', 'effective', 'permitted']) c.process.capabilities[set].push('CAP_MKNOD');
      return c;
    });
    const r = h.tsrc(['run', '--bundle', dir, id]);
    t.equal(r.status, 0, r.stderr);
    t.equal(r.stdout, 'null-ok\nnull2-ok\nkmsg-denied\n');
    t.match(r.stderr, /kmsg2.*Operation not permitted/);
    t.notOk(existsSync(join('/sys/fs/cgroup', cgroupsPath)), 'cgroup removed');
  });
}
