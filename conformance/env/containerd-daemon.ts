// What the two private containerds (containerd.ts, and cri-containerd.ts with its CRI plugin) share:
// the layout in a temp dir (own root, state, grpc/ttrpc sockets, `opt` plugin directory, TMPDIR for
// the shim's runc-process* files and pty sockets, log), the config.toml lines for it, the process
// (started, waited for, stopped), `ctr` against it, and the host side of a teardown.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, logTail } from './daemon.js';
import { alive, cgroupPids, mountsUnder, removeCgroupTrees, shimPids } from './leftovers.js';
import { run, waitUntil, type RunOptions, type RunResult } from './run.js';

export const CONTAINERD = '/usr/bin/containerd';
export const CTR = '/usr/bin/ctr';

const kill = (pid: number): void => {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
};

export abstract class ContainerdDaemon {
  readonly dir: string;
  readonly address: string;
  readonly root: string;
  readonly state: string;
  readonly opt: string;
  readonly tmp: string;
  readonly logPath: string;
  /** The namespace `ctr()` uses. */
  abstract readonly namespace: string;
  private daemon?: Daemon;

  /** Makes the temp dir (/tmp/<prefix>XXXXXX) and its root, state, opt and tmp directories. */
  protected constructor(prefix: string) {
    // Short path: the grpc socket path must fit in sun_path (108 bytes).
    this.dir = mkdtempSync(`/tmp/${prefix}`);
    this.address = join(this.dir, 'containerd.sock');
    this.root = join(this.dir, 'root');
    this.state = join(this.dir, 'state');
    this.opt = join(this.dir, 'opt');
    this.tmp = join(this.dir, 'tmp');
    this.logPath = join(this.dir, 'containerd.log');
    for (const d of [this.root, this.state, this.opt, this.tmp]) mkdirSync(d, { recursive: true });
  }

  /** The config.toml lines for this layout; `topLevel` keys go before the first table. */
  protected baseConfig(topLevel: string[] = []): string[] {
    return [
      'version = 2',
      `root = ${JSON.stringify(this.root)}`,
      `state = ${JSON.stringify(this.state)}`,
      ...topLevel,
      '[grpc]',
      `  address = ${JSON.stringify(this.address)}`,
      '[ttrpc]',
      `  address = ${JSON.stringify(`${this.address}.ttrpc`)}`,
      '[debug]',
      '  level = "info"',
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = ${JSON.stringify(this.opt)}`,
    ];
  }

  protected assertNotStarted(): void {
    if (this.daemon) throw new Error('containerd already started');
  }

  /** Whether start() ran and stop() has not (containerd may have died since). */
  protected get started(): boolean {
    return this.daemon !== undefined;
  }

  /**
   * Starts containerd with <dir>/config.toml and TMPDIR=<tmp>, run by `wrap` (argv before it, or
   * none), and waits up to 30 s until its socket exists and `ready` holds, polling every `every` ms;
   * returns whether it came up and still runs.
   */
  protected async launch(wrap: string[], ready: () => Promise<boolean>, every: number): Promise<boolean> {
    this.assertNotStarted();
    const daemon = new Daemon([...wrap, CONTAINERD, '--config', join(this.dir, 'config.toml')], this.logPath, { ...process.env, TMPDIR: this.tmp });
    this.daemon = daemon;
    return daemon.waitReady(this.address, ready, 30_000, every);
  }

  /** Stops containerd (SIGTERM, then SIGKILL after 10 s); shims and their containers keep running. */
  async stop(): Promise<void> {
    const daemon = this.daemon;
    if (!daemon) return;
    await daemon.stop(10_000);
    this.daemon = undefined;
  }

  get pid(): number | undefined {
    return this.daemon?.pid;
  }

  logTail(lines = 30): string {
    return logTail(this.logPath, lines);
  }

  /** Runs `ctr --address <sock> --namespace <namespace> ...args` (this instance's namespace unless given). */
  ctr(args: string[], opts: RunOptions = {}, namespace = this.namespace): Promise<RunResult> {
    return run(CTR, ['--address', this.address, '--namespace', namespace, ...args], opts);
  }

  /**
   * The host side of a teardown, once containerd is stopped: kills shims that outlived it and
   * processes left in `cgroupParents` (containers whose shim is gone), unmounts what is left under
   * the temp dir and removes the cgroup trees. Returns what had to be cleaned by force: the shims,
   * the mounts other than `expectedMounts`, the cgroups that could not be removed, and the processes
   * if `reportProcesses`.
   */
  protected async cleanHost(cgroupParents: string[], o: { reportProcesses?: boolean; expectedMounts?: string[] } = {}): Promise<string[]> {
    const problems: string[] = [];
    for (const pid of shimPids(this.address)) {
      problems.push(`shim ${pid} still running`);
      kill(pid);
    }
    for (const parent of cgroupParents) {
      for (const pid of cgroupPids(parent)) {
        if (o.reportProcesses) problems.push(`process ${pid} still in ${parent}`);
        kill(pid);
      }
    }
    await waitUntil(() => shimPids(this.address).every((p) => !alive(p)), 5000);
    for (const m of mountsUnder(this.dir)) {
      if (!o.expectedMounts?.includes(m)) problems.push(`mount ${m}`);
      await run('umount', ['-l', m], { timeout: 10 });
    }
    for (const parent of cgroupParents) {
      await waitUntil(() => cgroupPids(parent).length === 0, 5000);
      for (const d of removeCgroupTrees(parent)) problems.push(`cgroup ${d} could not be removed`);
    }
    return problems;
  }
}
