// `kill`: signal the init, or with --all every process in the container's cgroup.
import { NotRunningError } from '../util/errors.js';
import type { Container } from './load.js';

function signalPid(pid: number, sig: number): void {
  try {
    process.kill(pid, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

export async function signalAll(c: Container, sig: number): Promise<void> {
  const cg = await c.cgroup();
  const pids = new Set(cg.pids());
  pids.add(c.state.pid);
  for (const pid of pids) signalPid(pid, sig);
}

export async function killContainer(c: Container, sig: number, all: boolean): Promise<void> {
  if (c.status() === 'stopped') throw new NotRunningError();
  if (all) await signalAll(c, sig);
  else process.kill(c.state.pid, sig);
}
