// What is mounted where, read from /proc/self/mountinfo, for the checks that need one answer
// (a pure cgroup v2 host, a resctrl filesystem).
import { readFileSync } from 'node:fs';

/** The filesystem type of the topmost mount at `mountpoint` (a plain path), or undefined. */
export function fstypeAt(mountpoint: string): string | undefined {
  let fstype: string | undefined;
  try {
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const sep = line.indexOf(' - ');
      if (sep >= 0 && line.slice(0, sep).split(' ')[4] === mountpoint) fstype = line.slice(sep + 3).split(' ')[0];
    }
  } catch {
    // No procfs: nothing is known to be mounted.
  }
  return fstype;
}
