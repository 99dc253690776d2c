// Last-resort cleanup after the runtimes' own deletes: processes and cgroups that carry this run's
// unique id prefix, and mounts left under the temp dir. Everything here matches only names this run
// made, so it can never touch another user's containers.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Pids whose cgroup path (any hierarchy) has a component starting with `prefix`. */
export function pidsInCgroupsNamed(prefix) {
  const pids = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      const cg = readFileSync(`/proc/${p}/cgroup`, 'utf8');
      if (cg.split('\n').some((l) => l.split(':').slice(2).join(':').split('/').some((c) => c.startsWith(prefix)))) pids.push(Number(p));
    } catch {
      /* exited */
    }
  }
  return pids;
}

/** SIGKILLs the processes left in this run's cgroups; returns how many there were. */
export function killLeftovers(prefix) {
  const pids = pidsInCgroupsNamed(prefix);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  return pids.length;
}

/** rmdirs (deepest first) cgroup directories named with `prefix` in every mounted hierarchy. */
export function removeCgroups(prefix) {
  const found = [];
  const walk = (dir, depth) => {
    if (depth > 8) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = join(dir, e.name);
      walk(p, depth + 1);
      if (e.name.startsWith(prefix)) found.push(p);
    }
  };
  for (const m of cgroupMounts()) walk(m, 0);
  let left = 0;
  for (const p of found.sort((a, b) => b.length - a.length)) {
    try {
      rmdirSync(p);
    } catch {
      left++;
    }
  }
  return { found: found.length, left };
}

function cgroupMounts() {
  return mountinfo().filter((m) => m.fstype === 'cgroup' || m.fstype === 'cgroup2').map((m) => m.point);
}

function mountinfo() {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((l) => {
    const [pre, post] = l.split(' - ');
    const f = pre.split(' ');
    return { point: f[4].replace(/\\040/g, ' '), fstype: post.split(' ')[0] };
  });
}

/** Lazily unmounts everything mounted at or below `dir`, deepest first. */
export function unmountUnder(dir) {
  const points = mountinfo().map((m) => m.point).filter((p) => p === dir || p.startsWith(`${dir}/`));
  for (const p of points.sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', p], { stdio: 'ignore' });
  return points.length;
}

/** True when `path` is a mount point of a cgroup2 file system in this mount namespace. */
export function isCgroup2Mount(path) {
  return mountinfo().some((m) => m.point === path && m.fstype === 'cgroup2');
}

export function exists(path) {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
