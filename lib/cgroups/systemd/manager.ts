// The systemd cgroup driver (--systemd-cgroup), shaped like runc's: systemd creates the
// container's cgroup by starting a transient unit (a scope holding the first-stage process) with
// the limits it can express; then the cgroupfs managers do the rest on the unit's cgroup (the v1
// hierarchies systemd does not manage, every limit, freeze, stats, pids, kill), and delete stops
// the unit. The D-Bus code is loaded only here, on first use (start-up cost of other commands).
import { lstatSync } from 'node:fs';
import { posix } from 'node:path';
import type { Resources } from '../../spec/types.js';
import { CgroupError, type CgroupManager, type CgroupStats } from '../api.js';
import { detectLayout, V1_CONTROLLERS, type CgroupLayout } from '../layout.js';
import { V1Manager } from '../v1-manager.js';
import { V2Manager } from '../v2-manager.js';
import type { DeviceEnv } from './devices.js';
import type { SystemdConnectOptions } from './systemd1.js';
import { parseSystemdCgroupsPath, type SystemdUnit } from './unit-name.js';

export { expandSlice, parseSystemdCgroupsPath, type SystemdUnit } from './unit-name.js';

/** runc's text (opencontainers/cgroups manager.New) for a host not booted with systemd. */
export const NOT_RUNNING = 'systemd not running on this host, cannot use systemd cgroups manager';

/**
 * sd_booted(3): systemd is PID 1 iff /run/systemd/system is a directory (what runc checks).
 * `root` lets tests point at a fake tree.
 */
export function isRunningSystemd(root = '/'): boolean {
  try {
    return lstatSync(posix.join(root, 'run/systemd/system')).isDirectory();
  } catch {
    return false;
  }
}

export interface SystemdOptions extends SystemdConnectOptions {
  /** linux.cgroupsPath, "slice:prefix:name" (see unit-name.ts). */
  cgroupsPath?: string;
  /** Container id: the default is "system.slice:tsrc:<id>". */
  id: string;
  /** Where to look for run/systemd/system (tests). Default "/". */
  hostRoot?: string;
  /** The cgroup layout (tests). Default: this host's. */
  layout?: CgroupLayout;
  /** The cgroupfs manager for the unit's cgroup (tests). Default: V1Manager/V2Manager on its paths. */
  fs?: CgroupManager;
  /** /proc/devices and /dev lookups for old systemd versions (tests). */
  deviceEnv?: DeviceEnv;
}

/** What a saved systemd-driven container needs besides mode/paths/created. */
export interface SavedSystemd {
  /** The unit tsrc started ("tsrc-abc.scope"). */
  unit: string;
}

/** The unit's cgroup directory in every hierarchy (runc's initPaths): <mountpoint><unit cgroup>. */
export function systemdPaths(layout: CgroupLayout, unitCgroup: string): Record<string, string> {
  const paths: Record<string, string> = {};
  if (layout.mode === 'v2') {
    paths[''] = posix.join(layout.unified!.mountpoint, unitCgroup);
    return paths;
  }
  for (const c of V1_CONTROLLERS) {
    const h = layout.v1.get(c);
    if (h) paths[c] = posix.join(h.mountpoint, unitCgroup);
  }
  if (layout.unified) paths[''] = posix.join(layout.unified.mountpoint, unitCgroup);
  return paths;
}

export class SystemdManager implements CgroupManager {
  readonly driver = 'systemd' as const;
  private pending?: Resources;
  private started: boolean;
  private readonly ownWarnings: string[] = [];

  constructor(
    /** The unit tsrc starts (or started). */
    readonly unit: string,
    private readonly fs: CgroupManager,
    private readonly opts: {
      /** Present for a new unit; a manager loaded from state has only the unit name. */
      spec?: SystemdUnit;
      started: boolean;
      connect: SystemdConnectOptions;
      deviceEnv?: DeviceEnv;
    },
  ) {
    this.started = opts.started;
  }

  get mode(): 'v1' | 'v2' {
    return this.fs.mode;
  }
  get paths(): Record<string, string> {
    return this.fs.paths;
  }
  get created(): string[] {
    return this.fs.created;
  }
  get warnings(): string[] {
    return [...this.ownWarnings, ...this.fs.warnings.filter((w) => !this.ownWarnings.includes(w))];
  }
  /** What to persist for loadSystemdManager (besides mode, paths, created). */
  get saved(): SavedSystemd {
    return { unit: this.unit };
  }

  private warn(m: string): void {
    if (!this.ownWarnings.includes(m)) this.ownWarnings.push(m);
  }

  /** Nothing to do: systemd makes the cgroup when start() starts the unit. */
  create(): void {}

  /**
   * Before start(): remember `resources` for the unit's properties and for cgroupfs after the unit
   * exists. After start(): write them through cgroupfs only (update() also tells systemd).
   */
  apply(resources: Resources | undefined): void {
    if (!this.started) {
      this.pending = resources;
      return;
    }
    this.fs.apply(resources);
  }

  /** Add a process to the running unit's cgroup (e.g. exec). Before start() use start(pid). */
  join(pid: number): void {
    if (!this.started) throw new CgroupError(`systemd: unit ${this.unit} is not started yet; start(pid) puts the first process in it`);
    this.fs.join(pid);
  }

  private async connect(): Promise<import('./systemd1.js').Systemd> {
    const { Systemd } = await import('./systemd1.js');
    return Systemd.connect(this.opts.connect);
  }

  /**
   * Start the unit with `pid` in it (runc's Apply): StartTransientUnit with the fixed properties and
   * the limits from apply(), wait for systemd's job, then make the directories systemd does not
   * (v1 hierarchies it leaves alone), put `pid` in every hierarchy and write every limit through
   * cgroupfs. On failure after the unit started, call stop() to remove it.
   */
  async start(pid: number): Promise<void> {
    if (this.started) throw new CgroupError(`systemd: unit ${this.unit} is already started`);
    const spec = this.opts.spec;
    if (!spec) throw new CgroupError(`systemd: unit ${this.unit} was loaded from state; it cannot be started again`);
    const { unitProperties, resourceProperties } = await import('./properties.js');
    const sd = await this.connect();
    try {
      const version = await sd.version();
      const res = resourceProperties(this.pending, { mode: this.mode, version, atStart: true, deviceEnv: this.opts.deviceEnv });
      for (const w of res.warnings) this.warn(w);
      await sd.startTransientUnit(this.unit, [...unitProperties(spec, pid, this.mode), ...res.props]);
      this.started = true;
      this.fs.create();
      this.fs.join(pid);
      this.fs.apply(this.forCgroupfs(res.resources));
      this.pending = undefined;
    } finally {
      sd.close();
    }
  }

  /**
   * Change limits of the running unit (runc's Set): SetUnitProperties for what systemd expresses
   * (freezing around it on v1 when device rules change, as systemd rewrites them disruptively),
   * then cgroupfs for everything.
   */
  async update(resources: Resources | undefined): Promise<void> {
    if (!resources) return;
    const { resourceProperties } = await import('./properties.js');
    const sd = await this.connect();
    try {
      const version = await sd.version();
      const res = resourceProperties(resources, { mode: this.mode, version, atStart: false, deviceEnv: this.opts.deviceEnv });
      for (const w of res.warnings) this.warn(w);
      const freeze = this.mode === 'v1' && !!resources.devices?.length && !this.fs.isFrozen();
      if (freeze) this.fs.freeze();
      try {
        await sd.setUnitProperties(this.unit, res.props);
      } finally {
        if (freeze) this.fs.thaw();
      }
      this.fs.apply(this.forCgroupfs(res.resources));
    } finally {
      sd.close();
    }
  }

  /**
   * What cgroupfs still has to write. On v2 device rules are an eBPF program that systemd attaches
   * from DevicePolicy/DeviceAllow (the cgroupfs manager has none of its own); on v1 both write
   * them, as runc does.
   */
  private forCgroupfs(r: Resources | undefined): Resources | undefined {
    if (this.mode !== 'v2' || !r?.devices) return r;
    const { devices: _, ...rest } = r;
    return rest;
  }

  /**
   * Stop the unit (systemd removes its cgroup), reset it if it failed, then remove what is left
   * through cgroupfs (directories systemd never made). A unit already gone is fine.
   */
  async stop(): Promise<void> {
    let stopError: unknown;
    try {
      const sd = await this.connect();
      try {
        const w = await sd.stopUnit(this.unit);
        if (w) this.warn(w);
      } finally {
        sd.close();
      }
    } catch (e) {
      stopError = e;
    }
    // Both on success and on error, as runc: the cgroupfs part is ours to remove.
    this.fs.destroy();
    this.started = false;
    if (stopError) throw stopError;
  }

  /** Removes only the cgroupfs directories; the unit itself needs `await stop()`. */
  destroy(): void {
    this.fs.destroy();
  }

  exists(): boolean {
    return this.fs.exists();
  }
  pids(): number[] {
    return this.fs.pids();
  }
  freeze(): void {
    this.fs.freeze();
  }
  thaw(): void {
    this.fs.thaw();
  }
  isFrozen(): boolean {
    return this.fs.isFrozen();
  }
  stats(): CgroupStats {
    return this.fs.stats();
  }
  killAll(signal: NodeJS.Signals | number): void {
    this.fs.killAll(signal);
  }
}

export function isSystemdManager(m: CgroupManager): m is SystemdManager {
  return (m as Partial<SystemdManager>).driver === 'systemd';
}

/**
 * A manager for a new container's systemd unit (nothing happens until start(pid)). Throws runc's
 * "systemd not running on this host" when the host was not booted with systemd.
 */
export function createSystemdManager(o: SystemdOptions): SystemdManager {
  if (!isRunningSystemd(o.hostRoot)) throw new CgroupError(NOT_RUNNING);
  const unit = parseSystemdCgroupsPath(o.cgroupsPath, o.id);
  if (unit.kind === 'slice') {
    // runc only starts a slice without processes (pid -1, for kubelet's pod slices); a container
    // always has one, and systemd answers PIDs= on a slice with "Cannot set property PIDs".
    throw new CgroupError(`linux.cgroupsPath ${JSON.stringify(o.cgroupsPath)}: ${unit.unit} is a slice, which cannot hold the container's processes (systemd refuses PIDs= for slices); name a scope instead, e.g. "${unit.slice}:${o.cgroupsPath?.split(':')[1] || 'tsrc'}:${unit.unit.slice(0, -'.slice'.length)}"`);
  }
  const layout = o.layout ?? detectLayout();
  const paths = systemdPaths(layout, unit.cgroup);
  const fs = o.fs ?? (layout.mode === 'v2' ? new V2Manager(paths, [], layout) : new V1Manager(paths, [], layout));
  return new SystemdManager(unit.unit, fs, {
    spec: unit,
    started: false,
    connect: { busAddress: o.busAddress, privateSocket: o.privateSocket, timeoutMs: o.timeoutMs },
    deviceEnv: o.deviceEnv,
  });
}

/** The manager of a started unit, from state (the cgroupfs manager `fs` from its saved paths). */
export function loadSystemdManager(saved: SavedSystemd, fs: CgroupManager, connect: SystemdConnectOptions = {}): SystemdManager {
  if (typeof saved?.unit !== 'string' || !/^[A-Za-z0-9:_.-]+\.(scope|slice)$/.test(saved.unit)) {
    throw new CgroupError(`cgroup: saved systemd unit is not a unit name: ${JSON.stringify(saved?.unit)}`);
  }
  return new SystemdManager(saved.unit, fs, { started: true, connect });
}
