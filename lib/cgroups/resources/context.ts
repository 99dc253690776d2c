// What a per-resource writer needs from its manager: where to write, how, and where warnings go.
import { CgroupError } from '../api.js';

export interface WriteContext {
  /** Write one value to one file; throws a one-line CgroupError naming file and value. */
  write(dir: string, file: string, value: string): void;
  /** Record a setting the kernel cannot honour (returned via manager.warnings, never printed). */
  warn(message: string): void;
}

/** Errors that mean "this kernel lacks the knob" rather than "the value is wrong". */
export function isMissingKnob(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === 'ENOENT' || code === 'EOPNOTSUPP' || code === 'ENOTSUP';
}

/** Write, but turn a missing knob into a warning. Returns false if it was skipped. */
export function writeOrWarn(ctx: WriteContext, dir: string, file: string, value: string, what: string): boolean {
  try {
    ctx.write(dir, file, value);
    return true;
  } catch (e) {
    if (!isMissingKnob(e)) throw e;
    ctx.warn(`${what} is not supported by this kernel (${file}: ${(e as Error).message.replace(/^.*: /, '')}); ignored`);
    return false;
  }
}

export function invalid(field: string, why: string): CgroupError {
  return new CgroupError(`linux.resources.${field}: ${why}`);
}

/** A spec integer that must be a safe integer (the schema allows int64; JS cannot hold all of them). */
export function int(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(field, `must be an integer, got ${JSON.stringify(v)}`);
  return v;
}

export function uint(field: string, v: unknown): number {
  const n = int(field, v);
  if (n < 0) throw invalid(field, `must not be negative, got ${n}`);
  return n;
}
