// Device cgroup rules as runc applies them: linux.resources.devices in order, then only runc's
// default devices (/dev/null, zero, full, random, urandom, tty, ptys) allowed in addition. A
// linux.devices entry creates the node but gets no allow rule of its own, so an explicit deny
// stays a deny. Judged by what the container can open, with runc as the control.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { Harness, haveRoot } from '../helpers/tsrc.js';
import type { Config } from '../helpers/tsrc.js';

const FUSE = { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666 };
const PROBE = 'for d in /dev/fuse /dev/null; do (exec 3<$d) 2>/dev/null && echo "$d opened" || echo "$d refused"; done';

if (haveRoot(t)) {
  const h = new Harness('devrules');
  t.teardown(() => h.cleanup());

  const cases: Array<[string, unknown[], string]> = [
    ['deny all: the configured device is refused, the defaults still work', [{ allow: false, access: 'rwm' }], '/dev/fuse refused\n/dev/null opened\n'],
    ['deny all, then allow it', [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }], '/dev/fuse opened\n/dev/null opened\n'],
    ['allow it, then deny it: the last rule wins', [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }, { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' }], '/dev/fuse refused\n/dev/null opened\n'],
  ];
  for (const [what, rules, want] of cases) {
    t.test(what, async (t) => {
      const b = await h.bundle(PROBE, (c: Config) => {
        c.linux.devices = [FUSE];
        c.linux.resources = { ...(c.linux.resources ?? {}), devices: rules };
      });
      const r = h.tsrc(['run', '--bundle', b.dir, b.id]);
      t.equal(r.status, 0, r.stderr);
      t.equal(r.stdout, want, 'tsrc');
      // runc, on the same bundle (crun 1.8.1 refuses this hybrid host; runc is the control).
      const c = spawnSync('runc', ['--root', `${h.work}/runc`, 'run', `${b.id}-runc`], { cwd: b.dir, encoding: 'utf8', timeout: 30_000 });
      t.equal(c.stdout, want, `runc agrees: ${c.stderr}`);
      t.same(h.leftovers(b.id, b.cgroupsPath), []);
    });
  }
}
