// linux.resources.unified: raw cgroup v2 files. Keys are file names in the container's cgroup;
// values are written line by line (io.max and friends take one device per write).
import { CgroupError } from '../api.js';
import { tryReadCgroupFile } from '../fsio.js';
import type { WriteContext } from './context.js';

export function applyUnified(ctx: WriteContext, dir: string, unified: Record<string, string>, available: (controller: string) => boolean): void {
  for (const [key, value] of Object.entries(unified)) {
    if (key === '' || key.includes('/') || key === '.' || key === '..') {
      throw new CgroupError(`linux.resources.unified: ${JSON.stringify(key)} must be a file name in the cgroup (no slashes)`);
    }
    const dot = key.indexOf('.');
    if (dot <= 0) throw new CgroupError(`linux.resources.unified: ${JSON.stringify(key)} must look like <controller>.<file>`);
    const controller = key.slice(0, dot);
    // The spec: error when the key refers to a controller that is not present or cannot be enabled.
    if (controller !== 'cgroup' && !available(controller)) {
      throw new CgroupError(`linux.resources.unified: ${JSON.stringify(key)}: the ${controller} controller is not available in ${dir}`);
    }
    if (typeof value !== 'string') throw new CgroupError(`linux.resources.unified.${key}: must be a string`);
    const lines = value.split('\n').filter((l) => l.trim() !== '');
    if (lines.length === 0) lines.push(value);
    for (const line of lines) ctx.write(dir, key, line);
  }
}

/** Controllers usable in a v2 cgroup: those in its cgroup.controllers. */
export function controllersOf(dir: string): Set<string> {
  return new Set((tryReadCgroupFile(dir, 'cgroup.controllers') ?? '').split(/\s+/).filter(Boolean));
}
