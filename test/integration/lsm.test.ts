// A config that asks for an LSM label must not run unconfined as if it had been applied: create
// fails with one line naming the field, and leaves nothing behind; so does an exec's process.json.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage, Harness, haveRoot } from '../helpers/tsrc.js';
import type { Config } from '../helpers/tsrc.js';

const REFUSED = /^config\.json: (\/process\/apparmorProfile|\/process\/selinuxLabel|\/linux\/mountLabel): (AppArmor|SELinux) is not enabled on this host$/;

if (haveRoot(t)) {
  const h = new Harness('lsm');
  t.teardown(() => h.cleanup());

  t.test('create refuses apparmorProfile, selinuxLabel and mountLabel', async (t) => {
    const cases: Array<[string, (c: Config) => void]> = [
      ['/process/apparmorProfile', (c) => (c.process.apparmorProfile = 'docker-default')],
      ['/process/selinuxLabel', (c) => (c.process.selinuxLabel = 'system_u:system_r:container_t:s0')],
      ['/linux/mountLabel', (c) => (c.linux.mountLabel = 'system_u:object_r:container_file_t:s0')],
    ];
    for (const [field, patch] of cases) {
      const b = await h.bundle('true', patch);
      const r = h.tsrc(['create', '--bundle', b.dir, b.id]);
      t.equal(r.status, 1, field);
      const msg = errorMessage(r.stderr) ?? r.stderr;
      t.match(msg, REFUSED, msg);
      t.ok(msg.includes(field), `names ${field}`);
      t.same(h.leftovers(b.id, b.cgroupsPath), [], 'nothing left behind');
    }
  });

  t.test('exec --process refuses apparmorProfile', async (t) => {
    const b = await h.bundle('sleep 1000');
    t.equal(h.tsrc(['run', '--detach', '--bundle', b.dir, b.id]).status, 0);
    const pj = join(h.work, 'process.json');
    writeFileSync(pj, JSON.stringify({ args: ['true'], cwd: '/', user: { uid: 0, gid: 0 }, apparmorProfile: 'p' }));
    const r = h.tsrc(['exec', '--process', pj, b.id]);
    t.not(r.status, 0);
    t.match(errorMessage(r.stderr) ?? r.stderr, /\/apparmorProfile: AppArmor is /);
    h.tsrc(['delete', '--force', b.id]);
  });
}
