// What the v1 and v2 managers share: bookkeeping of created directories and warnings, pids,
// killAll and destroy. The version-specific parts are abstract.
import { constants } from 'node:os';
import type { Resources } from '../spec/types.js';
import { CgroupError, type CgroupManager } from './api.js';
import { errnoCode } from './errors.js';
import { fileExists, readProcs, walkCgroupDirs, writeCgroupFile } from './fsio.js';
import type { WriteContext } from './resources/context.js';
import type { Stats } from './stats.js';
import { destroyTree } from './tree.js';

export abstract class BaseManager implements CgroupManager {
  abstract readonly mode: 'v1' | 'v2';
  readonly warnings: string[] = [];
  readonly created: string[];

  constructor(
    readonly paths: Record<string, string>,
    created: string[] = [],
  ) {
    this.created = [...created];
  }

  abstract create(): void;
  abstract apply(resources: Resources | undefined): void;
  abstract join(pid: number): void;
  abstract freeze(): void;
  abstract thaw(): void;
  abstract isFrozen(): boolean;
  abstract stats(): Stats;
  /** The directory whose subtree lists the container's processes. */
  protected abstract procsDir(): string;

  /** Every distinct directory of this cgroup (co-mounted v1 controllers share one). */
  protected dirs(): string[] {
    return [...new Set(Object.values(this.paths))];
  }

  protected warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
  }

  protected baseContext(): WriteContext {
    return { write: writeCgroupFile, warn: (m) => this.warn(m) };
  }

  exists(): boolean {
    return fileExists(this.procsDir());
  }

  pids(): number[] {
    const dir = this.procsDir();
    if (!fileExists(dir)) return [];
    const all = new Set<number>();
    for (const d of walkCgroupDirs(dir)) for (const p of readProcs(d)) all.add(p);
    return [...all].sort((a, b) => a - b);
  }

  killAll(signal: NodeJS.Signals | number): void {
    const sig = typeof signal === 'number' ? signal : constants.signals[signal];
    if (sig === undefined) throw new CgroupError(`cgroup: unknown signal ${JSON.stringify(signal)}`);
    // cgroup.kill (Linux 5.14+) kills the whole subtree atomically, forks included. In hybrid
    // mode the container's processes are in the cgroup2 directory too, so it works there as well.
    const unified = this.paths[''];
    if (sig === constants.signals.SIGKILL && unified && fileExists(unified)) {
      try {
        writeCgroupFile(unified, 'cgroup.kill', '1');
        return;
      } catch (e) {
        if ((e as { code?: string }).code !== 'ENOENT') throw e;
      }
    }
    // Otherwise signal each pid; freeze first so nothing forks away between listing and signalling
    // (runc does the same). A container that was already paused stays paused.
    let froze = false;
    try {
      if (!this.isFrozen()) {
        this.freeze();
        froze = true;
      }
    } catch {
      // no freezer: signal anyway
    }
    try {
      for (const pid of this.pids()) {
        try {
          process.kill(pid, sig);
        } catch (e) {
          if (errnoCode(e) !== 'ESRCH') throw new CgroupError(`cgroup: kill ${pid}: ${(e as Error).message}`);
        }
      }
    } finally {
      if (froze) this.thaw();
    }
  }

  destroy(): void {
    destroyTree(this.dirs(), this.created);
    this.created.length = 0;
  }
}
