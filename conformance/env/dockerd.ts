// A private dockerd (Debian's docker.io) on top of a private containerd: own data root, exec root,
// pidfile, unix socket, config file and trust key, no bridge and no iptables, its containers'
// cgroups under a parent named for the test, and the runtimes under test registered with
// --add-runtime. The Docker CLI used is Debian's /usr/bin/docker, pointed at that socket.
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PrivateContainerd } from './containerd.js';
import { Daemon, logTail } from './daemon.js';
import { mountsUnder } from './leftovers.js';
import { run, type RunOptions, type RunResult } from './run.js';

export const DOCKERD = '/usr/sbin/dockerd';
/** Debian's CLI, by full path: another `docker` may come first on PATH. */
export const DOCKER = '/usr/bin/docker';

export class PrivateDockerd {
  readonly dir: string;
  readonly socket: string;
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly logPath: string;
  /** cgroup parent of every container (cgroupfs driver): /<cgroupParent>/<64-hex id>. */
  readonly cgroupParent: string;
  private daemon?: Daemon;
  /** dockerd always creates /run/docker/plugins; remove it afterwards if it was not there before. */
  private readonly hadRunDocker = existsSync('/run/docker');

  /** `runtimes` maps a docker runtime name to the binary (`docker run --runtime <name>`). */
  constructor(
    readonly containerd: PrivateContainerd,
    readonly runtimes: Record<string, string>,
  ) {
    this.dir = join(containerd.dir, 'docker');
    this.socket = join(this.dir, 'docker.sock');
    this.dataRoot = join(this.dir, 'data');
    this.execRoot = join(this.dir, 'exec');
    this.logPath = join(this.dir, 'dockerd.log');
    this.cgroupParent = `/${containerd.namespace}-docker`;
    for (const d of [this.dataRoot, this.execRoot, join(this.dir, 'cli')]) mkdirSync(d, { recursive: true });
    // The daemon's trust key would default to /etc/docker/key.json: keep it in the temp dir too.
    writeFileSync(join(this.dir, 'daemon.json'), `${JSON.stringify({ 'deprecated-key-path': join(this.dir, 'key.json') })}\n`);
  }

  async start(): Promise<void> {
    const args = [
      '--data-root', this.dataRoot,
      '--exec-root', this.execRoot,
      '--pidfile', join(this.dir, 'docker.pid'),
      '-H', `unix://${this.socket}`,
      '--config-file', join(this.dir, 'daemon.json'),
      '--containerd', this.containerd.address,
      '--bridge', 'none',
      '--iptables=false',
      '--ip6tables=false',
      '--cgroup-parent', this.cgroupParent,
      '--storage-driver', 'overlay2',
      ...Object.entries(this.runtimes).flatMap(([name, path]) => ['--add-runtime', `${name}=${path}`]),
    ];
    this.daemon = new Daemon([DOCKERD, ...args], this.logPath);
    const up = await this.daemon.waitReady(this.socket, async () => (await this.docker(['version'], { timeout: 5 })).status === 0, 60_000, 200);
    if (!up) throw new Error(`dockerd did not come up (see ${this.logPath}):\n${this.logTail()}`);
  }

  logTail(lines = 30): string {
    return logTail(this.logPath, lines);
  }

  docker(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return run(DOCKER, ['-H', `unix://${this.socket}`, ...args], {
      timeout: 30,
      ...opts,
      env: { ...process.env, DOCKER_CONFIG: join(this.dir, 'cli'), ...(opts.env ?? {}) },
    });
  }

  /** Removes every container, stops dockerd (SIGTERM, then SIGKILL after 15 s) and unmounts its dirs. */
  async teardown(): Promise<void> {
    if (this.daemon?.running) {
      const ids = (await this.docker(['ps', '-aq'], { timeout: 10 })).stdout.split('\n').filter(Boolean);
      if (ids.length) await this.docker(['rm', '-f', ...ids], { timeout: 60 });
      await this.daemon.stop(15_000);
    }
    this.daemon = undefined;
    for (const m of mountsUnder(this.dir)) await run('umount', ['-l', m], { timeout: 10 });
    if (!this.hadRunDocker) {
      for (const d of ['/run/docker/plugins', '/run/docker']) {
        try {
          rmdirSync(d);
        } catch {
          // not empty or not there: someone else uses it
        }
      }
    }
  }
}
