// Opening an existing container: its state, current status and (for the commands that need it)
// its cgroup manager, all derived from what create saved plus what the kernel says now. The
// manager's code is only loaded by commands that use it: state, start and kill need none of it.
import type { CgroupManager } from '../cgroups/api.js';
import { validateContainerId } from '../spec/id.js';
import type { Status } from '../spec/types.js';
import { containerDir, deriveStatus, loadState } from './state.js';
import type { SavedState } from './state.js';

export interface Container {
  root: string;
  id: string;
  dir: string;
  state: SavedState;
  status(): Status;
  /** Only after openContainer(…, { cgroup: true }). */
  cgroup(): CgroupManager;
}

export async function openContainer(root: string, id: string, opts: { cgroup?: boolean } = {}): Promise<Container> {
  validateContainerId(id);
  const dir = containerDir(root, id);
  const state = loadState(root, id);
  let cg: CgroupManager | undefined;
  if (opts.cgroup) {
    const { loadCgroupManager } = await import('../cgroups/index.js');
    cg = loadCgroupManager(state.cgroup.mode, state.cgroup.paths, state.cgroup.created, state.cgroup.systemd);
  }
  return {
    root,
    id,
    dir,
    state,
    status: () => deriveStatus(dir),
    cgroup: () => {
      if (!cg) throw new Error('internal: container opened without its cgroup manager');
      return cg;
    },
  };
}
