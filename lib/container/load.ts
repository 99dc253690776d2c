// Opening an existing container: its state, current status and cgroup manager, all derived from
// what create saved plus what the kernel says now.
import type { CgroupManager } from '../cgroups/api.js';
import { loadCgroupManager } from '../cgroups/index.js';
import type { Status } from '../spec/types.js';
import { containerDir, deriveStatus, loadState } from './state.js';
import type { SavedState } from './state.js';

export interface Container {
  root: string;
  id: string;
  dir: string;
  state: SavedState;
  status(): Status;
  cgroup(): CgroupManager;
}

export async function validId(id: string): Promise<void> {
  const { validateContainerId } = await import('../spec/id.js');
  validateContainerId(id);
}

export async function openContainer(root: string, id: string): Promise<Container> {
  await validId(id);
  const dir = containerDir(root, id);
  const state = loadState(root, id);
  let cg: CgroupManager | undefined;
  const cgroup = (): CgroupManager => (cg ??= loadCgroupManager(state.cgroup.mode, state.cgroup.paths, state.cgroup.created, state.cgroup.systemd));
  return {
    root,
    id,
    dir,
    state,
    status: () => deriveStatus(dir, state, () => cgroup().isFrozen()),
    cgroup,
  };
}
