// Which cgroup layout this host has, read from /proc/self/mountinfo and /proc/self/cgroup:
//   v2      one cgroup2 mount (normally /sys/fs/cgroup) holding every controller;
//   v1      one cgroup (v1) hierarchy per controller (or co-mounted group, e.g. cpu,cpuacct);
//   hybrid  v1 controllers plus a cgroup2 mount (systemd puts it at /sys/fs/cgroup/unified) that
//           holds whatever controllers no v1 hierarchy took (here: hugetlb). Reported as mode 'v1'
//           with `unified` set, like runc.
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { CgroupError } from './api.js';
import { parseCgroupMounts, parseProcCgroup, type CgroupMount } from './mountinfo.js';

/** v1 hierarchies tsrc creates its cgroup in (the ones runc uses), in runc's order. */
export const V1_CONTROLLERS = [
  'cpuset',
  'devices',
  'memory',
  'cpu',
  'cpuacct',
  'pids',
  'blkio',
  'hugetlb',
  'net_cls',
  'net_prio',
  'perf_event',
  'freezer',
  'rdma',
  'name=systemd',
  'misc',
] as const;

export interface Hierarchy {
  mountpoint: string;
  /** Part of the hierarchy mounted at mountpoint (mountinfo field 4). */
  root: string;
  /** This process's cgroup in the hierarchy, as /proc/self/cgroup shows it. */
  own: string;
}

export interface CgroupLayout {
  mode: 'v1' | 'v2';
  /** v1 controllers plus a cgroup2 mount. */
  hybrid: boolean;
  /** v1 only: controller name (or "name=systemd") -> its hierarchy. Co-mounted controllers share one. */
  v1: Map<string, Hierarchy>;
  /** The cgroup2 mount: the whole tree on v2, the side hierarchy in hybrid mode. */
  unified?: Hierarchy;
}

/** Directory of this process's own cgroup in a hierarchy (accounts for a non-"/" mount root). */
export function ownDir(h: Hierarchy): string {
  let rel = h.own;
  if (h.root !== '/') {
    if (rel === h.root) rel = '/';
    else if (rel.startsWith(h.root + '/')) rel = rel.slice(h.root.length);
  }
  return posix.join(h.mountpoint, rel);
}

function pickUnified(mounts: CgroupMount[], preferred: string): CgroupMount | undefined {
  const v2 = mounts.filter((m) => m.fstype === 'cgroup2');
  return v2.find((m) => m.mountpoint === preferred) ?? v2[0];
}

/** Decide the layout from the text of /proc/self/mountinfo and /proc/self/cgroup. */
export function layoutFrom(mountinfo: string, procCgroup: string): CgroupLayout {
  const mounts = parseCgroupMounts(mountinfo);
  const own = parseProcCgroup(procCgroup);
  const v1 = new Map<string, Hierarchy>();
  for (const m of mounts) {
    if (m.fstype !== 'cgroup') continue;
    for (const c of m.controllers) {
      if (v1.has(c)) continue; // the first mount of a hierarchy wins, as in runc
      v1.set(c, { mountpoint: m.mountpoint, root: m.root, own: own.get(c) ?? '/' });
    }
  }
  const realV1 = [...v1.keys()].some((c) => !c.startsWith('name='));
  if (realV1) {
    const u = pickUnified(mounts, '/sys/fs/cgroup/unified');
    const unified = u ? { mountpoint: u.mountpoint, root: u.root, own: own.get('') ?? '/' } : undefined;
    return { mode: 'v1', hybrid: unified !== undefined, v1, unified };
  }
  const u = pickUnified(mounts, '/sys/fs/cgroup');
  if (!u) throw new CgroupError('cgroup: no cgroup filesystem is mounted (nothing of type cgroup or cgroup2 in /proc/self/mountinfo)');
  return { mode: 'v2', hybrid: false, v1: new Map(), unified: { mountpoint: u.mountpoint, root: u.root, own: own.get('') ?? '/' } };
}

let cached: CgroupLayout | undefined;

/** The layout of this host (read once per process). */
export function detectLayout(): CgroupLayout {
  if (!cached) {
    cached = layoutFrom(readFileSync('/proc/self/mountinfo', 'utf8'), readFileSync('/proc/self/cgroup', 'utf8'));
  }
  return cached;
}
