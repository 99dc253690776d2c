// cgroup v1: one directory per hierarchy (paths keyed by controller), plus, in hybrid mode, the
// cgroup2 directory (key ""), which is joined like runc does (cgroup.kill works through it) and
// used for controllers no v1 hierarchy has (here: hugetlb).
import { posix } from 'node:path';
import type { Resources } from '../spec/types.js';
import { CgroupError, type SelfJoin } from './api.js';
import { BaseManager } from './base-manager.js';
import { fileExists, readCgroupFile, writeCgroupFile, writeProcs } from './fsio.js';
import { freezeV1, freezeV2, isFrozenAt, thawV1, thawV2 } from './freezer.js';
import { detectLayout, V1_CONTROLLERS, type CgroupLayout } from './layout.js';
import { applyBlkioV1 } from './resources/blkio.js';
import { applyCpuV1 } from './resources/cpu.js';
import { applyCpuset, inheritCpusetV1 } from './resources/cpuset.js';
import { applyDevicesV1 } from './resources/devices.js';
import { applyHugetlb, checkHugetlb } from './resources/hugetlb.js';
import { applyMemoryV1 } from './resources/memory.js';
import { applyNetClsV1, applyNetPrioV1, wantsNetCls, wantsNetPrio } from './resources/network.js';
import { applyPids } from './resources/pids.js';
import { applyRdma } from './resources/rdma.js';
import { applyUnified, controllersOf } from './resources/unified.js';
import { blkioStatsV1, cpuacctStatsV1, cpusetStatsV1, cpuStatsV1, hugetlbStatsV1, memoryStatsV1 } from './stats-v1.js';
import { hugetlbStatsV2 } from './stats-v2.js';
import { emptyStats, pidsStats, type Stats } from './stats.js';
import { createChain } from './tree.js';

const CPU_KEYS = ['shares', 'quota', 'period', 'burst', 'idle', 'realtimeRuntime', 'realtimePeriod'] as const;

export class V1Manager extends BaseManager {
  readonly mode = 'v1' as const;
  private layoutCache?: CgroupLayout;

  constructor(paths: Record<string, string>, created: string[] = [], layout?: CgroupLayout) {
    super(paths, created);
    this.layoutCache = layout;
  }

  private get layout(): CgroupLayout {
    this.layoutCache ??= detectLayout();
    return this.layoutCache;
  }

  /** Keys in runc's order, then the cgroup2 one. */
  private keys(): string[] {
    const known = (V1_CONTROLLERS as readonly string[]).filter((k) => k in this.paths);
    const other = Object.keys(this.paths).filter((k) => k !== '' && !known.includes(k));
    return [...known, ...other, ...('' in this.paths ? [''] : [])];
  }

  /** The mount point a path lives under (from the layout; else the longest known mount prefix). */
  private mountFor(key: string, dir: string): string {
    const h = key === '' ? this.layout.unified : this.layout.v1.get(key);
    if (h && (dir === h.mountpoint || dir.startsWith(h.mountpoint + '/'))) return h.mountpoint;
    throw new CgroupError(`cgroup: ${dir} (${key || 'cgroup2'}) is not below a mounted cgroup hierarchy`);
  }

  create(): void {
    const done = new Set<string>();
    for (const key of this.keys()) {
      const dir = this.paths[key];
      if (done.has(dir)) continue;
      done.add(dir);
      const isCpuset = Object.entries(this.paths).some(([k, d]) => k === 'cpuset' && d === dir);
      createChain(this.mountFor(key, dir), dir, this.created, isCpuset ? { afterDir: inheritCpusetV1 } : {});
    }
  }

  join(pid: number): void {
    const done = new Set<string>();
    for (const key of this.keys()) {
      const dir = this.paths[key];
      if (done.has(dir)) continue;
      done.add(dir);
      writeProcs(dir, pid);
    }
  }

  selfJoin(): SelfJoin {
    const tasks: string[] = [];
    for (const key of this.keys()) if (key !== '' && !tasks.includes(this.paths[key])) tasks.push(this.paths[key]);
    return { tasks, into: this.paths[''] ?? '' };
  }

  protected procsDir(): string {
    const p = this.paths;
    const dir = p.pids ?? p.memory ?? p.devices ?? p.freezer ?? p.cpu ?? p[''] ?? Object.values(p)[0];
    if (!dir) throw new CgroupError('cgroup: this container has no cgroup directories');
    return dir;
  }

  /** The directory for a controller, or a one-line error naming the resource that needs it. */
  private need(controller: string, field: string): string {
    const dir = this.paths[controller];
    if (!dir) throw new CgroupError(`linux.resources.${field}: cannot be applied: no ${controller} cgroup hierarchy is mounted on this host`);
    return dir;
  }

  /** Hybrid only: the cgroup2 directory with `controller` enabled in every parent's subtree_control. */
  private unifiedWith(controller: string, field: string): string {
    const u = this.layout.unified;
    const leaf = this.paths[''];
    if (!u || !leaf || !controllersOf(u.mountpoint).has(controller)) {
      throw new CgroupError(`linux.resources.${field}: cannot be applied: no ${controller} controller on this host (neither a v1 hierarchy nor in cgroup2)`);
    }
    const chain: string[] = [];
    for (let d = posix.dirname(leaf); d.length >= u.mountpoint.length; d = posix.dirname(d)) {
      chain.unshift(d);
      if (d === u.mountpoint) break;
    }
    for (const d of chain) {
      if (controllersOf(d).has(controller) && !readCgroupFile(d, 'cgroup.subtree_control').split(/\s+/).includes(controller)) {
        writeCgroupFile(d, 'cgroup.subtree_control', `+${controller}`);
      }
    }
    return leaf;
  }

  apply(r: Resources | undefined): void {
    if (!r) return;
    const ctx = this.baseContext();
    const cpu = r.cpu;
    // Find every missing hierarchy before writing anything.
    const wantsCpuset = !!(cpu?.cpus || cpu?.mems);
    const wantsCpu = !!cpu && CPU_KEYS.some((k) => cpu[k] !== undefined);
    const dirs = {
      cpuset: wantsCpuset ? this.need('cpuset', 'cpu.cpus/mems') : '',
      devices: r.devices && r.devices.length > 0 ? this.need('devices', 'devices') : '',
      memory: r.memory && Object.keys(r.memory).length > 0 ? this.need('memory', 'memory') : '',
      cpu: wantsCpu ? this.need('cpu', 'cpu') : '',
      pids: r.pids?.limit !== undefined ? this.need('pids', 'pids') : '',
      blkio: r.blockIO && Object.keys(r.blockIO).length > 0 ? this.need('blkio', 'blockIO') : '',
      netCls: wantsNetCls(r.network) ? this.need('net_cls', 'network.classID') : '',
      netPrio: wantsNetPrio(r.network) ? this.need('net_prio', 'network.priorities') : '',
      rdma: r.rdma && Object.keys(r.rdma).length > 0 ? this.need('rdma', 'rdma') : '',
    };
    if (r.hugepageLimits && r.hugepageLimits.length > 0) checkHugetlb(r.hugepageLimits);
    const unifiedKeys = Object.keys(r.unified ?? {});
    for (const key of unifiedKeys) {
      const c = key.split('.')[0];
      if (this.layout.v1.has(c)) throw new CgroupError(`linux.resources.unified: ${JSON.stringify(key)}: the ${c} controller is on cgroup v1 on this host; unified keys need cgroup v2`);
      if (!this.paths['']) throw new CgroupError(`linux.resources.unified: ${JSON.stringify(key)}: this host has no cgroup v2 hierarchy`);
      if (c !== 'cgroup' && !controllersOf(this.layout.unified!.mountpoint).has(c)) {
        throw new CgroupError(`linux.resources.unified: ${JSON.stringify(key)}: the ${c} controller is not available in cgroup v2 on this host`);
      }
    }

    if (dirs.cpuset) applyCpuset(ctx, dirs.cpuset, cpu!);
    if (dirs.devices) applyDevicesV1(ctx, dirs.devices, r.devices!);
    if (dirs.memory) applyMemoryV1(ctx, dirs.memory, r.memory!);
    if (dirs.cpu) applyCpuV1(ctx, dirs.cpu, cpu!);
    if (dirs.pids) applyPids(ctx, dirs.pids, r.pids!);
    if (dirs.blkio) applyBlkioV1(ctx, dirs.blkio, r.blockIO!);
    if (r.hugepageLimits && r.hugepageLimits.length > 0) {
      if (this.paths.hugetlb) applyHugetlb(ctx, this.paths.hugetlb, r.hugepageLimits, 'v1');
      else applyHugetlb(ctx, this.unifiedWith('hugetlb', 'hugepageLimits'), r.hugepageLimits, 'v2');
    }
    if (dirs.netCls) applyNetClsV1(ctx, dirs.netCls, r.network!);
    if (dirs.netPrio) applyNetPrioV1(ctx, dirs.netPrio, r.network!);
    if (dirs.rdma) applyRdma(ctx, dirs.rdma, r.rdma!);
    if (unifiedKeys.length > 0) {
      for (const c of new Set(unifiedKeys.map((k) => k.split('.')[0]).filter((c) => c !== 'cgroup'))) {
        if (controllersOf(this.layout.unified!.mountpoint).has(c)) this.unifiedWith(c, `unified`);
      }
      const leaf = this.paths[''];
      applyUnified(ctx, leaf, r.unified!, (c) => controllersOf(leaf).has(c));
    }
  }

  // The v1 freezer; in hybrid mode without one, cgroup2's cgroup.freeze does the job.
  freeze(): void {
    if (this.paths.freezer) return freezeV1(this.paths.freezer);
    if (this.paths[''] && fileExists(`${this.paths['']}/cgroup.freeze`)) return freezeV2(this.paths['']);
    throw new CgroupError('cgroup: cannot freeze: no freezer cgroup hierarchy is mounted');
  }

  thaw(): void {
    if (this.paths.freezer) return thawV1(this.paths.freezer);
    if (this.paths[''] && fileExists(`${this.paths['']}/cgroup.freeze`)) return thawV2(this.paths['']);
    throw new CgroupError('cgroup: cannot thaw: no freezer cgroup hierarchy is mounted');
  }

  isFrozen(): boolean {
    return isFrozenAt(this.paths);
  }

  stats(): Stats {
    const s = emptyStats();
    const p = this.paths;
    if (p.cpuacct) cpuacctStatsV1(p.cpuacct, s);
    if (p.cpu) cpuStatsV1(p.cpu, s);
    if (p.cpuset) cpusetStatsV1(p.cpuset, s);
    if (p.memory) memoryStatsV1(p.memory, s);
    if (p.pids) pidsStats(p.pids, s);
    if (p.blkio) blkioStatsV1(p.blkio, s);
    if (p.hugetlb) hugetlbStatsV1(p.hugetlb, s);
    else if (p[''] && fileExists(p[''])) hugetlbStatsV2(p[''], s);
    return s;
  }
}
