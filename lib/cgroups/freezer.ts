// Freezing a cgroup: v1 freezer.state (FREEZING until every task stopped), v2 cgroup.freeze
// (done when cgroup.events says "frozen 1"). Both wait until the freeze has really happened.
// The protocol is written once, in C (native/fast/freezer.c), which build/tsrc's pause/resume run
// too; these are its TypeScript entry points, with errors as CgroupErrors.
import { cgroupFreeze, cgroupIsFrozen, cgroupThaw } from '../sys/native.js';
import type { NativeOpError } from '../sys/native.js';
import { CgroupError } from './api.js';
import { describeErrno, errnoCode } from './errors.js';

function freezerError(dir: string, e: unknown): CgroupError {
  const err = e as NativeOpError;
  const what = err.why ? `${err.why}: ` : '';
  return new CgroupError(`cgroup: ${dir}: ${what}${describeErrno(e)}`, errnoCode(e));
}

function native<T>(dir: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw freezerError(dir, e);
  }
}

/** Freezes the v1 freezer cgroup at dir; on failure it is thawed again. ~10 s at most. */
export function freezeV1(dir: string): void {
  native(dir, () => cgroupFreeze(dir, false));
}

export function thawV1(dir: string): void {
  native(dir, () => cgroupThaw(dir, false));
}

/** Frozen by its own state (not merely because an ancestor is frozen), like runc's GetFreezerState. */
export function isFrozenV1(dir: string): boolean {
  return native(dir, () => cgroupIsFrozen(dir, false));
}

export function freezeV2(dir: string): void {
  native(dir, () => cgroupFreeze(dir, true));
}

export function thawV2(dir: string): void {
  native(dir, () => cgroupThaw(dir, true));
}

export function isFrozenV2(dir: string): boolean {
  return native(dir, () => cgroupIsFrozen(dir, true));
}

/**
 * Whether the container cgroup at `paths` (as a manager reports them) is frozen: the v1 freezer
 * hierarchy where there is one, else cgroup2's cgroup.freeze.
 */
export function isFrozenAt(paths: Readonly<Record<string, string>>): boolean {
  if (paths.freezer) return isFrozenV1(paths.freezer);
  if (paths['']) return isFrozenV2(paths['']);
  return false;
}
