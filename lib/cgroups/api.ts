// One interface over cgroup v1 (each controller its own hierarchy), cgroup v2 (unified),
// and the hybrid layout of this machine (v1 controllers + an empty-ish cgroup2 mount).
import type { Resources } from '../spec/types.js';
import type { Stats } from './stats.js';

/**
 * runc-shaped statistics (the "data" of `runc events --stats`); see stats.ts. Counters above 2^53
 * are bigints: serialise with statsToJSON() from stats-json.ts, not JSON.stringify.
 */
export interface CgroupStats extends Stats {
  [k: string]: unknown;
}

export interface CgroupManager {
  /** 'v1' (incl. hybrid) or 'v2'. */
  readonly mode: 'v1' | 'v2';
  /**
   * Absolute directories this container's cgroup occupies, keyed by controller (v2: key "").
   * In hybrid mode v1 also has key "": the cgroup2 directory (as runc). Persisted in state.
   */
  readonly paths: Record<string, string>;
  /**
   * Directories create() made (container dirs and any parents that did not exist), shallowest
   * first. Persist next to `paths` and pass to loadCgroupManager() so destroy() can also remove
   * the parents it made; without it destroy() removes only the container's own directories.
   */
  readonly created: string[];
  /** Settings the kernel could not honour (apply() warns instead of failing for them). Never printed. */
  readonly warnings: string[];
  /** Create every directory (parents included). Idempotent. */
  create(): void;
  /**
   * Write every limit in `resources`; throw CgroupError naming the file on failure. Call before
   * join() when realtime cpu limits are set (an RT task cannot join a cgroup without RT runtime).
   */
  apply(resources: Resources | undefined): void;
  /** Move `pid` into the cgroup in every hierarchy. */
  join(pid: number): void;
  /**
   * How a new process gets in without join(pid), which writes cgroup.procs and so makes the kernel
   * wait for an RCU grace period (native/init/cgjoin.c): v1 directories whose `tasks` file a
   * single-threaded process writes "0" to itself, and the cgroup2 directory ("" = none) to create
   * its child in with clone3(CLONE_INTO_CGROUP). Absent where only join() places a process
   * (the systemd driver hands the pid to systemd).
   */
  selfJoin?(): SelfJoin;
  /** Host pids of every process in the cgroup and its sub-cgroups, ascending. */
  pids(): number[];
  /** Remove the directories (children first, then created parents that are empty and ours). Missing dirs are fine. */
  destroy(): void;
  /** Whether the cgroup directory exists. */
  exists(): boolean;
  /** Freeze every process; returns once the kernel reports the cgroup frozen. */
  freeze(): void;
  thaw(): void;
  /** Whether this cgroup itself is frozen (waits out a freeze in progress). */
  isFrozen(): boolean;
  /** Current statistics, runc-shaped. */
  stats(): CgroupStats;
  /**
   * Send `signal` to every process: SIGKILL via cgroup.kill where the cgroup2 directory has it,
   * else signal each pid with the cgroup frozen around it (a paused cgroup stays paused).
   */
  killAll(signal: NodeJS.Signals | number): void;
}

export interface SelfJoin {
  tasks: string[];
  into: string;
}

export class CgroupError extends Error {
  constructor(
    message: string,
    /** The errno code ("EBUSY", ...) when the error came from a cgroupfs operation. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'CgroupError';
  }
}
