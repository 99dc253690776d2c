// process.selinuxLabel, linux.mountLabel and exec --process-label where the host has SELinux.
// Neither this machine's kernel nor the cgroup-v2 VM's default boot has it active (Debian selects
// AppArmor); scripts/test-cgroup-v2.sh boots the VM a second time with security=selinux,
// permissive, and runs this file there. Permissive still tracks every label, so what is judged
// from the host is what enforcing would enforce: the contexts the processes run in
// (/proc/<pid>/attr/current) and the labels on the container's mounts (security.selinux).
import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage, Harness, haveRoot } from '../helpers/tsrc.js';
import type { Config } from '../helpers/tsrc.js';

const attr = (pid: number | string, name = 'current') => readFileSync(`/proc/${pid}/attr/${name}`, 'utf8').replace(/\0.*$/s, '').trim();

/** selinuxfs mounted and a policy loaded (the VM's init does neither). */
function activate(): boolean {
  if (!existsSync('/sys/fs/selinux')) return false; // the kernel did not enable SELinux at boot
  if (!existsSync('/sys/fs/selinux/enforce')) execFileSync('mount', ['-t', 'selinuxfs', 'selinuxfs', '/sys/fs/selinux']);
  if (attr('self') === 'kernel') execFileSync('load_policy', ['-i']);
  return attr('self') !== 'kernel';
}

function valid(context: string): boolean {
  const fd = openSync('/sys/fs/selinux/context', 'r+');
  try {
    writeSync(fd, context);
    return true;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

/** The first of `types` the loaded policy knows, with MCS categories: Fedora's policy has the
 * container types, Debian's default one does not load that module. */
function pick(role: string, types: string[], level: string): string {
  const found = types.map((ty) => `system_u:${role}:${ty}:${level}`).find(valid);
  if (!found) throw new Error(`none of ${types.join(', ')} is a valid ${role} type in the loaded policy`);
  return found;
}

/** security.selinux of a path, as coreutils reads it (lgetxattr). */
const fileLabel = (path: string) => execFileSync('stat', ['-c', '%C', path], { encoding: 'utf8' }).trim();

if (haveRoot(t)) {
  if (!activate()) {
    if (process.env.CI === 'true') t.fail('SELinux is not active in this kernel, and CI=true: refusing to skip');
    else t.plan(0, 'skip: no SELinux on this kernel (run through scripts/test-cgroup-v2.sh)');
  } else {
    const h = new Harness('se');
    t.teardown(() => h.cleanup());
    const LABEL = pick('system_r', ['container_t', 'unconfined_t'], 's0:c1,c2');
    const OTHER = LABEL.replace('s0:c1,c2', 's0:c3,c4');
    const MOUNT = pick('object_r', ['container_file_t', 'tmpfs_t'], 's0:c1,c2');

    t.test('the container, its mounts and its execs carry the labels', async (t) => {
      const b = await h.bundle('cat /proc/self/attr/current > /dev/null; sleep 1000', (c: Config) => {
        c.process.selinuxLabel = LABEL;
        c.linux.mountLabel = MOUNT;
        c.mounts.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'size=1m'] });
        c.mounts.push({ destination: '/bound', type: 'bind', source: h.work, options: ['rbind', 'ro'] });
        c.linux.maskedPaths = ['/sys/firmware'];
      });
      const r = h.tsrc(['run', '--detach', '--bundle', b.dir, b.id]);
      t.equal(r.status, 0, r.stderr);
      const pid = JSON.parse(h.tsrc(['state', b.id]).stdout).pid as number;
      t.equal(attr(pid), LABEL, 'the init runs in process.selinuxLabel');
      t.equal(attr(pid, 'keycreate'), '', 'the key creation label is not left set');
      const root = `/proc/${pid}/root`;
      for (const p of ['/dev', '/scratch', '/dev/mqueue', '/sys/firmware', '/dev/shm']) t.equal(fileLabel(root + p), MOUNT, `${p} is labelled with linux.mountLabel`);
      t.equal(fileLabel(`${root}/bound`), fileLabel(h.work), 'a bind mount keeps its source label');
      t.not(fileLabel(`${root}/proc`), MOUNT, 'procfs keeps the policy label');

      const e = h.tsrc(['exec', b.id, 'cat', '/proc/self/attr/current']);
      t.equal(e.stdout.replace(/\0/g, ''), LABEL, 'an exec runs in the container label');
      const o = h.tsrc(['exec', '--process-label', OTHER, b.id, 'cat', '/proc/self/attr/current']);
      t.equal(o.stdout.replace(/\0/g, ''), OTHER, 'exec --process-label overrides it');
      const bad = h.tsrc(['exec', '--process-label', 'nobody_u:no_r:no_t:s0', b.id, 'true']);
      t.not(bad.status, 0);
      t.match(errorMessage(bad.stderr) ?? bad.stderr, /"nobody_u:no_r:no_t:s0" is not a valid SELinux context in the loaded policy/);
      t.equal(h.tsrc(['delete', '--force', b.id]).status, 0);
    });

    t.test('a label the policy does not know fails create with one line, leaving nothing', async (t) => {
      for (const [field, patch] of [
        ['/process/selinuxLabel', (c: Config) => (c.process.selinuxLabel = 'nobody_u:no_r:no_t:s0')],
        ['/linux/mountLabel', (c: Config) => (c.linux.mountLabel = 'nobody_u:object_r:no_t:s0')],
      ] as const) {
        const b = await h.bundle('true', patch);
        const r = h.tsrc(['create', '--bundle', b.dir, b.id]);
        t.equal(r.status, 1, field);
        const msg = errorMessage(r.stderr) ?? r.stderr;
        t.match(msg, new RegExp(`^config\\.json: ${field}: "[^"]+" is not a valid SELinux context in the loaded policy$`), msg);
        t.same(h.leftovers(b.id, b.cgroupsPath), [], 'nothing left behind');
      }
    });

    t.test('features says SELinux is supported', async (t) => {
      const f = JSON.parse(spawnSync(join(process.cwd(), 'bin', 'tsrc'), ['features'], { encoding: 'utf8' }).stdout);
      t.same(f.linux.selinux, { enabled: true });
    });
  }
}
