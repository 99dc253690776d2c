// cgroup v2: one directory (paths[""]). Creating it enables every available controller in each
// parent's cgroup.subtree_control on the way down (runc does the same), so later updates find
// their files.
import type { Resources } from '../spec/types.js';
import { CgroupError, type SelfJoin } from './api.js';
import { BaseManager } from './base-manager.js';
import { readCgroupFile, writeCgroupFile, writeProcs } from './fsio.js';
import { freezeV2, isFrozenV2, thawV2 } from './freezer.js';
import { detectLayout, type CgroupLayout } from './layout.js';
import { applyIoV2 } from './resources/blkio.js';
import type { WriteContext } from './resources/context.js';
import { applyCpuV2 } from './resources/cpu.js';
import { applyCpuset } from './resources/cpuset.js';
import { applyDevicesV2 } from './resources/devices.js';
import { applyHugetlb } from './resources/hugetlb.js';
import { applyMemoryV2 } from './resources/memory.js';
import { wantsNetCls, wantsNetPrio } from './resources/network.js';
import { applyPids } from './resources/pids.js';
import { applyRdma } from './resources/rdma.js';
import { applyUnified, controllersOf } from './resources/unified.js';
import { cpuStatsV2, hugetlbStatsV2, ioStatsV2, memoryStatsV2 } from './stats-v2.js';
import { emptyStats, pidsStats, type Stats } from './stats.js';
import { createChain } from './tree.js';

/** Enable in `dir`'s subtree_control every controller it has and has not enabled yet. Best effort. */
function enableControllers(dir: string): void {
  const available = controllersOf(dir);
  const enabled = new Set(readCgroupFile(dir, 'cgroup.subtree_control').split(/\s+/).filter(Boolean));
  const missing = [...available].filter((c) => !enabled.has(c));
  if (missing.length === 0) return;
  try {
    writeCgroupFile(dir, 'cgroup.subtree_control', missing.map((c) => `+${c}`).join(' '));
  } catch {
    // One refused controller (or a parent with processes in it) fails the whole write; take
    // what we can one by one. What stays disabled is reported when a limit needs it.
    for (const c of missing) {
      try {
        writeCgroupFile(dir, 'cgroup.subtree_control', `+${c}`);
      } catch {
        // see above
      }
    }
  }
}

export class V2Manager extends BaseManager {
  readonly mode = 'v2' as const;
  private layoutCache?: CgroupLayout;

  constructor(paths: Record<string, string>, created: string[] = [], layout?: CgroupLayout) {
    super(paths, created);
    if (!paths['']) throw new CgroupError('cgroup: a cgroup v2 manager needs paths[""]');
    this.layoutCache = layout;
  }

  private get dir(): string {
    return this.paths[''];
  }

  create(): void {
    this.layoutCache ??= detectLayout();
    const mount = this.layoutCache.unified?.mountpoint;
    if (!mount || !(this.dir === mount || this.dir.startsWith(mount + '/'))) {
      throw new CgroupError(`cgroup: ${this.dir} is not below the cgroup2 mount ${mount ?? '(none)'}`);
    }
    createChain(mount, this.dir, this.created, { beforeChild: enableControllers });
  }

  join(pid: number): void {
    writeProcs(this.dir, pid);
  }

  selfJoin(): SelfJoin {
    return { tasks: [], into: this.dir };
  }

  protected procsDir(): string {
    return this.dir;
  }

  /** Writes that name a missing controller instead of a bare ENOENT. */
  private context(): WriteContext {
    const base = this.baseContext();
    return {
      warn: base.warn,
      write: (dir, file, value) => {
        try {
          base.write(dir, file, value);
        } catch (e) {
          const controller = file.split('.')[0];
          if ((e as { code?: string }).code === 'ENOENT' && controller !== 'cgroup' && !controllersOf(dir).has(controller)) {
            throw new CgroupError(`cgroup: write ${dir}/${file} ${JSON.stringify(value)}: the ${controller} controller is not enabled for this cgroup`, 'ENOENT');
          }
          throw e;
        }
      },
    };
  }

  apply(r: Resources | undefined): void {
    if (!r) return;
    const ctx = this.context();
    const dir = this.dir;
    if (r.pids?.limit !== undefined) applyPids(ctx, dir, r.pids);
    if (r.memory && Object.keys(r.memory).length > 0) applyMemoryV2(ctx, dir, r.memory);
    if (r.blockIO && Object.keys(r.blockIO).length > 0) applyIoV2(ctx, dir, r.blockIO);
    if (r.cpu) applyCpuV2(ctx, dir, r.cpu);
    if (r.devices && r.devices.length > 0) applyDevicesV2(dir, r.devices);
    if (r.cpu) applyCpuset(ctx, dir, r.cpu);
    if (r.hugepageLimits && r.hugepageLimits.length > 0) applyHugetlb(ctx, dir, r.hugepageLimits, 'v2');
    if (r.rdma && Object.keys(r.rdma).length > 0) applyRdma(ctx, dir, r.rdma);
    if (wantsNetCls(r.network) || wantsNetPrio(r.network)) {
      ctx.warn('linux.resources.network: net_cls/net_prio have no cgroup v2 equivalent; ignored');
    }
    if (r.unified && Object.keys(r.unified).length > 0) {
      const available = controllersOf(dir);
      applyUnified(ctx, dir, r.unified, (c) => available.has(c));
    }
  }

  freeze(): void {
    freezeV2(this.dir);
  }

  thaw(): void {
    thawV2(this.dir);
  }

  isFrozen(): boolean {
    return isFrozenV2(this.dir);
  }

  stats(): Stats {
    const s = emptyStats();
    pidsStats(this.dir, s);
    memoryStatsV2(this.dir, s);
    ioStatsV2(this.dir, s);
    cpuStatsV2(this.dir, s);
    hugetlbStatsV2(this.dir, s);
    return s;
  }
}
