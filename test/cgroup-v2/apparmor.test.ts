// process.apparmorProfile where the host has AppArmor. This machine's kernel has none; the VM's
// Debian kernel has it (run inside the VM by scripts/test-cgroup-v2.sh). A profile is loaded with
// apparmor_parser, and a container, and an exec in it, run confined by it: the profile shows in
// /proc/self/attr/current, and what it denies is denied.
import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Harness, haveRoot } from '../helpers/tsrc.js';
// @ts-expect-error: plain ESM script without types
import { makeBundle } from '../../scripts/make-bundle.mjs';

type Config = Record<string, any>;

const PROFILE = 'tsrc-test-profile';
const PROBE = 'cat /proc/self/attr/current; cat /etc/passwd > /dev/null 2>&1 && echo "passwd read" || echo "passwd denied"';

const enabled = () => {
  try {
    return readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').startsWith('Y');
  } catch {
    return false;
  }
};

if (haveRoot(t)) {
  if (!enabled()) {
    if (process.env.CI === 'true') t.fail('AppArmor is not enabled in the VM kernel, and CI=true: refusing to skip');
    else t.plan(0, 'skip: no AppArmor on this kernel');
  } else {
    const h = new Harness('aa');
    t.teardown(() => h.cleanup());
    if (!existsSync('/sys/kernel/security/apparmor')) execFileSync('mount', ['-t', 'securityfs', 'securityfs', '/sys/kernel/security']);
    const profile = join(h.work, 'profile');
    writeFileSync(
      profile,
      `profile ${PROFILE} flags=(attach_disconnected,mediate_deleted) {
  file,
  capability,
  network,
  signal,
  mount,
  umount,
  pivot_root,
  ptrace,
  unix,
  deny /etc/passwd r,
}
`,
    );
    const load = spawnSync('apparmor_parser', ['-r', '-K', profile], { encoding: 'utf8' });

    t.test('the container and an exec run under process.apparmorProfile', async (t) => {
      t.equal(load.status, 0, `apparmor_parser loaded the profile: ${load.stderr}`);
      const id = `aa-${process.pid}`;
      const dir = join(h.work, id);
      await makeBundle(dir, ['sh', '-c', `${PROBE}; sleep 1000`], (c: Config) => {
        c.process.apparmorProfile = PROFILE;
        c.linux.cgroupsPath = `/tsrc-v2/${id}`;
        c.process.terminal = false;
        return c;
      });
      const r = h.tsrc(['run', '--detach', '--bundle', dir, id]);
      t.equal(r.status, 0, r.stderr);
      const pid = JSON.parse(h.tsrc(['state', id]).stdout).pid as number;
      for (let i = 0; i < 100 && !readFileSync(`/proc/${pid}/attr/current`, 'utf8').startsWith(PROFILE); i++) await new Promise((res) => setTimeout(res, 20));
      t.equal(readFileSync(`/proc/${pid}/attr/current`, 'utf8').trim(), `${PROFILE} (enforce)`, 'the init runs confined');
      const e = h.tsrc(['exec', id, 'sh', '-c', PROBE]);
      t.equal(e.stdout, `${PROFILE} (enforce)\npasswd denied\n`, 'an exec too, and the profile denies what it says');
      const u = h.tsrc(['exec', '--apparmor', 'unconfined', id, 'sh', '-c', PROBE]);
      t.equal(u.stdout, 'unconfined\npasswd read\n', 'exec --apparmor overrides it');
      h.tsrc(['delete', '--force', id]);
    });

    t.test('a profile the kernel does not know fails create with one line, leaving nothing', async (t) => {
      const id = `aa-missing-${process.pid}`;
      const dir = join(h.work, id);
      await makeBundle(dir, ['true'], (c: Config) => {
        c.process.apparmorProfile = 'no-such-profile';
        c.linux.cgroupsPath = `/tsrc-v2/${id}`;
        c.process.terminal = false;
        return c;
      });
      const r = h.tsrc(['create', '--bundle', dir, id]);
      t.equal(r.status, 1);
      t.match(r.stderr, /apparmor: apply AppArmor profile no-such-profile: no such file or directory/);
      t.same(h.leftovers(id, `/tsrc-v2/${id}`), []);
    });
  }
}
