// A private podman (Debian's podman 4.3 + conmon): every piece of state podman keeps (storage
// root and runroot, libpod tmpdir, network config, volumes, the image-load TMPDIR) is in a temp
// dir, containers' cgroups go under a parent named for the test (cgroupfs manager: there is no
// systemd here), and events go to a file. Podman calls the runtime directly through conmon (no
// containerd), so it checks the plain runc CLI contract: create/start/exec/kill/delete.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { mountsUnder } from './leftovers.js';
import { run, type RunOptions, type RunResult } from './run.js';
import { markOwner } from './owner.js';

export const PODMAN = '/usr/bin/podman';
export const CONMON = '/usr/bin/conmon';

/** Where podman's image layer keeps its blob cache for root: created by `podman load`. */
const BLOB_CACHE_DIR = '/var/lib/containers';

export class PrivatePodman {
  readonly dir: string;
  readonly cgroupParent: string;
  private readonly hadBlobCache = existsSync(BLOB_CACHE_DIR);

  constructor(name = `tsrc-conf-${process.pid}`) {
    this.dir = mkdtempSync('/tmp/tsrc-pod-');
    this.cgroupParent = `/${name}-podman`;
    for (const d of ['graph', 'runroot', 'tmp', 'net', 'vol', 'imgtmp']) mkdirSync(join(this.dir, d), { recursive: true });
    markOwner(this.dir, [this.cgroupParent]);
  }

  /** Global podman flags that keep all state private. */
  globals(): string[] {
    return [
      '--root', join(this.dir, 'graph'),
      '--runroot', join(this.dir, 'runroot'),
      '--tmpdir', join(this.dir, 'tmp'),
      '--network-config-dir', join(this.dir, 'net'),
      '--volumepath', join(this.dir, 'vol'),
      '--storage-driver', 'overlay',
      '--cgroup-manager', 'cgroupfs',
      '--events-backend', 'file',
      '--conmon', CONMON,
    ];
  }

  /**
   * `podman <globals> [--runtime <binary>] ...args`. No --runtime-flag root=…: podman's cleanup
   * process (started by conmon when a container exits) does not get runtime flags, so the runtime
   * must keep its state in its default root, as it does for every podman user.
   */
  podman(args: string[], opts: RunOptions & { runtime?: string } = {}): Promise<RunResult> {
    const rt = opts.runtime ? ['--runtime', opts.runtime] : [];
    return run(PODMAN, [...this.globals(), ...rt, ...args], {
      timeout: 60,
      ...opts,
      env: { ...process.env, TMPDIR: join(this.dir, 'imgtmp'), ...(opts.env ?? {}) },
    });
  }

  /** Removes all containers and images, unmounts storage, and removes what podman made outside. */
  async teardown(): Promise<void> {
    await this.podman(['rm', '-a', '-f', '-t', '0'], { timeout: 60 });
    await this.podman(['rmi', '-a', '-f'], { timeout: 60 });
    for (const m of mountsUnder(this.dir)) await run('umount', ['-l', m], { timeout: 10 });
    rmSync(this.dir, { recursive: true, force: true });
    if (!this.hadBlobCache) rmSync(BLOB_CACHE_DIR, { recursive: true, force: true });
  }
}
