// `start`: release the init blocked on the exec fifo, then run poststart hooks.
import { TsrcError } from '../util/errors.js';
import { log } from '../util/log.js';
import { releaseInit } from './fifo.js';
import { runHooksWarnOnFailure } from './hooks.js';
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
    log.debug(`start ${c.id}: init pid ${c.state.pid} released through its exec fifo`);
  } finally {
    unlock();
  }
  await runPoststart(c);
}

export async function runPoststart(c: Container): Promise<void> {
  if (c.state.hooks.poststart.length) await runHooksWarnOnFailure('poststart', c.state.hooks.poststart, JSON.stringify(publicState(c.state, 'running')));
}
