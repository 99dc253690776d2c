// The exec fifo: the init blocks on it after create; `start` opening it for writing releases the
// init, and ENXIO on that open means nobody is reading, i.e. the init has died.
import { closeSync, openSync, unlinkSync, writeSync, constants } from 'node:fs';
import { mkfifo } from '../sys/native.js';
import { TsrcError, errnoCode } from '../util/errors.js';

export function makeFifo(path: string): void {
  mkfifo(path, 0o622);
}

/** Releases the waiting init; throws if it is gone. Removes the fifo, which marks the container started. */
export function releaseInit(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (e) {
    if (errnoCode(e) === 'ENXIO') throw new TsrcError('cannot start container: its init process has exited');
    if (errnoCode(e) === 'ENOENT') throw new TsrcError('cannot start an already running container');
    throw e;
  }
  try {
    writeSync(fd, Buffer.from([0]));
  } finally {
    closeSync(fd);
  }
  unlinkSync(path);
}
