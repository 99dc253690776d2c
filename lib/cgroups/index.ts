// Entry point of the cgroup library: build a manager for a new container, or reload one from state.
import { CgroupError, type CgroupManager } from './api.js';
import { detectLayout } from './layout.js';
import { innerPath, resolvePaths } from './paths.js';
import { V1Manager } from './v1-manager.js';
import { V2Manager } from './v2-manager.js';
import { createSystemdManager, loadSystemdManager, type SavedSystemd } from './systemd/manager.js';

export { CgroupError, type CgroupManager, type CgroupStats, type SelfJoin } from './api.js';
export { detectLayout, type CgroupLayout } from './layout.js';
export { statsToJSON, stringifyExact } from './stats-json.js';
export type { Stats, U64 } from './stats.js';

export interface CreateCgroupOptions {
  /** linux.cgroupsPath from config.json (see paths.ts for how it is resolved). */
  cgroupsPath?: string;
  /** Container id: the default path is /tsrc/<id>. */
  id: string;
  /** --systemd-cgroup: a SystemdManager (lib/cgroups/systemd/manager.ts; needs `await start(pid)`). */
  systemd?: boolean;
}

/** A manager for a new container's cgroup (nothing is created until create()). */
export function createCgroupManager(opts: CreateCgroupOptions): CgroupManager {
  if (opts.systemd) return createSystemdManager({ cgroupsPath: opts.cgroupsPath, id: opts.id });
  const layout = detectLayout();
  const paths = resolvePaths(layout, innerPath(opts.cgroupsPath, opts.id));
  return layout.mode === 'v2' ? new V2Manager(paths, [], layout) : new V1Manager(paths, [], layout);
}

/**
 * A manager for an existing cgroup, from the mode and paths (and, if persisted, the created list)
 * a previous createCgroupManager() reported.
 */
export function loadCgroupManager(mode: 'v1' | 'v2', paths: Record<string, string>, created: string[] = [], systemd?: SavedSystemd): CgroupManager {
  for (const [k, p] of Object.entries(paths)) {
    if (typeof p !== 'string' || !p.startsWith('/')) throw new CgroupError(`cgroup: saved path for ${JSON.stringify(k)} is not absolute: ${JSON.stringify(p)}`);
  }
  if (systemd) return loadSystemdManager(systemd, loadCgroupManager(mode, paths, created));
  if (mode === 'v2') return new V2Manager({ ...paths }, created);
  if (mode === 'v1') return new V1Manager({ ...paths }, created);
  throw new CgroupError(`cgroup: unknown cgroup mode ${JSON.stringify(mode)}`);
}
