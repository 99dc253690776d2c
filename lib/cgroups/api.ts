// One interface over cgroup v1 (each controller its own hierarchy), cgroup v2 (unified),
// and the hybrid layout of this machine (v1 controllers + an empty-ish cgroup2 mount).
import type { Resources } from '../spec/types.js';

export interface CgroupStats {
  [k: string]: unknown;
}

export interface CgroupManager {
  /** 'v1' (incl. hybrid) or 'v2'. */
  readonly mode: 'v1' | 'v2';
  /** Absolute directories this container's cgroup occupies, keyed by controller (v2: key ""). Persisted in state. */
  readonly paths: Record<string, string>;
  /** Create every directory (parents included). Idempotent. */
  create(): void;
  /** Write every limit in `resources`; throw CgroupError naming the file on failure. */
  apply(resources: Resources | undefined): void;
  /** Move `pid` into the cgroup in every hierarchy. */
  join(pid: number): void;
  /** Host pids of every process in the cgroup. */
  pids(): number[];
  /** Remove the directories (children first, then created parents that are empty and ours). Missing dirs are fine. */
  destroy(): void;
}

export class CgroupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CgroupError';
  }
}
