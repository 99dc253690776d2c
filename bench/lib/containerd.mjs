// A private containerd (own root, state, sockets and opt dir; CRI off) with a busybox image built
// locally as a docker-archive tarball, for timing `ctr run --rm` with each runtime as the shim's runc.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeRootfs } from './bundles.mjs';
import { errorLine, sleepMs } from './util.mjs';

const GOARCH = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** Writes a docker-archive tarball (manifest.json, config, one layer) of a busybox rootfs. */
function buildImage(dir, tag) {
  const layerDir = makeRootfs(join(dir, 'layer'));
  const layerTar = join(dir, 'layer.tar');
  run('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', layerDir, '-cf', layerTar, '.']);
  const diffId = createHash('sha256').update(readFileSync(layerTar)).digest('hex');
  const config = JSON.stringify({
    architecture: GOARCH[process.arch] ?? process.arch,
    os: 'linux',
    config: { Env: ['PATH=/bin'], Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: [`sha256:${diffId}`] },
  });
  const configId = createHash('sha256').update(config).digest('hex');
  const out = join(dir, 'archive');
  mkdirSync(join(out, diffId), { recursive: true });
  writeFileSync(join(out, `${configId}.json`), config);
  run('cp', [layerTar, join(out, diffId, 'layer.tar')]);
  writeFileSync(join(out, 'manifest.json'), JSON.stringify([{ Config: `${configId}.json`, RepoTags: [tag], Layers: [`${diffId}/layer.tar`] }]));
  const image = join(dir, 'image.tar');
  run('tar', ['-C', out, '-cf', image, 'manifest.json', `${configId}.json`, diffId]);
  return image;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120000, ...opts });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.error?.message ?? (errorLine(r.stderr || r.stdout) || `exit ${r.status}`)}`);
  return r.stdout;
}

export class PrivateContainerd {
  constructor(tmp, namespace) {
    this.dir = join(tmp, 'containerd');
    this.sock = join(this.dir, 'c.sock');
    this.ns = namespace;
    this.log = join(this.dir, 'containerd.log');
    this.proc = null;
    this.image = null;
  }

  /** Starts containerd and imports the image; throws with containerd's log tail on failure. */
  start() {
    for (const d of ['root', 'state', 'opt']) mkdirSync(join(this.dir, d), { recursive: true });
    const cfg = join(this.dir, 'config.toml');
    writeFileSync(cfg, [
      'version = 2',
      `root = "${join(this.dir, 'root')}"`,
      `state = "${join(this.dir, 'state')}"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",',
      '  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp"]',
      '[grpc]',
      `  address = "${this.sock}"`,
      '[ttrpc]',
      `  address = "${this.sock}.ttrpc"`,
      '[debug]',
      '  address = ""',
      '[metrics]',
      '  address = ""',
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = "${join(this.dir, 'opt')}"`,
      '',
    ].join('\n'));
    const log = openSync(this.log, 'a');
    // Own session: a Ctrl-C in the terminal must not stop it before the cleanup has used it.
    this.proc = spawn('containerd', ['--config', cfg], { stdio: ['ignore', log, log], detached: true });
    closeSync(log);
    this.proc.unref();
    const end = Date.now() + 30000;
    while (spawnSync('ctr', ['-a', this.sock, 'version'], { stdio: 'ignore', timeout: 5000 }).status !== 0) {
      if (Date.now() > end || this.proc.exitCode !== null) throw new Error(`containerd did not come up: ${this.logTail()}`);
      sleepMs(100);
    }
    const tar = buildImage(join(this.dir, 'image'), 'tsrc-bench/busybox:latest');
    run('ctr', ['-a', this.sock, '-n', this.ns, 'images', 'import', tar]);
    this.image = run('ctr', ['-a', this.sock, '-n', this.ns, 'images', 'ls', '-q']).split('\n').find((l) => l.includes('tsrc-bench/busybox'));
    if (!this.image) throw new Error('image import left no tsrc-bench/busybox image');
  }

  logTail() {
    try {
      return readFileSync(this.log, 'utf8').trim().split('\n').slice(-3).join(' | ');
    } catch {
      return '(no log)';
    }
  }

  /** argv of `ctr run --rm` for one runtime binary, with the runtime's own --runc-root. */
  runArgv(bin, runcRoot, id) {
    return ['ctr', '-a', this.sock, '-n', this.ns, 'run', '--rm', '--runtime', 'io.containerd.runc.v2',
      '--runc-binary', bin, '--runc-root', runcRoot, this.image, id, 'true'];
  }

  /** Removes whatever a failed `ctr run` left behind for `id`. */
  forget(id) {
    const ctr = (...a) => spawnSync('ctr', ['-a', this.sock, '-n', this.ns, ...a], { stdio: 'ignore', timeout: 30000 });
    ctr('tasks', 'kill', '-s', 'KILL', id);
    ctr('tasks', 'delete', '-f', id);
    ctr('containers', 'rm', id);
    ctr('snapshots', 'rm', id);
  }

  /** Deletes every task and container, stops containerd (TERM, then KILL) and stray shims. */
  stop() {
    if (!this.proc) return;
    if (this.proc.exitCode === null) {
      const ids = spawnSync('ctr', ['-a', this.sock, '-n', this.ns, 'containers', 'ls', '-q'], { encoding: 'utf8', timeout: 30000 });
      for (const id of (ids.stdout ?? '').split('\n').filter(Boolean)) this.forget(id);
      try {
        process.kill(this.proc.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const end = Date.now() + 10000;
      while (existsSync(`/proc/${this.proc.pid}`) && !isZombie(this.proc.pid) && Date.now() < end) sleepMs(50);
      try {
        process.kill(this.proc.pid, 'SIGKILL');
      } catch {
        /* stopped */
      }
    }
    // Shims outlive containerd by design; ours are the ones started for our namespace and address.
    for (const pid of shimPids(this.ns, this.sock)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    this.proc = null;
  }
}

function isZombie(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}

function shimPids(ns, sock) {
  const pids = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    let cmd;
    try {
      cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!cmd[0]?.includes('containerd-shim')) continue;
    const nsAt = cmd.indexOf('-namespace');
    const addrAt = cmd.indexOf('-address');
    if (nsAt >= 0 && cmd[nsAt + 1] === ns && addrAt >= 0 && cmd[addrAt + 1] === sock) pids.push(Number(p));
  }
  return pids;
}
