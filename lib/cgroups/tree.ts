// Creating and removing the container's cgroup directories, remembering which ones we made so
// destroy() removes exactly those (plus the container's own directories) and nothing else.
import { posix } from 'node:path';
import { CgroupError } from './api.js';
import { mkdirOnce, onCgroupfs, removeCgroupTree, rmdirRetry } from './fsio.js';

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

/** True if `dir` is `leaf` or one of its ancestors. */
function isAncestorOrSelf(dir: string, leaf: string): boolean {
  return leaf === dir || leaf.startsWith(dir.endsWith('/') ? dir : dir + '/');
}

/**
 * Remove each leaf (with any sub-cgroups the container made), then the parents we created,
 * deepest first, if they are empty: a parent that now holds another container stays.
 * Entries of `created` that are not ancestors of a leaf are ignored (never trust a state file
 * to name arbitrary directories).
 */
export function destroyTree(leaves: string[], created: string[]): void {
  const uniqueLeaves = [...new Set(leaves)];
  const errors: string[] = [];
  for (const leaf of uniqueLeaves) {
    try {
      const where = onCgroupfs(leaf);
      if (where === 'missing') continue;
      if (where === 'no') throw new CgroupError(`cgroup: refusing to remove ${leaf}: not a cgroup directory`);
      removeCgroupTree(leaf);
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  const parents = [...new Set(created)]
    .filter((d) => !uniqueLeaves.includes(d) && uniqueLeaves.some((l) => isAncestorOrSelf(d, l)))
    .sort((a, b) => b.split('/').length - a.split('/').length);
  for (const dir of parents) {
    try {
      if (onCgroupfs(dir) !== 'yes') continue;
      rmdirRetry(dir, { ifEmpty: true });
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  if (errors.length === 1) throw new CgroupError(errors[0]);
  if (errors.length > 1) throw new CgroupError(`${errors[0]} (and ${errors.length - 1} more)`);
}
