// A private containerd with its CRI plugin on, for conformance/cri.test.ts. Like containerd.ts
// (own root, state, sockets, opt dir and shim TMPDIR in a temp dir: containerd-daemon.ts), plus what the CRI plugin needs:
//  - one runtime handler per runtime under test (`runc` the control, `tsrc`), both the runc v2 shim
//    with BinaryName set and their own Root (state in <dir>/rt/<handler>/k8s.io/<id>), cgroupfs;
//  - a network of its own: containerd runs in a network namespace made here (bound at <dir>/netns),
//    so the CNI bridge, "host network" pods and the streaming server all live there, with no uplink:
//    nothing a pod sends can leave the machine. CNI is Debian's bridge + host-local (+ loopback,
//    which containerd adds itself), with its config and IPAM state in the temp dir, and the pods'
//    netns files under the CRI state dir (netns_mounts_under_state_dir), not /var/run/netns;
//  - a sandbox ("pause") image built locally (cri-images.ts), as sandbox_image.
// Pod cgroups go under /tsrc-cri-<pid>/ (each pod passes a cgroup_parent below it). teardown()
// removes every pod through the CRI, stops containerd, kills stray shims and containers, unmounts
// everything under the temp dir (pods' netns, the private netns, rootfs, shm) and removes the cgroups.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ContainerdDaemon } from './containerd-daemon.js';
import { CriClient, type CriError } from './cri-client.js';
import { PAUSE_REF } from './cri-images.js';
import { entries } from './leftovers.js';
import { markOwner } from './owner.js';
import { run, type RunOptions, type RunResult } from './run.js';
import type { Runtime } from './scenario.js';

export { CONTAINERD, CTR } from './containerd-daemon.js';
export const CNI_BIN_DIR = '/usr/lib/cni';
/** The containerd namespace the CRI plugin always uses. */
export const CRI_NAMESPACE = 'k8s.io';
/** Where libcni caches ADD results (containerd 1.6 has no option to move it); checked for leftovers. */
export const CNI_CACHE_DIR = '/var/lib/cni/results';
/** The pod subnet: private, and only routed inside the private network namespace. */
export const POD_SUBNET = '10.231.7.0/24';
export const POD_SUBNET_PREFIX = '10.231.7.';

export class CriContainerd extends ContainerdDaemon {
  /** `ctr()` works in the CRI plugin's namespace. */
  readonly namespace = CRI_NAMESPACE;
  /** The network namespace containerd (and so the CNI bridge and host-network pods) runs in. */
  readonly netns: string;
  readonly cniConfDir: string;
  readonly cniDataDir: string;
  /** The CNI network's name (also its libcni cache key). */
  readonly network: string;
  /** Pod log directories go below this. */
  readonly podLogs: string;
  /** Pods' cgroup_parent values are below this (relative to each hierarchy root). */
  readonly cgroupRoot: string;
  readonly runtimes: Runtime[];
  private client?: CriClient;
  /** Whether /var/lib/cni was absent before: libcni creates it for its cache, teardown removes it. */
  private readonly ownsCniCache = !existsSync(dirname(CNI_CACHE_DIR));

  constructor(runtimes: Runtime[]) {
    super('tsrc-cri-');
    this.netns = join(this.dir, 'netns');
    this.cniConfDir = join(this.dir, 'cni', 'net.d');
    this.cniDataDir = join(this.dir, 'cni', 'ipam');
    this.podLogs = join(this.dir, 'pods');
    this.network = `tsrc-cri-${process.pid}`;
    this.cgroupRoot = `/tsrc-cri-${process.pid}`;
    this.runtimes = runtimes;
    for (const d of [this.cniConfDir, this.cniDataDir, this.podLogs]) mkdirSync(d, { recursive: true });
    for (const rt of runtimes) mkdirSync(this.runtimeRoot(rt.name), { recursive: true });
    writeFileSync(join(this.dir, 'config.toml'), this.config());
    writeFileSync(join(this.cniConfDir, '10-tsrc-cri.conflist'), this.cniConfig());
    // If this process dies without teardown, the next run cleans up (conformance/env/stale.ts):
    // it kills what names the temp dir, unmounts below it (the netns files too) and removes cgroups.
    markOwner(this.dir, [this.cgroupRoot]);
  }

  /** The shim's runc root for a handler; a container's state is <root>/k8s.io/<id>. */
  runtimeRoot(handler: string): string {
    return join(this.dir, 'rt', handler);
  }

  /** Where the CRI plugin binds pods' network namespaces (netns_mounts_under_state_dir). */
  get podNetnsDir(): string {
    return join(this.state, 'io.containerd.grpc.v1.cri', 'netns');
  }

  /** The bundle the shim makes for a container or sandbox. */
  bundle(id: string): string {
    return join(this.state, 'io.containerd.runtime.v2.task', CRI_NAMESPACE, id);
  }

  private config(): string {
    const cri = 'plugins."io.containerd.grpc.v1.cri"';
    const lines = [
      ...this.baseConfig(),
      `[${cri}]`,
      `  sandbox_image = ${JSON.stringify(PAUSE_REF)}`,
      // Streaming (Exec/Attach URLs) on loopback of the private netns, a free port.
      '  stream_server_address = "127.0.0.1"',
      '  stream_server_port = "0"',
      '  enable_selinux = false',
      '  disable_apparmor = true',
      '  netns_mounts_under_state_dir = true',
      // The sandbox gets oom_score_adj -998 otherwise, and lowering it needs CAP_SYS_RESOURCE, which
      // root does not have on every CI VM (this one): clamp to containerd's own value instead.
      '  restrict_oom_score_adj = true',
      `[${cri}.containerd]`,
      '  snapshotter = "overlayfs"',
      // Pods that name no handler get the control runtime (or the only one under test).
      `  default_runtime_name = ${JSON.stringify(this.runtimes[0]?.name ?? 'runc')}`,
    ];
    for (const rt of this.runtimes) {
      lines.push(
        `[${cri}.containerd.runtimes.${rt.name}]`,
        '  runtime_type = "io.containerd.runc.v2"',
        `[${cri}.containerd.runtimes.${rt.name}.options]`,
        `  BinaryName = ${JSON.stringify(rt.binary)}`,
        `  Root = ${JSON.stringify(this.runtimeRoot(rt.name))}`,
        '  SystemdCgroup = false',
      );
    }
    lines.push(`[${cri}.cni]`, `  bin_dir = ${JSON.stringify(CNI_BIN_DIR)}`, `  conf_dir = ${JSON.stringify(this.cniConfDir)}`, '  max_conf_num = 1', '');
    return lines.join('\n');
  }

  private cniConfig(): string {
    return JSON.stringify(
      {
        cniVersion: '1.0.0',
        name: this.network,
        plugins: [
          {
            type: 'bridge',
            bridge: 'tsrccri0',
            // The gateway address lives on the bridge inside the private netns; no masquerading,
            // no iptables rules, no route anywhere else.
            isGateway: true,
            ipMasq: false,
            ipam: { type: 'host-local', ranges: [[{ subnet: POD_SUBNET }]], dataDir: this.cniDataDir },
          },
        ],
      },
      null,
      2,
    );
  }

  /** Makes the private network namespace, starts containerd in it and waits for the CRI to answer. */
  async start(): Promise<void> {
    this.assertNotStarted();
    if (!existsSync(this.netns)) {
      writeFileSync(this.netns, '');
      const r = await run('unshare', [`--net=${this.netns}`, 'true'], { timeout: 10 });
      if (r.status !== 0) throw new Error(`unshare --net=${this.netns}: ${r.stderr}`);
      await run('nsenter', [`--net=${this.netns}`, 'ip', 'link', 'set', 'lo', 'up'], { timeout: 10 });
    }
    let unimplemented = false;
    // nsenter execs containerd inside the private netns (only the netns: mounts stay visible to the
    // host and the test).
    const up = await this.launch(['nsenter', `--net=${this.netns}`, '--'], async () => {
      try {
        await this.cri.rt('Version', { version: 'v1' }, 5);
        return true;
      } catch (e) {
        // containerd serves, but without the CRI service: its plugin failed to load (bad config).
        unimplemented = (e as CriError).code === 'UNIMPLEMENTED';
        return unimplemented;
      }
    }, 200);
    if (!up || unimplemented) {
      const why = readFileSync(this.logPath, 'utf8').split('\n').filter((l) => /level=(warning|error|fatal)/.test(l));
      throw new Error(`containerd's CRI did not come up (see ${this.logPath}):\n${(why.length ? why : [this.logTail()]).join('\n')}`);
    }
  }

  get cri(): CriClient {
    this.client ??= new CriClient(this.address);
    return this.client;
  }

  /** Runs a command inside the private network namespace. */
  inNetns(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return run('nsenter', [`--net=${this.netns}`, '--', cmd, ...args], opts);
  }

  /** Stops and removes every pod sandbox (and so its containers) through the CRI; best effort. */
  async removeAllPods(): Promise<string[]> {
    const failures: string[] = [];
    let items: { id: string }[] = [];
    try {
      items = (await this.cri.rt('ListPodSandbox', {}, 20)).items;
    } catch (e) {
      return [`ListPodSandbox: ${(e as Error).message}`];
    }
    for (const { id } of items) {
      for (const m of ['StopPodSandbox', 'RemovePodSandbox']) {
        try {
          await this.cri.rt(m, { pod_sandbox_id: id }, 60);
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
    }
    return failures;
  }

  /** Closes the CRI client and stops containerd (SIGTERM, then SIGKILL after 10 s). */
  async stop(): Promise<void> {
    this.client?.close();
    this.client = undefined;
    await super.stop();
  }

  /** Removes every pod, stops containerd and cleans the host; returns what had to be cleaned by force. */
  async teardown(): Promise<string[]> {
    const problems: string[] = [];
    if (this.started) {
      problems.push(...(await this.removeAllPods()).map((f) => `pod removal failed: ${f}`));
      await this.stop();
    }
    // <dir>/netns is the private netns, bound there on purpose: unmounted, but no leftover.
    problems.push(...(await this.cleanHost([this.cgroupRoot], { reportProcesses: true, expectedMounts: [this.netns] })));
    for (const f of this.cniCacheEntries()) {
      problems.push(`libcni cache ${f}`);
      rmSync(join(CNI_CACHE_DIR, f), { force: true });
    }
    if (this.ownsCniCache) {
      for (const d of [CNI_CACHE_DIR, dirname(CNI_CACHE_DIR)]) {
        try {
          rmdirSync(d);
        } catch {
          // not empty (someone else's cache) or absent
        }
      }
    }
    // The log goes with the temp dir; CONFORMANCE_CRI_LOG=<file> keeps a copy for debugging.
    if (process.env.CONFORMANCE_CRI_LOG && existsSync(this.logPath)) copyFileSync(this.logPath, process.env.CONFORMANCE_CRI_LOG);
    rmSync(this.dir, { recursive: true, force: true });
    return problems;
  }

  /** libcni's cached results naming a sandbox id (its network's and the loopback's). */
  static cniCacheEntriesOf(id: string): string[] {
    return entries(CNI_CACHE_DIR).filter((f) => f.includes(id));
  }

  /** libcni's cached results for this network (removed by a successful CNI DEL). */
  cniCacheEntries(): string[] {
    return entries(CNI_CACHE_DIR).filter((f) => f.startsWith(`${this.network}-`));
  }

  /** host-local's address reservations still held (files named by IP in its data dir). */
  ipReservations(): string[] {
    const dir = join(this.cniDataDir, this.network);
    return existsSync(dir) ? readdirSync(dir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)) : [];
  }
}

/**
 * Removes libcni cache entries left by CRI test runs that died (stale.ts cleans their temp dirs,
 * but the cache is outside them): files of networks tsrc-cri-<pid> whose test process is gone,
 * and the loopback entries of the same sandboxes. Returns the removed names.
 */
export function reapStaleCniCache(): string[] {
  const removed: string[] = [];
  const files = entries(CNI_CACHE_DIR);
  for (const f of files) {
    const m = /^tsrc-cri-(\d+)-([0-9a-f]{64})-/.exec(f);
    if (!m || Number(m[1]) === process.pid) continue;
    let owner = '';
    try {
      owner = readFileSync(`/proc/${m[1]}/cmdline`, 'utf8');
    } catch {
      // gone
    }
    if (owner.includes('cri.test')) continue;
    for (const g of files.filter((x) => x === f || x.startsWith(`cni-loopback-${m[2]}-`))) {
      rmSync(join(CNI_CACHE_DIR, g), { force: true });
      removed.push(g);
    }
  }
  return removed;
}
