// Creating and removing the container's cgroup directories, remembering which ones we made so
// destroy() removes exactly those (plus the container's own directories) and nothing else.
import { posix } from 'node:path';
import { CgroupError } from './api.js';
import { cgroupRemove } from '../sys/native.js';
import type { NativeOpError } from '../sys/native.js';
import { opError } from './errors.js';
import { mkdirOnce } from './fsio.js';

export interface ChainHooks {
  /** Called with each existing or new directory from the mount point's child down to `leaf`'s parent, before its child is made. */
  beforeChild?(parent: string): void;
  /** Called for each directory below the mount point down to `leaf`, after it exists. */
  afterDir?(dir: string, parent: string): void;
}

/**
 * mkdir -p from `mountpoint` (which must exist) down to `leaf`, appending each directory this call
 * creates to `created` at once (shallowest first), so a failure halfway still leaves a complete
 * record for destroy(). A parent removed by a concurrent destroy() makes us start over.
 */
export function createChain(mountpoint: string, leaf: string, created: string[], hooks: ChainHooks = {}): void {
  const rel = posix.relative(mountpoint, leaf);
  if (rel === '' || rel.startsWith('..')) throw new CgroupError(`cgroup: ${leaf} is not below the cgroup mount ${mountpoint}`);
  const parts = rel.split('/');
  for (let attempt = 0; attempt < 5; attempt++) {
    let parent = mountpoint;
    let restart = false;
    for (const part of parts) {
      hooks.beforeChild?.(parent);
      const dir = posix.join(parent, part);
      const r = mkdirOnce(dir);
      if (r === 'parent-missing') {
        restart = true;
        break;
      }
      if (r === 'created' && !created.includes(dir)) created.push(dir);
      hooks.afterDir?.(dir, parent);
      parent = dir;
    }
    if (!restart) return;
  }
  throw new CgroupError(`cgroup: mkdir ${leaf}: a parent directory keeps disappearing (concurrent removal?)`);
}

/**
 * Remove each leaf (with any sub-cgroups the container made), then the parents we created,
 * deepest first, if they are empty: a parent that now holds another container stays.
 * Entries of `created` that are not ancestors of a leaf are ignored (never trust a state file
 * to name arbitrary directories), and nothing off a cgroup filesystem is touched. Written once, in
 * C (native/fast/cgroup_rm.c), which build/tsrc's delete runs too.
 */
export function destroyTree(leaves: string[], created: string[]): void {
  try {
    cgroupRemove(leaves, created);
  } catch (e) {
    const err = e as NativeOpError;
    const first =
      err.syscall === 'refuse'
        ? new CgroupError(`cgroup: refusing to remove ${err.path}: not a cgroup directory`)
        : opError(err.syscall ?? 'rmdir', err.path ?? '', e);
    if ((err.count ?? 1) > 1) throw new CgroupError(`${first.message} (and ${(err.count ?? 1) - 1} more)`, first.code);
    throw first;
  }
}
