// A private containerd for one test file: its own root, state, grpc/ttrpc sockets and `opt` plugin
// directory in a temp dir, the CRI plugin disabled, TMPDIR (where the shim writes runc-process*
// files and pty sockets) inside the temp dir too. teardown() removes every task, stops containerd,
// kills any shim still serving it, unmounts what is left under the temp dir and removes the
// namespace's cgroups, so nothing outlives the test file.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, cgroupPids, mountsUnder, removeCgroupTrees, shimPids, shimSocket } from './leftovers.js';
import { run, sleep, waitUntil, type RunOptions, type RunResult } from './run.js';
import { markOwner } from './owner.js';

export const CONTAINERD = '/usr/bin/containerd';
export const CTR = '/usr/bin/ctr';
/** Where the shim keeps a runtime's state when the caller sets no root (ctr --uidmap/--no-pivot). */
export const DEFAULT_RUNC_ROOT = '/run/containerd/runc';

export class PrivateContainerd {
  readonly dir: string;
  readonly address: string;
  readonly root: string;
  readonly state: string;
  readonly opt: string;
  readonly tmp: string;
  readonly fifoDir: string;
  readonly logPath: string;
  /** The namespace every ctr call of this instance uses; containers' cgroups are /<namespace>/<id>. */
  readonly namespace: string;
  private proc?: ChildProcess;
  private exited?: Promise<void>;

  constructor(namespace = `tsrc-conf-${process.pid}`) {
    // Short path: the grpc socket path must fit in sun_path (108 bytes).
    this.dir = mkdtempSync('/tmp/tsrc-ctd-');
    this.address = join(this.dir, 'containerd.sock');
    this.root = join(this.dir, 'root');
    this.state = join(this.dir, 'state');
    this.opt = join(this.dir, 'opt');
    this.tmp = join(this.dir, 'tmp');
    this.fifoDir = join(this.dir, 'fifo');
    this.logPath = join(this.dir, 'containerd.log');
    this.namespace = namespace;
    for (const d of [this.root, this.state, join(this.opt, 'bin'), this.tmp, this.fifoDir]) mkdirSync(d, { recursive: true });
    writeFileSync(join(this.dir, 'config.toml'), this.config());
    // If this process dies without teardown, the next run cleans up (conformance/env/stale.ts).
    markOwner(this.dir, [`/${namespace}`, `/${namespace}-docker`], [join(DEFAULT_RUNC_ROOT, namespace)]);
  }

  private config(): string {
    return [
      'version = 2',
      `root = ${JSON.stringify(this.root)}`,
      `state = ${JSON.stringify(this.state)}`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = ${JSON.stringify(this.address)}`,
      '[ttrpc]',
      `  address = ${JSON.stringify(`${this.address}.ttrpc`)}`,
      '[debug]',
      '  level = "info"',
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = ${JSON.stringify(this.opt)}`,
      '',
    ].join('\n');
  }

  /** Starts containerd and waits until it answers on its socket. */
  async start(): Promise<void> {
    if (this.proc) throw new Error('containerd already started');
    const log = openSync(this.logPath, 'a');
    // setpriv: containerd dies with the test process even if no teardown runs.
    const proc = spawn('setpriv', ['--pdeathsig', 'KILL', '--', CONTAINERD, '--config', join(this.dir, 'config.toml')], {
      stdio: ['ignore', log, log],
      env: { ...process.env, TMPDIR: this.tmp },
    });
    closeSync(log);
    this.proc = proc;
    this.exited = new Promise((resolve) => proc.on('exit', () => resolve()));
    const up = await waitUntil(async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return true;
      return existsSync(this.address) && (await this.ctr(['version'], { timeout: 5 })).status === 0;
    }, 30_000, 100);
    if (!up || proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`containerd did not come up (see ${this.logPath}):\n${this.logTail()}`);
    }
  }

  /** Stops containerd (SIGTERM, then SIGKILL after 10 s); shims and their containers keep running. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const done = await Promise.race([this.exited!.then(() => true), sleep(10_000).then(() => false)]);
      if (!done) {
        proc.kill('SIGKILL');
        await this.exited;
      }
    }
    this.proc = undefined;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(this.logPath, 'utf8').trim().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Runs `ctr --address <sock> --namespace <ns> ...args`. */
  ctr(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return run(CTR, ['--address', this.address, '--namespace', this.namespace, ...args], opts);
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
    const ns = ['--address', this.address, '--namespace', namespace];
    await run(CTR, [...ns, 'task', 'rm', '-f', id], { timeout: 20 });
    await run(CTR, [...ns, 'container', 'rm', id], { timeout: 20 });
  }

  /** Removes every task and container in every namespace, stops containerd and cleans the host. */
  async teardown(extraCgroupParents: string[] = []): Promise<string[]> {
    const problems: string[] = [];
    if (this.proc) {
      const nss = (await run(CTR, ['--address', this.address, 'namespaces', 'ls', '-q'], { timeout: 10 })).stdout.split('\n').filter(Boolean);
      for (const ns of nss) {
        const base = ['--address', this.address, '--namespace', ns];
        const ids = (await run(CTR, [...base, 'containers', 'ls', '-q'], { timeout: 10 })).stdout.split('\n').filter(Boolean);
        for (const id of ids) await this.forceRemove(id, ns);
      }
      await this.stop();
    }
    // Shims that outlived containerd, and containers whose shim is gone.
    for (const pid of shimPids(this.address)) {
      problems.push(`shim ${pid} still running`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    for (const parent of [`/${this.namespace}`, ...extraCgroupParents]) {
      for (const pid of cgroupPids(parent)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    await waitUntil(() => shimPids(this.address).every((p) => !alive(p)), 5000);
    for (const m of mountsUnder(this.dir)) {
      problems.push(`mount ${m}`);
      await run('umount', ['-l', m], { timeout: 10 });
    }
    for (const parent of [`/${this.namespace}`, ...extraCgroupParents]) {
      await waitUntil(() => cgroupPids(parent).length === 0, 5000);
      for (const d of removeCgroupTrees(parent)) problems.push(`cgroup ${d} could not be removed`);
    }
    rmSync(join(DEFAULT_RUNC_ROOT, this.namespace), { recursive: true, force: true });
    rmSync(this.dir, { recursive: true, force: true });
    return problems;
  }
}
