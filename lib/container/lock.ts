// One exclusive flock per container directory, so concurrent commands on the same container
// (create racing delete, two kills…) never interleave their reads and writes of its state.
import { closeSync, openSync, constants } from 'node:fs';
import { flock } from '../sys/native.js';

const LOCK_EX = 2;

export function lockContainer(dir: string): () => void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    flock(fd, LOCK_EX);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return () => closeSync(fd); // closing the fd drops the lock
}
