// `delete`: stop what is left, remove the cgroup and state, then run poststop hooks.
import { TsrcError } from '../util/errors.js';
import { log } from '../util/log.js';
import { removeCgroup } from './cgroup-ops.js';
import { runHooksWarnOnFailure } from './hooks.js';
import { signalAll } from './kill.js';
import { lockContainer } from './lock.js';
import type { Container } from './load.js';
import { sleepMs, waitGone } from './proc.js';
import { publicState, removeContainerDir } from './state.js';

const SIGKILL = 9;

export async function deleteContainer(c: Container, force: boolean): Promise<void> {
  const unlock = lockContainer(c.dir);
  try {
    const status = c.status();
    if (status !== 'stopped') {
      // runc deletes a created (never started) container without --force: containerd relies on it.
      if (status !== 'created' && !force) throw new TsrcError(`cannot delete container ${c.id} that is not stopped: ${status}`);
      signalAll(c, SIGKILL);
      log.debug(`delete ${c.id}: ${status} container killed (SIGKILL)`);
      // Frozen tasks only act on SIGKILL once thawed.
      if (status === 'paused') c.cgroup().thaw();
      if (!waitGone(c.state.pid, c.state.pidStartTime, 10_000)) throw new TsrcError(`container ${c.id}: init ${c.state.pid} did not exit after SIGKILL`);
    }
    await destroy(c);
  } finally {
    unlock();
  }
  await runPoststop(c);
}

async function destroy(c: Container): Promise<void> {
  const cg = c.cgroup();
  // Without a private pid namespace, other processes may outlive the init.
  for (let tries = 0; tries < 200 && cg.pids().length > 0; tries++) {
    signalAll(c, SIGKILL);
    sleepMs(10);
  }
  await removeCgroup(cg);
  removeContainerDir(c.dir);
  log.debug(`delete ${c.id}: cgroup and state directory ${c.dir} removed`);
}

async function runPoststop(c: Container): Promise<void> {
  if (c.state.hooks.poststop.length) await runHooksWarnOnFailure('poststop', c.state.hooks.poststop, JSON.stringify(publicState(c.state, 'stopped')));
}
