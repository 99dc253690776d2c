// Runs the C init (native/init) and speaks the sync protocol with it: spawnInit() creates a
// container process from a Plan; spawnExec() runs one more process in a container from an
// ExecPlan (`tsrc-init exec`); runInContainer() runs one hook inside a container's namespaces
// with `tsrc-init enter`. On any failure everything that was started is killed
// before the promise rejects, so a failed create leaves no process (and so no mount) behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync } from 'node:fs';
import type { Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import { getSystemErrorMap } from 'node:util';
import type { Hook } from '../plan/types.js';
import { NS_FLAGS } from '../plan/types.js';
import { type ExecHandle, InitError, type InitHandle, type SpawnExecOptions, type SpawnInitOptions } from './api.js';
import { pidfdOpen, pidfdSendSignal, pidfdWait } from './native.js';
import { initBinaryPath } from './paths.js';
import { FrameReader, ProtocolError, encodeContinue, encodeEnter, encodeExec, encodeHookState, encodePlan, type InitMessage } from './protocol.js';

const SIGKILL = osConstants.signals.SIGKILL;
/** How long to wait for the sync socket to drain after the first stage exited early. */
const DRAIN_MS = 500;

/**
 * "<step>: <detail>: <reason>": the reason is the C library's strerror with its first letter
 * lowered, as the init sent it, which is also how Go (so runc) words errno values.
 */
export function initErrorFromMessage(m: { step: string; errno: number; message: string; reason: string }): InitError {
  let text = `${m.step}: ${m.message}`;
  if (m.errno) text += `: ${m.reason || (getSystemErrorMap().get(-m.errno)?.[1] ?? `errno ${m.errno}`)}`;
  return new InitError(m.step, m.errno, text);
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with status ${code}`;
}

/** Kills a process by pidfd (immune to pid reuse) or, lacking one, by pid; waits briefly for it. */
function killProcess(pid: number | undefined, pidfd: number | undefined): void {
  if (pidfd !== undefined) {
    try {
      pidfdSendSignal(pidfd, SIGKILL);
      pidfdWait(pidfd, 2000);
    } catch {
      /* already gone */
    }
  } else if (pid !== undefined) {
    try {
      process.kill(pid, SIGKILL);
    } catch {
      /* already gone */
    }
  }
}

function syncSocket(child: ChildProcess, index: number): Socket {
  const s = child.stdio[index] as Socket | null;
  if (!s) throw new Error('tsrc-init: no sync socket');
  return s;
}

/**
 * Starts tsrc-init for `plan`. Resolves once the container init is set up and blocked on the
 * exec fifo (READY) and, unless plan.waitForExit, once the first stage has exited so the init
 * is already reparented. Rejects with InitError (step, errno, message) when the init reports a
 * failure, with PlanEncodeError for a plan that cannot be encoded (nothing is started then),
 * or with whatever beforeClone/onHooks/hookState threw.
 */
export function spawnInit(opts: SpawnInitOptions): Promise<InitHandle> {
  const { plan } = opts;
  let frame: Buffer;
  try {
    frame = encodePlan(plan);
  } catch (e) {
    return Promise.reject(e);
  }
  return runStage({
    mode: 'init',
    what: 'the container',
    frame,
    stdio: opts.stdio ?? [0, 1, 2],
    preserveFds: plan.preserveFds,
    waitForExit: plan.waitForExit,
    hooksBeforePivot: plan.hooksBeforePivot,
    startHooks: plan.startContainerHooks.length > 0,
    beforeClone: opts.beforeClone,
    onHooks: opts.onHooks,
    hookState: opts.hookState,
    warn: opts.warn,
  });
}

/**
 * Runs one more process in the container whose init is opts.initPid (`tsrc-init exec`): it joins
 * every namespace of the init that differs from ours, takes the init's root, gets the plan's
 * attributes as the init got its own, and execs. Resolves once the program runs (its execve
 * succeeded) and, with plan.detach, once the stage has exited, so the process is already
 * reparented to our nearest subreaper; without detach, `exited` gives its exit status. Rejects
 * with InitError for a failure before execve (e.g. `exec: "x": executable file not found in
 * $PATH`), leaving no process behind.
 */
export function spawnExec(opts: SpawnExecOptions): Promise<ExecHandle> {
  const { plan } = opts;
  let frame: Buffer;
  try {
    frame = encodeExec({ pid: opts.initPid, startTime: opts.initStartTime ?? 0 }, plan);
  } catch (e) {
    return Promise.reject(e);
  }
  return runStage({
    mode: 'exec',
    what: 'the process',
    frame,
    stdio: opts.stdio ?? [0, 1, 2],
    preserveFds: plan.preserveFds,
    waitForExit: !plan.detach,
    hooksBeforePivot: false,
    startHooks: false,
    beforeClone: opts.beforeClone,
    warn: opts.warn,
  });
}

interface StageOptions {
  mode: 'init' | 'exec';
  /** For messages: "the container", "the process". */
  what: string;
  frame: Buffer;
  stdio: number[];
  preserveFds: number;
  waitForExit: boolean;
  hooksBeforePivot: boolean;
  startHooks: boolean;
  beforeClone?(stagePid: number): Promise<void> | void;
  onHooks?(initPid: number): Promise<void>;
  hookState?(initPid: number): string;
  warn?(message: string): void;
}

/**
 * Both modes speak the same sequence: PID (the child exists), [HOOKS … CONTINUE], READY (set up;
 * for exec: running the program), then the stage exits or, with waitForExit, sends EXIT.
 */
function runStage(opts: StageOptions): Promise<InitHandle> {
  const { stdio, what } = opts;
  if (stdio.length !== 3 + opts.preserveFds)
    return Promise.reject(new Error(`tsrc-init ${opts.mode}: ${stdio.length} stdio fds given, preserveFds needs ${3 + opts.preserveFds}`));
  const syncIndex = stdio.length;
  const child = spawn(initBinaryPath(), [opts.mode, String(syncIndex)], {
    stdio: [...stdio, 'pipe'],
    env: {},
    argv0: 'tsrc-init',
  });
  const sock = syncSocket(child, syncIndex);

  return new Promise<InitHandle>((resolve, reject) => {
    const reader = new FrameReader();
    let initPid: number | undefined;
    let pidfd: number | undefined;
    let ready = false;
    let settled = false;
    let failure: Error | undefined;
    let stageExit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let socketEnded = false;
    let drainTimer: NodeJS.Timeout | undefined;
    let exitSettled = false;
    let settleExit!: (result: { status: number } | { error: Error }) => void;
    const exited = new Promise<number>((res, rej) => {
      settleExit = (r) => {
        if (exitSettled) return;
        exitSettled = true;
        if ('error' in r) rej(r.error);
        else res(r.status);
      };
    });
    const exitResolve = (status: number) => settleExit({ status });
    const exitReject = (error: Error) => settleExit({ error });

    const closePidfd = () => {
      if (pidfd !== undefined) {
        try {
          closeSync(pidfd);
        } catch {
          /* closed */
        }
        pidfd = undefined;
      }
    };

    const release = () => {
      clearTimeout(drainTimer);
      sock.removeAllListeners('data');
      sock.on('error', () => {});
      sock.destroy();
      closePidfd();
    };

    const succeed = () => {
      if (settled) return;
      settled = true;
      if (!opts.waitForExit) {
        exitResolve(-1);
        release();
      }
      resolve({ pid: initPid as number, exited });
    };

    // Before READY: kill the container init and the first stage, reject once the stage is gone.
    const fail = (e: Error) => {
      if (settled || failure) return;
      failure = e;
      killProcess(initPid, pidfd);
      child.kill('SIGKILL');
      if (stageExit) finishFailure();
    };
    const finishFailure = () => {
      if (settled) return;
      settled = true;
      release();
      reject(failure);
    };

    // After READY with waitForExit: the handle is out; failures go to `exited`.
    const failExited = (e: Error) => {
      exitReject(e);
      killProcess(initPid, pidfd);
      release();
    };

    const send = (b: Buffer) => {
      sock.write(b);
    };

    const handle = (m: InitMessage) => {
      switch (m.type) {
        case 'pid':
          if (initPid !== undefined) throw new ProtocolError('PID sent twice');
          initPid = m.pid;
          try {
            pidfd = pidfdOpen(m.pid);
          } catch {
            pidfd = undefined; // gone already; the ERROR that follows says why
          }
          if (opts.startHooks) send(encodeHookState(opts.hookState ? opts.hookState(m.pid) : ''));
          return;
        case 'hooks': {
          if (!opts.hooksBeforePivot || initPid === undefined) throw new ProtocolError('unexpected HOOKS');
          const pid = initPid;
          Promise.resolve()
            .then(() => opts.onHooks?.(pid))
            .then(() => {
              if (!failure && !settled) send(encodeContinue());
            }, fail);
          return;
        }
        case 'ready':
          if (initPid === undefined || ready) throw new ProtocolError('unexpected READY');
          ready = true;
          if (opts.waitForExit || stageExit) afterStageOrReady();
          return;
        case 'exit':
          if (!opts.waitForExit || !ready) throw new ProtocolError('unexpected EXIT');
          exitResolve(m.status);
          closePidfd();
          return;
        case 'error': {
          const e = initErrorFromMessage(m);
          if (!ready) fail(e);
          else if (opts.waitForExit) exitReject(e);
          return;
        }
        case 'warning':
          opts.warn?.(m.message);
          return;
      }
    };

    // Called when READY arrived (waitForExit) or the stage exited.
    const afterStageOrReady = () => {
      if (failure) {
        if (stageExit) finishFailure();
        return;
      }
      if (ready && opts.waitForExit) {
        succeed();
        if (stageExit && (socketEnded || drainTimer === undefined)) {
          if (!exitSettled) failExited(new InitError('init', 0, `tsrc-init ${describeExit(stageExit.code, stageExit.signal)} without reporting the exit of ${what}`));
          else release();
        }
        return;
      }
      if (ready && stageExit) {
        if (stageExit.code === 0) succeed();
        else fail(new InitError('init', 0, `tsrc-init ${describeExit(stageExit.code, stageExit.signal)} after ${what} was ready`));
        return;
      }
      if (stageExit && (socketEnded || drainTimer === undefined)) {
        fail(new InitError('init', 0, `tsrc-init ${describeExit(stageExit.code, stageExit.signal)} before ${what} was ready`));
      }
    };

    sock.on('data', (chunk: Buffer) => {
      try {
        for (const m of reader.push(chunk)) handle(m);
      } catch (e) {
        if (!ready) fail(e as Error);
        else if (opts.waitForExit) failExited(e as Error);
      }
    });
    sock.on('end', () => {
      socketEnded = true;
      if (reader.buffered && !ready) fail(new ProtocolError('truncated frame at end of stream'));
      if (stageExit) {
        clearTimeout(drainTimer);
        drainTimer = undefined;
        afterStageOrReady();
      }
    });
    sock.on('error', (e) => {
      if (!ready) fail(e);
    });

    child.on('error', (e) => {
      // spawn failed (ENOENT/EACCES on the binary): there is no process to wait for.
      stageExit = { code: null, signal: null };
      fail(e);
      finishFailure();
    });
    child.on('exit', (code, signal) => {
      stageExit = { code, signal };
      if (failure) return finishFailure();
      if (ready && !opts.waitForExit) return afterStageOrReady();
      // An early exit: its ERROR (or EXIT) may still be in the socket; let it drain first.
      if (socketEnded) return afterStageOrReady();
      drainTimer = setTimeout(() => {
        drainTimer = undefined;
        afterStageOrReady();
      }, DRAIN_MS);
    });
    child.on('spawn', () => {
      Promise.resolve()
        .then(() => opts.beforeClone?.(child.pid as number))
        .then(() => {
          if (!failure) send(opts.frame);
        }, fail);
    });
  });
}

const ALL_NAMESPACES = Object.values(NS_FLAGS).reduce((a, b) => a | b, 0);

function tail(label: string, s: string): string {
  const t = s.trim();
  return t ? `, ${label}: ${t.length > 2000 ? `…${t.slice(-2000)}` : t}` : '';
}

/**
 * Runs `hook` inside every namespace of process `pid` that differs from ours (user first, mount
 * last), with `stdin` on its standard input, in `cwd` (there). Resolves when it exits 0; rejects with
 * its exit status and output, with "timed out" after timeoutSec (0 = none; the hook is killed),
 * or with InitError when entering the namespaces or exec failed.
 */
export function runInContainer(pid: number, hook: Hook, stdin: string, timeoutSec: number, cwd = '/'): Promise<void> {
  let frame: Buffer;
  try {
    frame = encodeEnter({ pid, nsFlags: ALL_NAMESPACES, path: hook.path, args: hook.args.length ? hook.args : [hook.path], env: hook.env, cwd });
  } catch (e) {
    return Promise.reject(e);
  }
  const child = spawn(initBinaryPath(), ['enter', '3'], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'], env: {}, argv0: 'tsrc-init' });
  const sock = syncSocket(child, 3);
  return new Promise<void>((resolve, reject) => {
    const reader = new FrameReader();
    let hookPid: number | undefined;
    let status: number | undefined;
    let error: Error | undefined;
    let stdout = '';
    let stderr = '';
    const cap = (s: string, b: Buffer) => (s.length > 65536 ? s : s + b.toString());
    child.stdout?.on('data', (b: Buffer) => (stdout = cap(stdout, b)));
    child.stderr?.on('data', (b: Buffer) => (stderr = cap(stderr, b)));
    child.stdin?.on('error', () => {}); // a hook need not read its stdin
    child.stdin?.end(stdin);

    let settled = false;
    const timer =
      timeoutSec > 0
        ? setTimeout(() => {
            if (hookPid !== undefined) killProcess(hookPid, undefined);
            child.kill('SIGKILL'); // the hook also has SIGKILL as its parent-death signal
            // Do not wait for the output pipes: a process the hook started may still hold them.
            settled = true;
            for (const s of [child.stdout, child.stderr, sock]) s?.destroy();
            reject(new Error(`hook ${hook.path}: timed out after ${timeoutSec} seconds`));
          }, timeoutSec * 1000)
        : undefined;

    sock.on('data', (chunk: Buffer) => {
      try {
        for (const m of reader.push(chunk)) {
          if (m.type === 'pid') hookPid = m.pid;
          else if (m.type === 'exit') status = m.status;
          else if (m.type === 'error') error ??= initErrorFromMessage(m);
          else throw new ProtocolError(`unexpected message ${m.type} from tsrc-init enter`);
        }
      } catch (e) {
        error ??= e as Error;
        child.kill('SIGKILL');
      }
    });
    sock.on('error', () => {});
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      sock.destroy();
      if (settled) return;
      const what = `hook ${hook.path}`;
      if (error) return reject(error);
      if (status === undefined) return reject(new Error(`${what}: tsrc-init enter ${describeExit(code, signal)} without a status`));
      if (status !== 0) {
        const how = status > 128 ? `killed by signal ${status - 128}` : `exit status ${status}`;
        return reject(new Error(`${what}: ${how}${tail('stdout', stdout)}${tail('stderr', stderr)}`));
      }
      resolve();
    });
    sock.write(frame);
  });
}
