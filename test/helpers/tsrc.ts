// Runs the real tsrc CLI the way callers do, with the container's stdio on files (a pipe would
// keep the test waiting for EOF while the container lives), and checks what is left behind.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** What callers are told to use (README): build/tsrc, the native fast path that execs Node (with the startup snapshot) for other calls. */
export const TSRC_LAUNCHER = join(REPO, 'build', 'tsrc');

/** The command under test: bin/tsrc (always Node), or another build of it (TSRC_BIN=build/tsrc runs a suite through the fast path). */
export const TSRC = process.env.TSRC_BIN ? join(REPO, process.env.TSRC_BIN) : join(REPO, 'bin', 'tsrc');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Config = Record<string, any>;

export interface TestBundle {
  dir: string;
  id: string;
  /** linux.cgroupsPath of the bundle: /tsrc-test/<id>. */
  cgroupsPath: string;
}

export interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

export class Harness {
  readonly root: string;
  readonly work: string;
  constructor(readonly name: string) {
    this.work = mkdtempSync(join(tmpdir(), `tsrc-${name}-`));
    this.root = join(this.work, 'state');
  }

  private made = 0;

  /** A busybox bundle (scripts/make-bundle.mjs) running `sh -c script`, in cgroup /tsrc-test/<id>; `patch` edits config.json. */
  async bundle(script: string, patch: (c: Config) => void = () => {}): Promise<TestBundle> {
    const id = `${this.name}-${process.pid}-${++this.made}`;
    const dir = join(this.work, id);
    const cgroupsPath = `/tsrc-test/${id}`;
    // @ts-expect-error: plain ESM script without types
    const { makeBundle } = await import('../../scripts/make-bundle.mjs');
    await makeBundle(dir, ['sh', '-c', script], (c: Config) => {
      c.linux.cgroupsPath = cgroupsPath;
      patch(c);
      return c;
    });
    return { dir, id, cgroupsPath };
  }

  /** Runs `tsrc --root <root> ...args`; stdin from `input` file or /dev/null. */
  /** `bin` runs another build of the command (TSRC_LAUNCHER: build/tsrc with its native fast path). */
  tsrc(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeout?: number; global?: string[]; bin?: string } = {}): Result {
    const out = join(this.work, `out.${process.hrtime.bigint()}`);
    const err = `${out}.err`;
    const o = openSync(out, 'w');
    const e = openSync(err, 'w');
    const i = openSync(opts.input ?? '/dev/null', 'r');
    try {
      const r = spawnSync(opts.bin ?? TSRC, ['--root', this.root, ...(opts.global ?? []), ...args], {
        stdio: [i, o, e],
        env: opts.env ?? process.env,
        timeout: opts.timeout ?? 60_000,
      });
      // A timeout is how tests end commands that run until stopped (events); its output still counts.
      if (r.error && (r.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw r.error;
      return { status: r.status, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') };
    } finally {
      closeSync(o);
      closeSync(e);
      closeSync(i);
      rmSync(out, { force: true });
      rmSync(err, { force: true });
    }
  }

  /** What a container left behind: state dir entries and cgroup directories named for it. */
  leftovers(id: string, cgroupsPath: string): string[] {
    const found: string[] = [];
    if (existsSync(join(this.root, id))) found.push(join(this.root, id));
    for (const base of cgroupBases()) {
      const p = join(base, cgroupsPath);
      if (existsSync(p)) found.push(p);
    }
    return found;
  }

  cleanup(): void {
    if (existsSync(this.root)) {
      for (const id of readdirSync(this.root)) this.tsrc(['delete', '--force', id]);
    }
    rmSync(this.work, { recursive: true, force: true });
  }
}

/** Mount points of every cgroup hierarchy on this host (v1 controllers, and v2). */
export function cgroupBases(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => / - cgroup2? /.test(l))
    .map((l) => l.split(' ')[4]);
}

export function cgroupVersion(): 'v1' | 'v2' {
  return cgroupBases().some((b) => b === '/sys/fs/cgroup') ? 'v2' : 'v1';
}

/** Root tests run as root; in CI (CI=true) being unable to run them is a failure, never a skip. */
export function haveRoot(t: { fail: (msg: string) => void; plan: (n: number, why?: string) => void }): boolean {
  if (process.getuid?.() === 0) return true;
  if (process.env.CI === 'true') t.fail('root is required for this test and CI=true: refusing to skip');
  else t.plan(0, 'skip: needs root');
  return false;
}

/** The message of tsrc's last error line on stderr (`time=… level=error msg="…"`), as runc prints it. */
export function errorMessage(stderr: string): string | undefined {
  const line = stderr.trim().split('\n').reverse().find((l) => / level=error msg=/.test(l));
  const m = line && /msg=("(?:[^"\\]|\\.)*")/.exec(line);
  return m ? (JSON.parse(m[1]) as string) : undefined;
}
