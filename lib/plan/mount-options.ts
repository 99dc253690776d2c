// Turns a mount's option strings into mount(2) flags, data and propagation, as mount(8) and
// runc read them. Unknown options are filesystem data, passed through verbatim.

export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  SYNCHRONOUS: 0x10,
  REMOUNT: 0x20,
  MANDLOCK: 0x40,
  DIRSYNC: 0x80,
  NOSYMFOLLOW: 0x100,
  NOATIME: 0x400,
  NODIRATIME: 0x800,
  BIND: 0x1000,
  MOVE: 0x2000,
  REC: 0x4000,
  SILENT: 0x8000,
  UNBINDABLE: 0x20000,
  PRIVATE: 0x40000,
  SLAVE: 0x80000,
  SHARED: 0x100000,
  RELATIME: 0x200000,
  STRICTATIME: 0x1000000,
  LAZYTIME: 0x2000000,
} as const;

/** [clear?, flag]: clear=true means the option removes the flag. */
const FLAG_OPTIONS: Record<string, [boolean, number]> = {
  defaults: [false, 0],
  ro: [false, MS.RDONLY],
  rw: [true, MS.RDONLY],
  suid: [true, MS.NOSUID],
  nosuid: [false, MS.NOSUID],
  dev: [true, MS.NODEV],
  nodev: [false, MS.NODEV],
  exec: [true, MS.NOEXEC],
  noexec: [false, MS.NOEXEC],
  sync: [false, MS.SYNCHRONOUS],
  async: [true, MS.SYNCHRONOUS],
  dirsync: [false, MS.DIRSYNC],
  remount: [false, MS.REMOUNT],
  mand: [false, MS.MANDLOCK],
  nomand: [true, MS.MANDLOCK],
  atime: [true, MS.NOATIME],
  noatime: [false, MS.NOATIME],
  diratime: [true, MS.NODIRATIME],
  nodiratime: [false, MS.NODIRATIME],
  bind: [false, MS.BIND],
  rbind: [false, MS.BIND | MS.REC],
  relatime: [false, MS.RELATIME],
  norelatime: [true, MS.RELATIME],
  strictatime: [false, MS.STRICTATIME],
  nostrictatime: [true, MS.STRICTATIME],
  lazytime: [false, MS.LAZYTIME],
  nolazytime: [true, MS.LAZYTIME],
  symfollow: [true, MS.NOSYMFOLLOW],
  nosymfollow: [false, MS.NOSYMFOLLOW],
};

export const PROPAGATION_OPTIONS: Record<string, number> = {
  private: MS.PRIVATE,
  rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED,
  rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE,
  rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE,
  runbindable: MS.UNBINDABLE | MS.REC,
};

/** Options some callers send that carry no meaning for the kernel (crun/runc extensions). */
const IGNORED = new Set(['tmpcopyup', 'idmap', 'ridmap', 'copy-symlink', 'notmpcopyup']);

export interface ParsedMountOptions {
  flags: number;
  propagation: number;
  data: string;
  /** Options that were understood but cannot be honoured yet (reported as warnings). */
  unsupported: string[];
}

export function parseMountOptions(options: readonly string[] = []): ParsedMountOptions {
  let flags = 0;
  let propagation = 0;
  const data: string[] = [];
  const unsupported: string[] = [];
  for (const opt of options) {
    const f = FLAG_OPTIONS[opt];
    if (f) {
      flags = f[0] ? flags & ~f[1] : flags | f[1];
    } else if (opt in PROPAGATION_OPTIONS) {
      propagation = PROPAGATION_OPTIONS[opt];
    } else if (IGNORED.has(opt)) {
      continue;
    } else if (/^r(ro|rw|nosuid|suid|nodev|dev|noexec|exec|atime|noatime|relatime|strictatime|nodiratime|diratime|nosymfollow|symfollow)$/.test(opt)) {
      // Recursive attributes need mount_setattr(2); not implemented yet.
      unsupported.push(opt);
    } else {
      data.push(opt);
    }
  }
  return { flags, propagation, data: data.join(','), unsupported };
}

/** Flags that a bind mount only honours through a second MS_REMOUNT|MS_BIND call. */
export const BIND_REMOUNT_MASK =
  MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.NOATIME | MS.NODIRATIME | MS.RELATIME | MS.STRICTATIME | MS.NOSYMFOLLOW;
