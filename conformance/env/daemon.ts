// A daemon a test environment started (containerd, dockerd): spawned under
// `setpriv --pdeathsig KILL` with its output appended to a log file, waited for until it answers on
// its socket, stopped with SIGTERM and then SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { sleep, waitUntil } from './run.js';

export class Daemon {
  private readonly proc: ChildProcess;
  private readonly exited: Promise<void>;

  /** Starts `argv` (program first) with stdout and stderr appended to `logPath`. */
  constructor(argv: string[], logPath: string, env?: NodeJS.ProcessEnv) {
    const log = openSync(logPath, 'a');
    // setpriv: the daemon dies with the test process even if no teardown runs.
    const proc = spawn('setpriv', ['--pdeathsig', 'KILL', '--', ...argv], { stdio: ['ignore', log, log], env });
    closeSync(log);
    this.proc = proc;
    this.exited = new Promise((resolve) => proc.on('exit', () => resolve()));
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /**
   * Polls (every `every` ms, for up to `ms`) until `socket` exists and `ready` holds, or the daemon
   * exits; returns whether it came up and still runs.
   */
  async waitReady(socket: string, ready: () => Promise<boolean>, ms: number, every: number): Promise<boolean> {
    const up = await waitUntil(async () => {
      if (!this.running) return true;
      return existsSync(socket) && (await ready());
    }, ms, every);
    return up && this.running;
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`; resolves once it exited. */
  async stop(graceMs: number): Promise<void> {
    if (!this.running) return;
    this.proc.kill('SIGTERM');
    const done = await Promise.race([this.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!done) {
      this.proc.kill('SIGKILL');
      await this.exited;
    }
  }
}

/** The last `lines` lines of a log file ('' if it cannot be read). */
export function logTail(path: string, lines = 30): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
