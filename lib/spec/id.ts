// Container IDs. runc's rule (libcontainer validateID): non-empty, only A-Z a-z 0-9 _ + - . and
// usable as one file name (so not "." or ".."). runc's message is "invalid container ID format";
// tsrc keeps that text (callers may match on it) and adds which ID and why.
import { IdError } from './errors.js';

/**
 * The ID names a directory under --root (and a cgroup), so it must fit in one path component:
 * NAME_MAX is 255 bytes on Linux. runc sets no limit and fails later with ENAMETOOLONG.
 */
export const MAX_CONTAINER_ID_LENGTH = 255;

const ALLOWED = /^[A-Za-z0-9_+.-]+$/;

/** Throws IdError `invalid container ID format: "<id>": <reason>` unless `id` is valid. */
export function validateContainerId(id: string): void {
  const reason = idProblem(id);
  if (reason) throw new IdError(`invalid container ID format: ${JSON.stringify(id)}: ${reason}`);
}

/** Why `id` is not a valid container ID, or null if it is. */
export function idProblem(id: string): string | null {
  if (typeof id !== 'string' || id.length === 0) return 'must not be empty';
  if (!ALLOWED.test(id)) return 'may only contain A-Z a-z 0-9 _ + - .';
  if (id === '.' || id === '..') return 'must not be "." or ".."';
  if (id.length > MAX_CONTAINER_ID_LENGTH) return `must be at most ${MAX_CONTAINER_ID_LENGTH} characters`;
  return null;
}
