// Cleanup of environments whose test process died without its teardown (killed by a timeout, or
// by hand). Every private environment writes owner.json (pid + start time of the test process,
// and the cgroup parents it uses) into its temp dir; the next run finds dirs whose owner is gone
// and kills what still runs from them (daemons, shims, conmon, containers), unmounts, and removes
// their cgroups and files.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupPids, entries, mountsUnder, processes, removeCgroupTrees, shimSocket } from './leftovers.js';
import { ownerAlive, readOwner } from './owner.js';
import { run, waitUntil } from './run.js';

/** Cleans every /tmp/<prefix>* environment whose owner process is gone; returns what it cleaned. */
export async function reapStale(...prefixes: string[]): Promise<string[]> {
  const cleaned: string[] = [];
  for (const name of readdirSync('/tmp')) {
    if (!prefixes.some((p) => name.startsWith(p))) continue;
    const dir = join('/tmp', name);
    const owner = readOwner(dir);
    if (!owner || ownerAlive(owner)) continue; // not ours to judge, or someone else's live run
    const kill = (pid: number) => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    };
    for (const [pid, argv] of processes()) if (pid !== process.pid && argv.join(' ').includes(dir)) kill(pid);
    for (const parent of owner.cgroupParents) cgroupPids(parent).forEach(kill);
    await waitUntil(() => owner.cgroupParents.every((p) => cgroupPids(p).length === 0), 5000);
    for (const m of mountsUnder(dir)) await run('umount', ['-l', m], { timeout: 10 });
    for (const parent of owner.cgroupParents) removeCgroupTrees(parent);
    for (const d of owner.extraDirs ?? []) rmSync(d, { recursive: true, force: true });
    // A killed shim leaves its socket in /run/containerd/s; the bundle dirs name its tasks.
    const tasks = join(dir, 'state', 'io.containerd.runtime.v2.task');
    for (const ns of entries(tasks)) for (const id of entries(join(tasks, ns))) rmSync(shimSocket(join(dir, 'containerd.sock'), ns, id), { force: true });
    rmSync(dir, { recursive: true, force: true });
    cleaned.push(dir);
  }
  return cleaned;
}
