// Who owns a private test environment: the test process (pid and start time, so a reused pid is
// not mistaken for it), the cgroup parents its containers use, and directories outside the temp
// dir it may create. conformance/env/stale.ts cleans environments whose owner is gone.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Owner {
  pid: number;
  start: string;
  cgroupParents: string[];
  /** Other directories to remove with the environment (e.g. a runtime root under /run). */
  extraDirs?: string[];
}

const startTime = (pid: number): string | undefined => {
  try {
    // Field 22 (starttime), counted after the parenthesised command name.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
};

/** Records this test process as the owner of `dir`. */
export function markOwner(dir: string, cgroupParents: string[] = [], extraDirs: string[] = []): void {
  const owner: Owner = { pid: process.pid, start: startTime(process.pid) ?? '', cgroupParents, extraDirs };
  writeFileSync(join(dir, 'owner.json'), JSON.stringify(owner));
}

export function readOwner(dir: string): Owner | undefined {
  const file = join(dir, 'owner.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

export const ownerAlive = (o: Owner): boolean => startTime(o.pid) === o.start;
