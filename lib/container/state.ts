// Where a container's state lives (<root>/<id>/) and how it is read and written: atomically
// (temp file + rename), so a crash never leaves a half-written state behind.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Hook } from '../plan/types.js';
import type { State, Status } from '../spec/types.js';
import { NotExistError, TsrcError, errnoCode } from '../util/errors.js';
import { containerStatus } from '../sys/native.js';

export const OCI_VERSION = '1.3.0';

/** What tsrc keeps about a container; `tsrc state` prints a subset of it. */
export interface SavedState {
  ociVersion: string;
  id: string;
  pid: number;
  /** /proc/<pid>/stat starttime, so a reused pid is never mistaken for the container. */
  pidStartTime: number;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string>;
  cgroup: { mode: 'v1' | 'v2'; paths: Record<string, string>; created: string[]; systemd?: { unit: string } };
  /** Created with --no-new-keyring: exec'd processes keep the caller's keyring too. */
  noNewKeyring: boolean;
  /** Whether the init shares the host pid namespace: then kill/delete must signal every cgroup member. */
  sharedPidNs: boolean;
  hooks: { poststart: Hook[]; poststop: Hook[] };
}

export function containerDir(root: string, id: string): string {
  return join(root, id);
}

export function execFifoPath(dir: string): string {
  return join(dir, 'exec.fifo');
}

export function writeFileAtomic(path: string, data: string, mode = 0o600): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}

export function saveState(dir: string, s: SavedState): void {
  writeFileAtomic(join(dir, 'state.json'), JSON.stringify(s));
}

export function loadState(root: string, id: string): SavedState {
  try {
    return JSON.parse(readFileSync(join(containerDir(root, id), 'state.json'), 'utf8')) as SavedState;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') throw new NotExistError(id);
    throw e;
  }
}

export function exists(root: string, id: string): boolean {
  try {
    readFileSync(join(containerDir(root, id), 'state.json'));
    return true;
  } catch {
    return false;
  }
}

/**
 * stopped unless the saved pid is still the process that had the saved start time; created while
 * the exec fifo exists (until `start`); paused while the cgroup freezer says so; else running.
 * Computed from the state directory by native/fast/container_status.c, the code build/tsrc runs.
 */
export function deriveStatus(dir: string): Status {
  try {
    return containerStatus(dir);
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'stopped'; // deleted meanwhile
    if (code === 'EINVAL') throw new TsrcError(`${join(dir, 'state.json')}: not in tsrc's state format (schemas/state-file.schema.json)`);
    if (code === 'ETIMEDOUT') throw new TsrcError(`${dir}: the container's cgroup freezer did not settle (stuck FREEZING)`);
    throw e;
  }
}

/** The state object of runtime.md, plus runc's rootfs/created/owner fields. */
export function publicState(s: SavedState, status: Status): State & Record<string, unknown> {
  return {
    ociVersion: s.ociVersion,
    id: s.id,
    pid: status === 'stopped' ? 0 : s.pid,
    status,
    bundle: s.bundle,
    rootfs: s.rootfs,
    created: s.created,
    owner: s.owner,
    ...(s.annotations ? { annotations: s.annotations } : {}),
  };
}

export function removeContainerDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function ensureRoot(root: string): void {
  mkdirSync(root, { recursive: true, mode: 0o700 });
}
