// `pause`/`resume`: the cgroup freezer (v1 freezer.state, v2 cgroup.freeze).
import { TsrcError } from '../util/errors.js';
import { lockContainer } from './lock.js';
import type { Container } from './load.js';

export function pauseContainer(c: Container): void {
  const unlock = lockContainer(c.dir);
  try {
    const status = c.status();
    if (status !== 'running' && status !== 'created') throw new TsrcError(`container not running`);
    c.cgroup().freeze();
  } finally {
    unlock();
  }
}

export function resumeContainer(c: Container): void {
  const unlock = lockContainer(c.dir);
  try {
    if (c.status() !== 'paused') throw new TsrcError('container not paused');
    c.cgroup().thaw();
  } finally {
    unlock();
  }
}
