// What a caller-driven container can leave behind on the host, found the way an operator would:
// runtime state directories, cgroup directories, shim processes, shim sockets and mounts.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupBases } from '../../test/helpers/tsrc.js';

export { cgroupBases };

/** Command lines of all live processes, by pid (processes that vanish while we read are skipped). */
export function processes(): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const argv = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
      if (argv.length && argv[argv.length - 1] === '') argv.pop();
      if (argv.length) out.set(Number(e), argv);
    } catch {
      // gone
    }
  }
  return out;
}

/** Pids of containerd-shim-runc-v2 processes serving `address` (optionally only the one for `id`). */
export function shimPids(address: string, id?: string): number[] {
  const pids: number[] = [];
  for (const [pid, argv] of processes()) {
    if (!argv[0]?.endsWith('containerd-shim-runc-v2')) continue;
    const at = (flag: string) => argv[argv.indexOf(flag) + 1];
    if (at('-address') !== address) continue;
    if (id !== undefined && at('-id') !== id) continue;
    pids.push(pid);
  }
  return pids;
}

/** The unix socket containerd 1.6 gives the shim of (address, namespace, id). */
export function shimSocket(address: string, namespace: string, id: string): string {
  const h = createHash('sha256').update(join(address, namespace, id)).digest('hex');
  return `/run/containerd/s/${h}`;
}

/** Existing cgroup directories `rel` (a path relative to each hierarchy root) on every hierarchy. */
export function cgroupDirs(rel: string): string[] {
  return cgroupBases()
    .map((b) => join(b, rel))
    .filter((p) => existsSync(p));
}

/** Pids in the cgroup trees at `rel` (all hierarchies), deepest directories included. */
export function cgroupPids(rel: string): number[] {
  const pids = new Set<number>();
  const walk = (dir: string) => {
    try {
      for (const l of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (l) pids.add(Number(l));
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name));
    } catch {
      // removed while walking
    }
  };
  for (const d of cgroupDirs(rel)) walk(d);
  return [...pids];
}

/** Removes the (empty) cgroup trees at `rel`, deepest first; returns the ones that would not go. */
export function removeCgroupTrees(rel: string): string[] {
  const stuck: string[] = [];
  const remove = (dir: string) => {
    try {
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) remove(join(dir, e.name));
      rmdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') stuck.push(dir);
    }
  };
  for (const d of cgroupDirs(rel)) remove(d);
  return stuck;
}

/** Mount points at or below `dir`, deepest first (so they can be unmounted in that order). */
export function mountsUnder(dir: string): string[] {
  const decode = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => decode(l.split(' ')[4]))
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Entries of a directory, or [] when it does not exist. */
export function entries(dir: string): string[] {
  try {
    return statSync(dir).isDirectory() ? readdirSync(dir) : [];
  } catch {
    return [];
  }
}

/** Whether a pid is alive and not a zombie. */
export function alive(pid: number): boolean {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/s.test(st);
  } catch {
    return false;
  }
}
