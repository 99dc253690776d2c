// One runtime under test: its binary, its private --root, and the ids it may still hold.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorLine, processGone, sleepMs } from './util.mjs';

export class Runtime {
  /** `bin` may be null when the runtime is not installed; every call then fails with `missing`. */
  constructor(name, bin, tmp, measurer, { missing = '' } = {}) {
    this.name = name;
    this.bin = bin;
    this.root = join(tmp, `root-${name}`);
    this.measurer = measurer;
    this.missing = missing;
    this.live = new Set(); // ids that may exist: added before create, removed after a successful delete
    mkdirSync(this.root, { recursive: true });
  }

  argv(args) {
    return [this.bin, '--root', this.root, ...args];
  }

  /** Timed call of `<bin> --root R args...`; see Measurer.run for the result. */
  call(args, opts = {}) {
    if (this.missing) return { ms: NaN, maxRssKiB: NaN, ok: false, failed: 1, error: this.missing };
    return this.measurer.run(this.argv(args), opts);
  }

  /** First line(s) of `--version`, or the error it printed. */
  version() {
    if (this.missing) return `n/a (${this.missing})`;
    const r = spawnSync(this.bin, ['--version'], { encoding: 'utf8', timeout: 30000 });
    if (r.error) return `n/a (error: ${r.error.message})`;
    if (r.status !== 0) return `n/a (error: ${errorLine(r.stderr || r.stdout) || `exit ${r.status}`})`;
    return r.stdout.split('\n').filter(Boolean).slice(0, 2).join('; ');
  }

  /** Best-effort removal used on error paths and in the final cleanup; never throws. */
  forceDelete(id) {
    // All three runtimes keep one state directory per container under --root: none, nothing to delete.
    // (Processes and cgroups a failed create left without state are swept by the final cleanup.)
    if (!this.hasState(id)) {
      this.live.delete(id);
      return;
    }
    const r = spawnSync(this.bin, ['--root', this.root, 'delete', '--force', id], { stdio: 'ignore', timeout: 30000 });
    if (r.status === 0 || !existsSync(join(this.root, id))) this.live.delete(id);
  }

  /** True when --root holds a state directory for `id`. */
  hasState(id) {
    return !this.missing && existsSync(join(this.root, id));
  }

  deleted(id) {
    this.live.delete(id);
  }
}

/** Pid written by `create --pid-file`, or null. */
export function readPid(path) {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Waits until `pid` has exited; false after `timeoutMs`. */
export function waitGone(pid, timeoutMs = 10000) {
  const end = Date.now() + timeoutMs;
  while (!processGone(pid)) {
    if (Date.now() > end) return false;
    sleepMs(1);
  }
  return true;
}
