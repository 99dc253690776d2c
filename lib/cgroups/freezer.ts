// Freezing a cgroup: v1 freezer.state (FREEZING until every task stopped), v2 cgroup.freeze
// (done when cgroup.events says "frozen 1"). Both wait until the freeze has really happened.
import { CgroupError } from './api.js';
import { readCgroupFile, sleepMs, tryReadCgroupFile, writeCgroupFile } from './fsio.js';

export function freezeV1(dir: string): void {
  // A task in an uninterruptible sleep can keep the cgroup FREEZING for a while; runc re-requests
  // FROZEN in a loop and thaws briefly every 50 tries to let such tasks make progress. ~10 s.
  try {
    for (let i = 0; i < 1000; i++) {
      if (i % 50 === 49) {
        writeCgroupFile(dir, 'freezer.state', 'THAWED');
        sleepMs(10);
      }
      writeCgroupFile(dir, 'freezer.state', 'FROZEN');
      const state = readCgroupFile(dir, 'freezer.state').trim();
      if (state === 'FROZEN') return;
      if (state !== 'FREEZING') throw new CgroupError(`cgroup: unexpected freezer state ${JSON.stringify(state)} in ${dir} while freezing`);
      if (i % 25 === 24) sleepMs(1);
    }
    throw new CgroupError(`cgroup: ${dir}: unable to freeze (still FREEZING after ~10 s)`);
  } catch (e) {
    try {
      writeCgroupFile(dir, 'freezer.state', 'THAWED');
    } catch {
      // the cgroup is gone or broken; report the original problem
    }
    throw e;
  }
}

export function thawV1(dir: string): void {
  writeCgroupFile(dir, 'freezer.state', 'THAWED');
}

/** Frozen by its own state (not merely because an ancestor is frozen), like runc's GetFreezerState. */
export function isFrozenV1(dir: string): boolean {
  for (let i = 0; i < 10000; i++) {
    const state = tryReadCgroupFile(dir, 'freezer.state')?.trim();
    if (state === undefined || state === 'THAWED') return false;
    if (state === 'FROZEN') {
      const self = tryReadCgroupFile(dir, 'freezer.self_freezing')?.trim();
      return self === undefined || self === '1';
    }
    sleepMs(1); // FREEZING: a freeze is in progress; report how it ends
  }
  throw new CgroupError(`cgroup: ${dir}: stuck in FREEZING`);
}

function eventsFrozen(dir: string): boolean {
  const events = readCgroupFile(dir, 'cgroup.events');
  return /^frozen 1$/m.test(events);
}

/** Wait for cgroup.events to agree with cgroup.freeze (at most ~10 s, as runc). */
function waitFrozen(dir: string, want: boolean): void {
  for (let i = 0; i < 1000; i++) {
    if (eventsFrozen(dir) === want) return;
    sleepMs(10);
  }
  throw new CgroupError(`cgroup: ${dir}: timed out after 10 s waiting for the cgroup to ${want ? 'freeze' : 'thaw'}`);
}

export function freezeV2(dir: string): void {
  writeCgroupFile(dir, 'cgroup.freeze', '1');
  try {
    waitFrozen(dir, true);
  } catch (e) {
    try {
      writeCgroupFile(dir, 'cgroup.freeze', '0');
    } catch {
      // keep the original error
    }
    throw e;
  }
}

export function thawV2(dir: string): void {
  writeCgroupFile(dir, 'cgroup.freeze', '0');
}

export function isFrozenV2(dir: string): boolean {
  const want = tryReadCgroupFile(dir, 'cgroup.freeze')?.trim();
  if (want !== '1') return false;
  waitFrozen(dir, true);
  return true;
}

/**
 * Whether the container cgroup at `paths` (as a manager reports them) is frozen: the v1 freezer
 * hierarchy where there is one, else cgroup2's cgroup.freeze. Cheap to import on its own, so a
 * status check need not load a whole manager.
 */
export function isFrozenAt(paths: Readonly<Record<string, string>>): boolean {
  if (paths.freezer) return isFrozenV1(paths.freezer);
  if (paths['']) return isFrozenV2(paths['']);
  return false;
}
