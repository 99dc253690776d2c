// Pure parsers for /proc/self/mountinfo and /proc/self/cgroup (unit-testable with sample text).

export interface CgroupMount {
  /** Where it is mounted, e.g. /sys/fs/cgroup/memory. */
  mountpoint: string;
  /** Which part of the hierarchy is mounted there ("/" unless bind-mounted or in a cgroup namespace). */
  root: string;
  /** 'cgroup' (v1) or 'cgroup2'. */
  fstype: 'cgroup' | 'cgroup2';
  /** v1: controllers and name=... of the hierarchy, from the super options; v2: empty. */
  controllers: string[];
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

const V1_OPTIONS_NOT_CONTROLLERS = new Set(['rw', 'ro', 'xattr', 'noprefix', 'clone_children', 'cpuset_v2_mode', 'favordynmods']);

/**
 * Every cgroup/cgroup2 mount in mountinfo order. Format (proc(5)):
 *   36 35 98:0 /root /mnt rw,noatime master:1 - cgroup cgroup rw,memory
 */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    if (!line) continue;
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const post = line.slice(sep + 3).split(' ');
    const fstype = post[0];
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const controllers =
      fstype === 'cgroup'
        ? (post[2] ?? '').split(',').filter((o) => o && !V1_OPTIONS_NOT_CONTROLLERS.has(o) && !o.startsWith('release_agent='))
        : [];
    out.push({ mountpoint: unescape(pre[4]), root: unescape(pre[3]), fstype, controllers });
  }
  return out;
}

/**
 * /proc/self/cgroup as a map: v1 lines "4:memory:/a" give one entry per controller of the
 * hierarchy ("cpu,cpuacct" gives both, "name=systemd" keeps its name); the v2 line "0::/a" gives "".
 */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const ctls = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    if (ctls === '') out.set('', path);
    else for (const c of ctls.split(',')) out.set(c, path);
  }
  return out;
}
