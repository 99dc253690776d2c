// A container directory without state.json is what a create killed (SIGKILL, a crash) before it
// saved any state leaves behind: the directory and nothing else that needs undoing, since create
// saves its state (pid 0, so "stopped") before it makes the exec fifo, the cgroup or the init.
// If no live command holds the directory's lock, it is debris: removing it lets `delete --force`
// leave nothing and lets the id be created again. A create still in progress holds the lock.
import { closeSync, constants, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from '../util/errors.js';
import { flock, LOCK_EX, LOCK_NB } from '../sys/native.js';
import { containerDir, removeContainerDir } from './state.js';

/** Removes root/id if it is a directory without state.json that nobody holds; whether it did. */
export function removeStaleDir(root: string, id: string): boolean {
  const dir = containerDir(root, id);
  let fd: number;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch {
    return false;
  }
  try {
    try {
      flock(fd, LOCK_EX | LOCK_NB);
    } catch (e) {
      if (errnoCode(e) === 'EWOULDBLOCK' || errnoCode(e) === 'EAGAIN') return false;
      throw e;
    }
    if (existsSync(join(dir, 'state.json'))) return false;
    removeContainerDir(dir);
    return true;
  } finally {
    closeSync(fd);
  }
}
