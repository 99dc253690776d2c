// `kill`: signal the init, or with --all every process in the container's cgroup.
import { NotRunningError } from '../util/errors.js';
import { log } from '../util/log.js';
import type { Container } from './load.js';

function signalPid(pid: number, sig: number): void {
  // A create killed before it started the init saved pid 0; kill(0) would hit our own group.
  if (pid <= 0) return;
  try {
    process.kill(pid, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/** Every process in the cgroup (frozen around the signal, as runc does), and the init even if it left the cgroup. */
export function signalAll(c: Container, sig: number): void {
  c.cgroup().killAll(sig);
  signalPid(c.state.pid, sig);
}

export async function killContainer(c: Container, sig: number, all: boolean): Promise<void> {
  const stopped = c.status() === 'stopped';
  if (all && stopped) {
    // runc: an init that has exited does not end the container's other processes when they are
    // not in its pid namespace (--pid host, a pod's shared one); they are still in its cgroup
    // and get the signal (containerd's shim sends kill --all on every init exit). The init's pid
    // itself is not signalled: it may have been reused.
    const cg = c.cgroup();
    if (cg.exists()) cg.killAll(sig);
    return;
  }
  if (stopped) throw new NotRunningError();
  if (all) signalAll(c, sig);
  else signalPid(c.state.pid, sig);
  log.debug(`kill ${c.id}: signal ${sig} sent to ${all ? 'every process in its cgroup' : `init pid ${c.state.pid}`}`);
}
