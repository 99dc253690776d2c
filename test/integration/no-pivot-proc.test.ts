// --no-pivot leaves the host's mounts in the container's mount namespace, outside its chroot. A
// fully visible procfs there would let a nested, unprivileged user namespace mount a fresh,
// unmasked procfs (the kernel allows it only where one is already fully visible). tsrc detaches
// (or covers) the host's procfs and sysfs mounts first, as runc does. Tried from inside: the same
// attack with pivot_root, where it is refused, is the control.
import t from 'tap';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Harness, haveRoot } from '../helpers/tsrc.js';

const ATTACK = 'mkdir -p /tmp/p; unshare -U -r -m -p -f sh -c "mount -t proc proc /tmp/p && echo MOUNTED || echo REFUSED" 2>/dev/null';

if (haveRoot(t)) {
  const h = new Harness('nopivot');
  t.teardown(() => h.cleanup());

  for (const [name, flags] of [
    ['pivot_root (the control)', []],
    ['--no-pivot', ['--no-pivot']],
  ] as const) {
    t.test(`${name}: a nested user namespace cannot mount procfs`, async (t) => {
      const b = await h.bundle('sleep 1000', (c) => (c.root.readonly = false));
      symlinkSync('busybox', join(b.dir, 'rootfs', 'bin', 'unshare'));
      t.equal(h.tsrc(['run', ...flags, '--detach', '--bundle', b.dir, b.id]).status, 0);
      // CAP_SETFCAP: mapping uid 0 into a new user namespace needs it (Linux 5.12+).
      // That the nested namespace itself works: it may mount a tmpfs.
      const sane = h.tsrc(['exec', '--cap', 'CAP_SETFCAP', b.id, 'sh', '-c', 'mkdir -p /tmp/q; unshare -U -r -m -p -f sh -c "mount -t tmpfs t /tmp/q && echo OK"']);
      t.equal(sane.stdout, 'OK\n', `a nested user and mount namespace works here: ${sane.stderr}`);
      const r = h.tsrc(['exec', '--cap', 'CAP_SETFCAP', b.id, 'sh', '-c', ATTACK]);
      t.equal(r.stdout, 'REFUSED\n', r.stderr);
      h.tsrc(['delete', '--force', b.id]);
    });
  }
}
