// The boundary between the runtime's TypeScript logic and the processes/syscalls it needs.
// lib/sys is the only place that spawns the C init or loads the native addon.
import type { ExecPlan, Plan } from '../plan/types.js';

/** An error reported by the C init: the step that failed, its errno (0 if none) and a message. */
export class InitError extends Error {
  constructor(
    readonly step: string,
    readonly errno: number,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'InitError';
  }
}

export interface SpawnInitOptions {
  plan: Plan;
  /**
   * File descriptors of this (tsrc) process that become the container process's 0, 1, 2 and
   * then 3.. (preserved fds), in order. Default [0, 1, 2].
   */
  stdio?: number[];
  /**
   * Called with the host pid of the first-stage C process before it clones the container:
   * place it in the container's cgroups here so the container starts inside them.
   */
  beforeClone?(stagePid: number): Promise<void> | void;
  /**
   * Called with the container init's host pid when (and only when) plan.hooksBeforePivot is set:
   * the init is stopped after its mounts, before pivot_root; it continues when this resolves.
   * A rejection aborts the container (the init is killed).
   */
  onHooks?(initPid: number): Promise<void>;
  /**
   * Called once the init's pid is known, when plan.startContainerHooks is not empty: returns the
   * state JSON that those hooks get on stdin.
   */
  hookState?(initPid: number): string;
  /**
   * Something the init skipped that is worth a log line, e.g. seccomp syscall names its libseccomp
   * does not know (runc logs those at debug level). Ignored when not given.
   */
  warn?(message: string): void;
}

export interface InitHandle {
  /** Host pid of the container init (the process that becomes process.args[0]). */
  pid: number;
  /**
   * With plan.waitForExit: resolves to the container's exit status once it exits
   * (128+signal if killed by a signal). Otherwise resolves to -1 immediately.
   */
  exited: Promise<number>;
}

export interface SpawnExecOptions {
  /** Host pid of the container init: its namespaces and root are the process's. */
  initPid: number;
  /**
   * The init's start time as saved at create (/proc/<pid>/stat field 22, procStat().startTime).
   * The C side checks it after pinning the pid with a pidfd, so a recycled pid is refused
   * ("the container init (pid N) is not running"). 0 or absent = unchecked.
   */
  initStartTime?: number;
  plan: ExecPlan;
  /** fds of this process that become the new process's 0, 1, 2, then 3.. (plan.preserveFds). Default [0, 1, 2]. */
  stdio?: number[];
  /**
   * Called with the host pid of the C stage before it forks the process: join it to the
   * container's cgroups here, so the process starts inside them.
   */
  beforeClone?(stagePid: number): Promise<void> | void;
  /** As SpawnInitOptions.warn (seccomp names libseccomp does not know). */
  warn?(message: string): void;
}

export interface ExecHandle {
  /** Host pid of the exec'd process. */
  pid: number;
  /**
   * Without plan.detach: resolves to its exit status (128+signal if killed). With detach:
   * resolves to -1 at once; the process is no longer our descendant.
   */
  exited: Promise<number>;
}
