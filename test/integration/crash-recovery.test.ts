// Crash consistency: `tsrc create` killed with SIGKILL at any point of its work must leave
// something `delete --force` removes whole (state dir, cgroups, processes, mounts), after which
// the same id can be created again. The kill times sweep create's whole run, so every step it
// takes is interrupted somewhere; judged from the host.
import t from 'tap';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { Harness, haveRoot, TSRC_LAUNCHER } from '../helpers/tsrc.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Processes that hold anything of the container: its cgroup, a mount of its bundle, an fd into its state. */
function holders(marker: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${e}/status`, 'utf8').includes('State:\tZ')) continue;
      let hit = readFileSync(`/proc/${e}/cgroup`, 'utf8').includes(marker) || readFileSync(`/proc/${e}/mountinfo`, 'utf8').includes(marker);
      if (!hit) for (const fd of readdirSync(`/proc/${e}/fd`)) if (readlinkSync(`/proc/${e}/fd/${fd}`).includes(marker)) hit = true;
      if (hit) out.push(Number(e));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

if (haveRoot(t)) {
  const h = new Harness('crash');
  t.teardown(() => h.cleanup());

  t.test('create killed at any point: delete --force removes everything, and the id works again', async (t) => {
    // How long a warm create takes here (the fastest of three; the first is cold), to sweep kill
    // times across all of it.
    const probe = await h.bundle('sleep 1000');
    let took = Infinity;
    let start = 0;
    for (let i = 0; i < 3; i++) {
      start = Date.now();
      t.equal(h.tsrc(['create', '--bundle', probe.dir, probe.id], { bin: TSRC_LAUNCHER }).status, 0);
      took = Math.min(took, Date.now() - start);
      h.tsrc(['delete', '--force', probe.id], { bin: TSRC_LAUNCHER });
    }
    const tries = 30;
    let interrupted = 0;
    const b = await h.bundle('sleep 1000');
    for (let i = 0; i < tries; i++) {
      const delay = Math.round((i * took) / tries);
      const p = spawn(TSRC_LAUNCHER, ['--root', h.root, 'create', '--bundle', b.dir, b.id], { stdio: 'ignore' });
      const exited = new Promise<number | null>((res) => p.on('exit', (c) => res(c)));
      await sleep(delay);
      p.kill('SIGKILL');
      const code = await exited;
      if (code === null) interrupted++;
      const d = h.tsrc(['delete', '--force', b.id], { bin: TSRC_LAUNCHER });
      t.equal(d.status, 0, `after a kill at ${delay} ms: delete --force succeeds ${d.stderr}`);
      let left = holders(b.id);
      for (let w = 0; w < 50 && left.length; w++, await sleep(20)) left = holders(b.id);
      t.same(left, [], `after a kill at ${delay} ms: no process holds anything of it`);
      t.same(h.leftovers(b.id, b.cgroupsPath), [], `after a kill at ${delay} ms: no state dir, no cgroup`);
      t.notOk(readFileSync('/proc/self/mountinfo', 'utf8').includes(b.id), 'no mount');
      // The id can be used again.
      start = Date.now();
      const again = h.tsrc(['create', '--bundle', b.dir, b.id], { bin: TSRC_LAUNCHER });
      t.equal(again.status, 0, `after a kill at ${delay} ms: create of the same id works ${again.stderr}`);
      t.equal(h.tsrc(['delete', '--force', b.id], { bin: TSRC_LAUNCHER }).status, 0);
    }
    t.ok(interrupted >= tries / 4, `${interrupted} of ${tries} creates were killed before they finished`);
  });

  // start, exec and delete killed part-way: the container is still one that delete --force removes whole.
  const ops: Array<[string, 'created' | 'running', (id: string) => string[]]> = [
    ['start', 'created', (id) => ['start', id]],
    ['exec', 'running', (id) => ['exec', id, 'sleep', '100']],
    ['delete --force', 'running', (id) => ['delete', '--force', id]],
  ];
  for (const [name, from, args] of ops) {
    t.test(`${name} killed at any point: delete --force removes everything`, async (t) => {
      const b = await h.bundle('sleep 1000');
      const tries = 10;
      for (let i = 0; i < tries; i++) {
        t.equal(h.tsrc([from === 'created' ? 'create' : 'run', ...(from === 'running' ? ['--detach'] : []), '--bundle', b.dir, b.id], { bin: TSRC_LAUNCHER }).status, 0);
        const p = spawn(TSRC_LAUNCHER, ['--root', h.root, ...args(b.id)], { stdio: 'ignore' });
        const exited = new Promise<void>((res) => p.on('exit', () => res()));
        await sleep(i * 4);
        p.kill('SIGKILL');
        await exited;
        const d = h.tsrc(['delete', '--force', b.id], { bin: TSRC_LAUNCHER });
        t.equal(d.status, 0, `after a kill at ${i * 4} ms: delete --force succeeds ${d.stderr}`);
        let left = holders(b.id);
        for (let w = 0; w < 50 && left.length; w++, await sleep(20)) left = holders(b.id);
        t.same(left, [], `after a kill at ${i * 4} ms: no process holds anything of it`);
        t.same(h.leftovers(b.id, b.cgroupsPath), [], `after a kill at ${i * 4} ms: no state dir, no cgroup`);
      }
    });
  }
}
