// A private containerd for one test file: its own root, state, grpc/ttrpc sockets and `opt` plugin
// directory in a temp dir, the CRI plugin disabled, TMPDIR (where the shim writes runc-process*
// files and pty sockets) inside the temp dir too. teardown() removes every task, stops containerd,
// kills any shim still serving it, unmounts what is left under the temp dir and removes the
// namespace's cgroups, so nothing outlives the test file.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerdDaemon, CTR } from './containerd-daemon.js';
import { shimSocket } from './leftovers.js';
import { run } from './run.js';
import { markOwner } from './owner.js';

export { CONTAINERD, CTR } from './containerd-daemon.js';
/** Where the shim keeps a runtime's state when the caller sets no root (ctr --uidmap/--no-pivot). */
export const DEFAULT_RUNC_ROOT = '/run/containerd/runc';

export class PrivateContainerd extends ContainerdDaemon {
  readonly fifoDir: string;
  /** The namespace every ctr call of this instance uses; containers' cgroups are /<namespace>/<id>. */
  readonly namespace: string;

  constructor(namespace = `tsrc-conf-${process.pid}`) {
    super('tsrc-ctd-');
    this.fifoDir = join(this.dir, 'fifo');
    this.namespace = namespace;
    for (const d of [join(this.opt, 'bin'), this.fifoDir]) mkdirSync(d, { recursive: true });
    writeFileSync(join(this.dir, 'config.toml'), this.config());
    // If this process dies without teardown, the next run cleans up (conformance/env/stale.ts).
    markOwner(this.dir, [`/${namespace}`, `/${namespace}-docker`], [join(DEFAULT_RUNC_ROOT, namespace)]);
  }

  private config(): string {
    return [...this.baseConfig(['disabled_plugins = ["io.containerd.grpc.v1.cri"]']), ''].join('\n');
  }

  /** Starts containerd and waits until it answers on its socket. */
  async start(): Promise<void> {
    const up = await this.launch([], async () => (await this.ctr(['version'], { timeout: 5 })).status === 0, 100);
    if (!up) throw new Error(`containerd did not come up (see ${this.logPath}):\n${this.logTail()}`);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** The bundle directory the shim creates for a task. */
  bundle(id: string, namespace = this.namespace): string {
    return join(this.state, 'io.containerd.runtime.v2.task', namespace, id);
  }

  shimSocket(id: string, namespace = this.namespace): string {
    return shimSocket(this.address, namespace, id);
  }

  /** Task status as `ctr task ls` shows it (RUNNING, STOPPED, PAUSED, CREATED…), or undefined. */
  async taskStatus(id: string): Promise<{ pid: number; status: string } | undefined> {
    const r = await this.ctr(['task', 'ls'], { timeout: 10 });
    for (const line of r.stdout.split('\n').slice(1)) {
      const [tid, pid, status] = line.trim().split(/\s+/);
      if (tid === id) return { pid: Number(pid), status };
    }
    return undefined;
  }

  /** Removes a task and container whatever their state (best effort, for teardowns). */
  async forceRemove(id: string, namespace = this.namespace): Promise<void> {
    await this.ctr(['task', 'rm', '-f', id], { timeout: 20 }, namespace);
    await this.ctr(['container', 'rm', id], { timeout: 20 }, namespace);
  }

  /** Removes every task and container in every namespace, stops containerd and cleans the host. */
  async teardown(extraCgroupParents: string[] = []): Promise<string[]> {
    if (this.started) {
      const nss = (await run(CTR, ['--address', this.address, 'namespaces', 'ls', '-q'], { timeout: 10 })).stdout.split('\n').filter(Boolean);
      for (const ns of nss) {
        const ids = (await this.ctr(['containers', 'ls', '-q'], { timeout: 10 }, ns)).stdout.split('\n').filter(Boolean);
        for (const id of ids) await this.forceRemove(id, ns);
      }
      await this.stop();
    }
    // Shims that outlived containerd, and containers whose shim is gone.
    const problems = await this.cleanHost([`/${this.namespace}`, ...extraCgroupParents]);
    rmSync(join(DEFAULT_RUNC_ROOT, this.namespace), { recursive: true, force: true });
    rmSync(this.dir, { recursive: true, force: true });
    return problems;
  }
}
