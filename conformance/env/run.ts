// Runs a caller program (ctr, docker, podman) the way the conformance tests need: always bounded by
// `timeout -s KILL` (ctr forwards a plain SIGTERM to the container, so only KILL is a reliable bound),
// with stdout/stderr on files (a pipe inherited by a long-lived shim or container would keep us
// waiting for EOF), and stdin from a string, a file, or /dev/null.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { markOwner } from './owner.js';

export interface RunResult {
  /** Exit status; 137 when the bound `timeout -s KILL` killed the program. */
  status: number;
  stdout: string;
  stderr: string;
  /** True when the time bound was hit (status 137 and the elapsed time reached the bound). */
  timedOut: boolean;
  ms: number;
}

export interface RunOptions {
  /** Seconds before the program is SIGKILLed. */
  timeout?: number;
  /** Text for stdin (written to a file first), or a path with `stdinFile`. */
  input?: string;
  stdinFile?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run under a pseudo-terminal (util-linux `script`), for `ctr run -t` and `ctr task exec -t`. */
  tty?: boolean;
}

let scratch: string | undefined;
function scratchDir(): string {
  if (!scratch) {
    scratch = mkdtempSync('/tmp/tsrc-conf-io-');
    markOwner(scratch);
  }
  return scratch;
}

/** Removes the directory that holds captured output; call once in the suite's teardown. */
export function cleanupRunScratch(): void {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
}

let seq = 0;

const shellQuote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** Runs `cmd args...` bounded by `timeout -s KILL`; never throws for a non-zero exit. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const dir = scratchDir();
  const n = ++seq;
  const outPath = join(dir, `${n}.out`);
  const errPath = join(dir, `${n}.err`);
  let inPath = opts.stdinFile ?? '/dev/null';
  if (opts.input !== undefined) {
    inPath = join(dir, `${n}.in`);
    writeFileSync(inPath, opts.input);
  }
  const limit = opts.timeout ?? 30;
  let argv = ['-s', 'KILL', String(limit), cmd, ...args];
  if (opts.tty) {
    // `script` gives the program a pty as its controlling terminal and copies the pty output to
    // our stdout; -e returns the program's exit status.
    argv = ['-s', 'KILL', String(limit), 'script', '-qefc', [cmd, ...args].map(shellQuote).join(' '), '/dev/null'];
  }
  const o = openSync(outPath, 'w');
  const e = openSync(errPath, 'w');
  const i = openSync(inPath, 'r');
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('timeout', argv, { stdio: [i, o, e], env: opts.env ?? process.env, cwd: opts.cwd });
    closeSync(o);
    closeSync(e);
    closeSync(i);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const ms = Date.now() - start;
      const status = code ?? (signal === 'SIGKILL' ? 137 : 128);
      const res: RunResult = {
        status,
        stdout: readFileSync(outPath, 'utf8'),
        stderr: readFileSync(errPath, 'utf8'),
        timedOut: status === 137 && ms >= limit * 1000 - 50,
        ms,
      };
      rmSync(outPath, { force: true });
      rmSync(errPath, { force: true });
      if (opts.input !== undefined) rmSync(inPath, { force: true });
      resolve(res);
    });
  });
}

/** A one-line description of a result, for assertion messages. */
export function describe(r: RunResult): string {
  const clip = (s: string) => (s.length > 600 ? `${s.slice(0, 600)}…` : s).trim();
  return `exit ${r.status}${r.timedOut ? ' (timed out)' : ''}; stdout: ${JSON.stringify(clip(r.stdout))}; stderr: ${JSON.stringify(clip(r.stderr))}`;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` until it is true or `ms` passes; returns whether it became true. */
export async function waitUntil(cond: () => boolean | Promise<boolean>, ms = 10_000, every = 50): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > end) return false;
    await sleep(every);
  }
}
