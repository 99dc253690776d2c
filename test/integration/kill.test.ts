// kill as containerd's shim and scripts use it: --all after the init has exited (processes
// outside its pid namespace live on in its cgroup: --pid host, a pod's shared pid namespace),
// and signal 0. Both the Node CLI and build/tsrc (whose fast path serves a plain kill).
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupBases, Harness, haveRoot, TSRC_LAUNCHER } from '../helpers/tsrc.js';
import type { Config } from '../helpers/tsrc.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (pid: number) => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

/** Every pid in the container's cgroup, over all hierarchies. */
function cgroupPids(cgroupsPath: string): number[] {
  const pids = new Set<number>();
  for (const base of cgroupBases()) {
    const f = join(base, cgroupsPath, 'cgroup.procs');
    if (existsSync(f)) for (const l of readFileSync(f, 'utf8').split('\n')) if (l) pids.add(Number(l));
  }
  return [...pids];
}

if (haveRoot(t)) {
  const h = new Harness('kill');
  t.teardown(() => h.cleanup());

  for (const [name, bin] of [['bin/tsrc', undefined], ['build/tsrc', TSRC_LAUNCHER]] as const) {
    t.test(`${name}: kill --all reaches what is left in the cgroup after the init exited`, async (t) => {
      // No pid namespace of its own (--pid host): the init's exit does not end its children.
      const b = await h.bundle('sleep 1000 & sleep 1000 & exit 0', (c: Config) => {
        c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== 'pid');
      });
      t.equal(h.tsrc(['run', '--detach', '--bundle', b.dir, b.id], { bin }).status, 0);
      let left: number[] = [];
      for (let i = 0; i < 100 && (left = cgroupPids(b.cgroupsPath)).length !== 2; i++) await sleep(20);
      for (let i = 0; i < 100 && JSON.parse(h.tsrc(['state', b.id], { bin }).stdout).status !== 'stopped'; i++) await sleep(20);
      t.equal(JSON.parse(h.tsrc(['state', b.id], { bin }).stdout).status, 'stopped', 'the init has exited');
      t.equal(left.length, 2, 'its two children are still in the cgroup');

      const plain = h.tsrc(['kill', b.id, 'KILL'], { bin });
      t.equal(plain.status, 1, 'a plain kill of a stopped container fails');
      t.match(plain.stderr, /container not running/);
      t.ok(left.every(alive), '... and signals nothing');

      const all = h.tsrc(['kill', '--all', b.id, 'KILL'], { bin });
      t.equal(all.status, 0, all.stderr);
      for (let i = 0; i < 100 && left.some(alive); i++) await sleep(20);
      t.notOk(left.some(alive), 'kill --all ended them');
      t.same(cgroupPids(b.cgroupsPath), [], 'the cgroup is empty');
      t.equal(h.tsrc(['delete', b.id], { bin }).status, 0);
      t.same(h.leftovers(b.id, b.cgroupsPath), []);
    });

    t.test(`${name}: signal 0 checks that the init exists`, async (t) => {
      const b = await h.bundle('sleep 1000');
      t.equal(h.tsrc(['run', '--detach', '--bundle', b.dir, b.id], { bin }).status, 0);
      const pid = JSON.parse(h.tsrc(['state', b.id], { bin }).stdout).pid as number;
      t.equal(h.tsrc(['kill', b.id, '0'], { bin }).status, 0);
      t.equal(h.tsrc(['kill', '--all', b.id, '0'], { bin }).status, 0);
      t.ok(alive(pid), 'and does not end it');
      t.equal(h.tsrc(['kill', b.id, 'KILL'], { bin }).status, 0);
      for (let i = 0; i < 100 && alive(pid); i++) await sleep(20);
      const r = h.tsrc(['kill', b.id, '0'], { bin });
      t.equal(r.status, 1, 'stopped: an error');
      t.match(r.stderr, /container not running/);
      t.equal(h.tsrc(['delete', b.id], { bin }).status, 0);
    });
  }
}
