// The three cgroup steps whose shape differs with the systemd driver: systemd creates the cgroup
// when the init's first stage is handed to it (StartTransientUnit), removes it with StopUnit, and
// takes limit changes through SetUnitProperties. Everything else is the same CgroupManager.
import type { CgroupManager } from '../cgroups/api.js';
import { isSystemdManager } from '../cgroups/systemd/manager.js';
import type { Resources } from '../spec/types.js';

export async function placeInit(cg: CgroupManager, pid: number): Promise<void> {
  if (isSystemdManager(cg)) await cg.start(pid);
  else cg.join(pid);
}

export async function removeCgroup(cg: CgroupManager): Promise<void> {
  if (isSystemdManager(cg)) await cg.stop();
  else cg.destroy();
}

export async function updateCgroup(cg: CgroupManager, r: Resources): Promise<void> {
  if (isSystemdManager(cg)) await cg.update(r);
  else cg.apply(r);
}

/** What state.json keeps to reload the manager (the systemd unit, if any). */
export function savedDriver(cg: CgroupManager): { unit: string } | undefined {
  return isSystemdManager(cg) ? cg.saved : undefined;
}
