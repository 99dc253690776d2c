// `start`: release the init blocked on the exec fifo, then run poststart hooks.
import { log } from '../util/log.js';
import { TsrcError } from '../util/errors.js';
import { releaseInit } from './fifo.js';
import { runHooks } from './hooks.js';
import { lockContainer } from './lock.js';
import type { Container } from './load.js';
import { execFifoPath, publicState } from './state.js';

export async function startContainer(c: Container): Promise<void> {
  const unlock = lockContainer(c.dir);
  try {
    const status = c.status();
    if (status === 'stopped') throw new TsrcError('cannot start a container that has stopped');
    if (status !== 'created') throw new TsrcError(`cannot start an already ${status} container`);
    releaseInit(execFifoPath(c.dir));
  } finally {
    unlock();
  }
  await runPoststart(c);
}

export async function runPoststart(c: Container): Promise<void> {
  if (!c.state.hooks.poststart.length) return;
  const state = JSON.stringify(publicState(c.state, 'running'));
  for (const [i, h] of c.state.hooks.poststart.entries()) {
    try {
      await runHooks('poststart', [h], state);
    } catch (e) {
      log.warn(`poststart hook #${i}: ${(e as Error).message}`);
    }
  }
}
