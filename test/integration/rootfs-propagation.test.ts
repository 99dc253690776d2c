// linux.rootfsPropagation and rshared mounts, judged by what the kernel shows: the optional
// fields of the container's "/" in /proc/<pid>/mountinfo, and mounts crossing between host and
// container. The rootfs sits under a shared tmpfs, and for the CRI case is itself an overlay
// mount, as containerd's snapshotter gives it.
import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage, Harness, haveRoot } from '../helpers/tsrc.js';
import type { Config } from '../helpers/tsrc.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Optional fields (shared:N, master:N, unbindable) of mount point `point` in pid's mount table. */
function optional(pid: number, point: string): string[] {
  for (const l of readFileSync(`/proc/${pid}/mountinfo`, 'utf8').trim().split('\n')) {
    const f = l.split(' - ')[0].split(' ');
    if (f[4] === point) return f.slice(6);
  }
  throw new Error(`no mount at ${point} in /proc/${pid}/mountinfo`);
}

if (haveRoot(t)) {
  const h = new Harness('prop');
  const mounted: string[] = [];
  t.teardown(() => {
    // Lazily, before the work dir is removed: a container still running keeps its own copies.
    for (const m of mounted.reverse()) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
    h.cleanup();
  });
  const mount = (args: string[], point: string) => {
    execFileSync('mount', [...args, point]);
    mounted.push(point);
  };
  // The host's "/" may well be private (it is here): a shared parent is made, as on systemd hosts.
  const shared = join(h.work, 'shared');
  mkdirSync(shared);
  mount(['-t', 'tmpfs', 'tsrc-prop'], shared);
  execFileSync('mount', ['--make-shared', shared]);

  /** A bundle whose rootfs lives under the shared tmpfs. */
  async function sharedBundle(patch: (c: Config) => void) {
    const b = await h.bundle('sleep 1000', patch);
    const dir = join(shared, b.id);
    execFileSync('cp', ['-a', b.dir, dir]);
    const r = h.tsrc(['run', '--detach', '--bundle', dir, b.id]);
    const pid = r.status === 0 ? (JSON.parse(h.tsrc(['state', b.id]).stdout).pid as number) : 0;
    return { b, dir, r, pid };
  }

  t.test("rootfsPropagation is the container's own root's, after pivot_root", async (t) => {
    const cases: Array<[string | undefined, RegExp | null, string]> = [
      ['shared', /^shared:\d+$/, 'shared:N'],
      ['rshared', /^shared:\d+$/, 'shared:N'],
      ['private', null, 'no optional field'],
      ['rprivate', null, 'no optional field'],
      ['unbindable', /^unbindable$/, 'unbindable'],
      ['runbindable', /^unbindable$/, 'unbindable'],
      // rslave (also the default): a slave of the shared mount the rootfs lives on.
      ['rslave', /^master:\d+$/, 'master:N'],
      [undefined, /^master:\d+$/, 'master:N (rslave by default)'],
    ];
    // Only this test's mounts: other programs on the host may mount meanwhile.
    const ours = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(h.work)).join('\n');
    const hostBefore = ours();
    for (const [prop, want, words] of cases) {
      const { b, r, pid } = await sharedBundle((c) => {
        if (prop) c.linux.rootfsPropagation = prop;
        else delete c.linux.rootfsPropagation;
      });
      t.equal(r.status, 0, `${prop}: ${r.stderr}`);
      if (r.status !== 0) continue;
      const fields = optional(pid, '/');
      if (want) t.ok(fields.some((f) => want.test(f)), `${prop ?? 'default'}: "/" is ${words} (${fields.join(' ')})`);
      else t.same(fields, [], `${prop}: "/" is ${words}`);
      t.equal(h.tsrc(['delete', '--force', b.id]).status, 0);
    }
    await sleep(50);
    t.equal(ours(), hostBefore, 'nothing propagated to the host');
  });

  t.test('an overlay rootfs under a shared parent, with rshared root and an rshared bind (CRI)', async (t) => {
    // containerd's layout: <state>/<id>/rootfs is an overlay mount; the host directory of a
    // Bidirectional volume is a shared mount; CRI then asks for rootfsPropagation rshared.
    const b = await h.bundle('sleep 1000');
    const dir = join(shared, b.id);
    mkdirSync(dir);
    execFileSync('cp', ['-a', join(b.dir, 'rootfs'), join(dir, 'lower')]);
    for (const d of ['upper', 'work', 'rootfs']) mkdirSync(join(dir, d));
    mount(['-t', 'overlay', 'overlay', '-o', `lowerdir=${dir}/lower,upperdir=${dir}/upper,workdir=${dir}/work`], join(dir, 'rootfs'));
    const volume = join(shared, `${b.id}-volume`);
    mkdirSync(volume);
    mount(['-t', 'tmpfs', 'tsrc-vol'], volume);
    execFileSync('mount', ['--make-shared', volume]);
    const config = JSON.parse(readFileSync(join(b.dir, 'config.json'), 'utf8'));
    config.linux.rootfsPropagation = 'rshared';
    config.mounts.push({ destination: '/vol', type: 'bind', source: volume, options: ['rbind', 'rshared', 'rw'] });
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    mkdirSync(join(dir, 'rootfs', 'vol'));

    const r = h.tsrc(['run', '--detach', '--bundle', dir, b.id]);
    t.equal(r.status, 0, errorMessage(r.stderr) ?? r.stderr);
    const pid = JSON.parse(h.tsrc(['state', b.id]).stdout).pid as number;
    t.ok(optional(pid, '/vol').some((f) => /^shared:/.test(f)), '/vol is shared');

    // Host → container.
    mkdirSync(join(volume, 'from-host'));
    mount(['-t', 'tmpfs', 'tsrc-from-host'], join(volume, 'from-host'));
    await sleep(20);
    t.ok(readFileSync(`/proc/${pid}/mountinfo`, 'utf8').includes(' /vol/from-host '), "a host mount under the volume shows in the container");
    // Container → host (bidirectional), made in the container's mount namespace.
    mkdirSync(join(volume, 'from-ctr'));
    execFileSync('nsenter', ['-t', String(pid), '-m', 'mount', '-t', 'tmpfs', 'tsrc-from-ctr', '/vol/from-ctr']);
    mounted.push(join(volume, 'from-ctr'));
    t.ok(readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${join(volume, 'from-ctr')} `), "the container's mount shows on the host");

    t.equal(h.tsrc(['delete', '--force', b.id]).status, 0);
    t.notOk(existsSync(join(h.root, b.id)), 'deleted');
  });
}
