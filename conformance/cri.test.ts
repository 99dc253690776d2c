// Kubernetes drives the runtime: a private containerd with its CRI plugin (conformance/env/
// cri-containerd.ts) and two runtime handlers, `runc` (Debian's runc, the control: every runc
// scenario must pass, or the environment is at fault) and `tsrc` (build/tsrc), both behind the
// io.containerd.runc.v2 shim, as a RuntimeClass with `handler: tsrc` would select it. The test is
// the kubelet: it calls the CRI (runtime.v1 RuntimeService/ImageService over grpc, our subset in
// conformance/cri/api.proto) the way kubelet does, and asserts what kubelet and a cluster user see
// (states, exit codes, exec output, logs, stats, cgroup values, namespaces, mounts) and what is left
// on the host afterwards. Networking is CNI bridge + host-local inside a private network namespace.
import t, { type Test } from 'tap';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRI_NAMESPACE, CriContainerd, POD_SUBNET_PREFIX, reapStaleCniCache } from './env/cri-containerd.js';
import { CriError, type Msg } from './env/cri-client.js';
import { buildBusyboxArchive, buildPauseArchive, BUSYBOX_REF, PAUSE_REF } from './env/cri-images.js';
import { limitsOf } from './env/cgroupfs.js';
import { alive, cgroupDirs, entries, mountsUnder, shimPids } from './env/leftovers.js';
import { CALLER_PACKAGES, prerequisites } from './env/packages.js';
import { cleanupRunScratch, describe, run, waitUntil } from './env/run.js';
import { reapStale } from './env/stale.js';
import { checkTodoTable, runScenarios, runtimes, slug, type Runtime, type Scenario } from './env/scenario.js';

// ---------------------------------------------------------------------------------------------
// tsrc todo marks: scenario → the missing feature. Remove a line when the feature lands (the run
// prints "PASSES now, the mark can be removed" for a marked scenario that passes).
// ---------------------------------------------------------------------------------------------
const TSRC_TODO: Record<string, string> = {};

interface Pod {
  id: string;
  name: string;
  config: Msg;
  logDir: string;
}

interface Ctx {
  rt: Runtime;
  /** Pods the current scenario made (stopped, removed and checked after it). */
  pods: Pod[];
}

type Mode = 'POD' | 'CONTAINER' | 'NODE';

if (prerequisites(t, CALLER_PACKAGES.cri)) {
  // Both runtimes, 12 scenarios, on a busy 2-core VM: bound the whole file explicitly.
  t.setTimeout(300_000);
  const rts = runtimes();
  const ctd = new CriContainerd(rts);
  const cri = () => ctd.cri;
  // The host's /var/run/netns before the run: the CRI plugin must not add to it (its netns files
  // are under its state dir here), and no cni-* file may be left there.
  const hostNetnsBefore = entries('/var/run/netns');
  let seq = 0;
  let tornDown = false;
  const teardown = async (): Promise<string[]> => {
    if (tornDown) return [];
    tornDown = true;
    return ctd.teardown();
  };

  t.teardown(async () => {
    const problems = await teardown();
    cleanupRunScratch();
    if (problems.length) console.error(`# CRI containerd teardown had to clean up: ${problems.join('; ')}`);
  });

  // -------------------------------------------------------------------------------------------
  // Helpers: how kubelet drives a pod.
  // -------------------------------------------------------------------------------------------
  const errText = (e: unknown): string => (e instanceof CriError ? e.message : String(e));

  /** Runs one CRI step; a failure fails the test with the CRI error text and returns undefined. */
  async function step<T>(t: Test, what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (e) {
      t.fail(`${what}: ${errText(e)}`);
      return undefined;
    }
  }

  const nsOptions = (network: Mode, pid: Mode) => ({ network, pid, ipc: 'POD' });

  /** RunPodSandbox with a kubelet-like config; records the pod for removal after the scenario. */
  async function runPod(t: Test, ctx: Ctx, tag: string, o: { network?: Mode; pid?: Mode } = {}): Promise<Pod | undefined> {
    const name = `${ctx.rt.name}-${slug(tag)}-${++seq}`;
    const logDir = join(ctd.podLogs, name);
    mkdirSync(logDir, { recursive: true });
    const config = {
      metadata: { name, uid: `uid-${name}`, namespace: 'conformance', attempt: 0 },
      // kubelet sets no hostname for a host-network pod (it keeps the node's UTS namespace).
      hostname: o.network === 'NODE' ? '' : name,
      log_directory: logDir,
      labels: { 'tsrc-conformance': ctx.rt.name },
      linux: {
        // As kubelet's cgroupfs driver does: a per-pod parent; containers are <parent>/<id>.
        cgroup_parent: `${ctd.cgroupRoot}/${name}`,
        // kubelet's default pod: pid namespace per container unless shareProcessNamespace.
        security_context: { namespace_options: nsOptions(o.network ?? 'POD', o.pid ?? 'CONTAINER') },
      },
    };
    const r = await step(t, `RunPodSandbox ${name} (handler ${ctx.rt.name})`, () => cri().rt('RunPodSandbox', { config, runtime_handler: ctx.rt.name }, 60));
    if (!r) return undefined;
    const pod = { id: r.pod_sandbox_id as string, name, config, logDir };
    ctx.pods.push(pod);
    return pod;
  }

  interface ContainerOpts {
    attempt?: number;
    mounts?: Msg[];
    readonlyRootfs?: boolean;
    resources?: Msg;
    network?: Mode;
    pid?: Mode;
  }

  /** CreateContainer + StartContainer; returns the container id. */
  async function startContainer(t: Test, pod: Pod, name: string, command: string[], o: ContainerOpts = {}): Promise<string | undefined> {
    const attempt = o.attempt ?? 0;
    const podNs = pod.config.linux.security_context.namespace_options;
    // kubelet creates <pod log dir>/<container name>/ and asks for <name>/<attempt>.log in it.
    mkdirSync(join(pod.logDir, name), { recursive: true });
    const config = {
      metadata: { name, attempt },
      image: { image: BUSYBOX_REF },
      command,
      log_path: `${name}/${attempt}.log`,
      mounts: o.mounts ?? [],
      linux: {
        resources: o.resources,
        security_context: { namespace_options: nsOptions(o.network ?? podNs.network, o.pid ?? podNs.pid), readonly_rootfs: o.readonlyRootfs ?? false },
      },
    };
    const created = await step(t, `CreateContainer ${name} in ${pod.name}`, () => cri().rt('CreateContainer', { pod_sandbox_id: pod.id, config, sandbox_config: pod.config }, 60));
    if (!created) return undefined;
    const id = created.container_id as string;
    const started = await step(t, `StartContainer ${name} in ${pod.name}`, () => cri().rt('StartContainer', { container_id: id }, 60));
    return started ? id : undefined;
  }

  const status = async (id: string, verbose = false): Promise<Msg> => cri().rt('ContainerStatus', { container_id: id, verbose }, 20);

  /** Polls ContainerStatus until the state is `state`; returns the last status seen. */
  async function waitState(id: string, state: string, ms = 15_000): Promise<Msg | undefined> {
    let last: Msg | undefined;
    await waitUntil(async () => {
      try {
        last = (await status(id)).status;
      } catch {
        return false;
      }
      return last?.state === state;
    }, ms, 200);
    return last;
  }

  interface Exec {
    stdout: string;
    stderr: string;
    exit_code: number;
  }

  async function execSync(t: Test, id: string, cmd: string[]): Promise<Exec | undefined> {
    const r = await step(t, `ExecSync ${JSON.stringify(cmd)}`, () => cri().rt('ExecSync', { container_id: id, cmd, timeout: 15 }, 30));
    return r && { stdout: r.stdout.toString(), stderr: r.stderr.toString(), exit_code: r.exit_code };
  }

  const showExec = (r: Exec | undefined) => JSON.stringify(r);

  /** The net namespace of the node (where containerd and host-network pods live), as readlink shows it. */
  const nodeNetns = () => `net:[${statSync(ctd.netns).ino}]`;

  /** The CRI log format: RFC3339Nano time, stream, F(ull)/P(artial) tag, content. */
  const CRI_LOG_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)) (stdout|stderr) (F|P) (.*)$/;
  const logLines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);

  /** The bundle's runtime log (the shim passes --log <bundle>/log.json): where runtime errors are. */
  const runtimeLog = (id: string) => {
    const p = join(ctd.bundle(id), 'log.json');
    return existsSync(p) ? readFileSync(p, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
  };

  const SLEEPER = ['sleep', '1000'];
  /** A websocket client for the CRI streaming server (kubectl exec's protocol). */
  const WS_EXEC = join(dirname(fileURLToPath(import.meta.url)), 'cri', 'ws-exec.mjs');

  // -------------------------------------------------------------------------------------------
  // Scenarios (one list; run for runc, then for tsrc)
  // -------------------------------------------------------------------------------------------
  const scenarios: Scenario<Ctx>[] = [
    {
      name: 'pod network: an IP from host-local on eth0',
      async run(t, ctx) {
        const pod = await runPod(t, ctx, 'podnet');
        if (!pod) return;
        const st = await step(t, 'PodSandboxStatus', () => cri().rt('PodSandboxStatus', { pod_sandbox_id: pod.id }, 20));
        t.equal(st?.status.state, 'SANDBOX_READY', 'the sandbox is ready');
        t.equal(st?.status.runtime_handler, ctx.rt.name, 'the sandbox runs with the requested handler');
        const ip: string = st?.status.network?.ip ?? '';
        t.ok(ip.startsWith(POD_SUBNET_PREFIX), `the pod has an address from the pod subnet: ${JSON.stringify(ip)}`);
        const id = await startContainer(t, pod, 'net', SLEEPER);
        if (!id) return;
        const r = await execSync(t, id, ['sh', '-c', 'ip -4 -o addr show dev eth0; readlink /proc/self/ns/net']);
        t.equal(r?.exit_code, 0, `ip addr: ${showExec(r)}`);
        t.match(r?.stdout ?? '', new RegExp(`inet ${ip.replace(/\./g, '\\.')}/24 `), 'the container sees the pod IP on eth0');
        t.not(r?.stdout.trim().split('\n').pop(), nodeNetns(), "the container is not in the node's network namespace");
        // The gateway is the bridge in containerd's private netns: local, nothing leaves the machine.
        const ping = await execSync(t, id, ['ping', '-c', '1', '-W', '3', `${POD_SUBNET_PREFIX}1`]);
        t.equal(ping?.exit_code, 0, `the pod reaches its gateway over the CNI bridge: ${showExec(ping)}`);
      },
    },
    {
      name: 'host network (network=NODE)',
      async run(t, ctx) {
        const pod = await runPod(t, ctx, 'hostnet', { network: 'NODE' });
        if (!pod) return;
        const st = await step(t, 'PodSandboxStatus', () => cri().rt('PodSandboxStatus', { pod_sandbox_id: pod.id }, 20));
        t.equal(st?.status.state, 'SANDBOX_READY', 'the sandbox is ready');
        t.equal(st?.status.linux?.namespaces?.options?.network, 'NODE', 'the status reports network=NODE');
        t.equal(st?.status.network?.ip ?? '', '', 'no pod IP is allocated for a host-network pod');
        const id = await startContainer(t, pod, 'hostnet', SLEEPER);
        if (!id) return;
        const r = await execSync(t, id, ['sh', '-c', 'readlink /proc/self/ns/net; ip -o link show tsrccri0 >/dev/null && echo bridge-visible']);
        t.equal(r?.stdout, `${nodeNetns()}\nbridge-visible\n`, `the container is in the node's network namespace: ${showExec(r)}`);
      },
    },
    {
      name: 'create and start: ContainerStatus RUNNING',
      async run(t, ctx) {
        const pod = await runPod(t, ctx, 'start');
        if (!pod) return;
        const id = await startContainer(t, pod, 'main', ['sh', '-c', 'echo started; exec sleep 1000']);
        if (!id) return;
        const st = await step(t, 'ContainerStatus', () => status(id, true));
        t.equal(st?.status.state, 'CONTAINER_RUNNING', 'ContainerStatus reports RUNNING');
        t.equal(st?.status.metadata?.name, 'main');
        t.ok(Number(st?.status.started_at) > 0, 'started_at is set');
        t.equal(st?.status.exit_code, 0);
        const info = st?.info?.info ? JSON.parse(st.info.info) : {};
        t.ok(info.pid > 0 && alive(info.pid), `the verbose info names a live process: pid ${info.pid}`);
        // The handler really ran this runtime: the shim's options name its binary, and the runtime's
        // state for the container is in that handler's root.
        t.equal(info.runtimeOptions?.binary_name, ctx.rt.binary, `the shim runs ${ctx.rt.binary}: ${JSON.stringify(info.runtimeOptions)}`);
        t.ok(existsSync(join(ctd.runtimeRoot(ctx.rt.name), CRI_NAMESPACE, id)), `the runtime keeps the container's state in ${ctd.runtimeRoot(ctx.rt.name)}`);
        const list = await step(t, 'ListContainers', () => cri().rt('ListContainers', { filter: { pod_sandbox_id: pod.id } }, 20));
        t.same(list?.containers.map((c: Msg) => [c.id, c.state]), [[id, 'CONTAINER_RUNNING']], 'ListContainers shows it running in its pod');
        // pid=CONTAINER: the container's command is pid 1 of its own pid namespace.
        const r = await execSync(t, id, ['cat', '/proc/1/cmdline']);
        t.equal(r?.stdout.split('\0').join(' ').trim(), 'sleep 1000', `pid 1 is the container's process: ${showExec(r)}`);
        // The image sets no HOME: the runtime takes it from the image's /etc/passwd (root: /root).
        const env = await execSync(t, id, ['sh', '-c', 'tr "\\0" "\\n" < /proc/1/environ | grep -E "^(HOME|PATH|HOSTNAME)=" | sort']);
        t.equal(env?.stdout, `HOME=/root\nHOSTNAME=${pod.name}\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n`, `the container's environment: ${showExec(env)}`);
      },
    },
    {
      name: 'ExecSync and Exec',
      async run(t, ctx) {
        const pod = await runPod(t, ctx, 'exec');
        if (!pod) return;
        const id = await startContainer(t, pod, 'exec', SLEEPER);
        if (!id) return;
        let r = await execSync(t, id, ['sh', '-c', 'echo to-stdout; echo to-stderr >&2; exit 7']);
        t.same(r, { stdout: 'to-stdout\n', stderr: 'to-stderr\n', exit_code: 7 }, 'stdout, stderr and the exit code come back apart');
        r = await execSync(t, id, ['sh', '-c', 'pwd; id -u; echo $PATH; echo $HOME']);
        t.same(r, { stdout: '/\n0\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n/root\n', stderr: '', exit_code: 0 }, 'cwd, user, the image PATH, HOME from /etc/passwd');
        // kubelet gets a failed exec of a missing binary as a CRI error, not an exit code.
        const missing = await cri().rt('ExecSync', { container_id: id, cmd: ['/no/such/binary'], timeout: 15 }, 30).then(
          (res) => `no error (exit code ${res.exit_code})`,
          (e) => errText(e),
        );
        t.match(missing, /^ExecSync: UNKNOWN: .*\/no\/such\/binary.*no such file or directory/, `a missing binary fails ExecSync with the runtime's reason: ${missing}`);
        const cmd = ['sh', '-c', 'echo streamed-out; echo streamed-err >&2; exit 5'];
        const ex = await step(t, 'Exec', () => cri().rt('Exec', { container_id: id, cmd, stdout: true, stderr: true }, 20));
        t.match(ex?.url ?? '', /^http:\/\/127\.0\.0\.1:\d+\/exec\/\S+$/, `Exec returns a streaming URL: ${ex?.url}`);
        if (!ex) return;
        // The streaming server listens in the private netns: the websocket client runs there.
        const ws = await ctd.inNetns(process.execPath, [WS_EXEC, ex.url], { timeout: 30 });
        let streamed: Msg = {};
        try {
          streamed = JSON.parse(ws.stdout);
        } catch {
          t.fail(`the websocket client printed no result: ${describe(ws)}`);
        }
        t.equal(streamed.protocol, 'v4.channel.k8s.io', `the stream speaks v4.channel.k8s.io: ${describe(ws)}`);
        t.same([streamed.stdout, streamed.stderr], ['streamed-out\n', 'streamed-err\n'], 'stdout and stderr arrive on their channels');
        const exitCause = streamed.status?.details?.causes?.find((c: Msg) => c.reason === 'ExitCode')?.message;
        t.same([streamed.status?.status, exitCause], ['Failure', '5'], `the status channel reports exit code 5: ${JSON.stringify(streamed.status)}`);
      },
    },
    {
      name: 'container logs in CRI format',
      async run(t, ctx) {
        const pod = await runPod(t, ctx, 'logs');
        if (!pod) return;
        const id = await startContainer(t, pod, 'logger', ['sh', '-c', 'echo line one; echo line two >&2; echo line three; exit 0']);
        if (!id) return;
        const st = await waitState(id, 'CONTAINER_EXITED');
        t.equal(st?.state, 'CONTAINER_EXITED', 'the container exits');
        const path = join(pod.logDir, 'logger', '0.log');
        t.equal(st?.log_path, path, 'ContainerStatus names the log under the sandbox log directory');
        let lines: string[] = [];
        await waitUntil(() => (lines = logLines(path)).length >= 3, 5000);
        const parsed = lines.map((l) => CRI_LOG_LINE.exec(l));
        t.ok(parsed.every(Boolean), `every line is "<time> <stream> <tag> <text>": ${JSON.stringify(lines)}`);
        const byStream = (s: string) => parsed.filter((m) => m?.[4] === s).map((m) => `${m?.[5]} ${m?.[6]}`);
        t.same(byStream('stdout'), ['F line one', 'F line three'], 'stdout lines, in order, tagged full');
        t.same(byStream('stderr'), ['F line two'], 'the stderr line');
      },
    },
    {
      name: 'ContainerStats',
      async run(t, ctx) {
        const pod = await runPod(t, ctx, 'stats');
        if (!pod) return;
        const id = await startContainer(t, pod, 'busy', ['sh', '-c', 'i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done; exec sleep 1000']);
        if (!id) return;
        let s: Msg | undefined;
        const ok = await waitUntil(async () => {
          s = (await step(t, 'ContainerStats', () => cri().rt('ContainerStats', { container_id: id }, 20)))?.stats;
          return !s || Number(s.cpu?.usage_core_nano_seconds?.value) > 10_000_000;
        }, 15_000, 300);
        t.ok(ok, 'stats come back');
        t.equal(s?.attributes?.id, id, 'the stats are for the container');
        t.ok(Number(s?.cpu?.usage_core_nano_seconds?.value) > 10_000_000, `cpu usage counts the busy loop: ${s?.cpu?.usage_core_nano_seconds?.value} ns`);
        t.ok(Number(s?.memory?.working_set_bytes?.value) > 0, `memory working set is present: ${s?.memory?.working_set_bytes?.value} bytes`);
        t.ok(Number(s?.memory?.timestamp) > 0 && Number(s?.cpu?.timestamp) > 0, 'timestamps are set');
      },
    },
    {
      name: 'UpdateContainerResources',
      async run(t, ctx) {
        const pod = await runPod(t, ctx, 'update');
        if (!pod) return;
        const mib = 1024 * 1024;
        const id = await startContainer(t, pod, 'limited', SLEEPER, { resources: { memory_limit_in_bytes: 128 * mib, cpu_shares: 256 } });
        if (!id) return;
        const rel = `${pod.config.linux.cgroup_parent}/${id}`;
        let l = limitsOf(rel);
        t.ok(l.exists, `the container's cgroup is ${rel}`);
        t.equal(l.memory, String(128 * mib), 'the memory limit from CreateContainer');
        t.equal(l.cpuShares, '256', 'the cpu shares from CreateContainer');
        const linux = { memory_limit_in_bytes: 64 * mib, cpu_shares: 512, cpu_period: 100_000, cpu_quota: 50_000 };
        const r = await step(t, 'UpdateContainerResources', () => cri().rt('UpdateContainerResources', { container_id: id, linux }, 30));
        if (!r) return;
        l = limitsOf(rel);
        t.same(
          { memory: l.memory, cpuShares: l.cpuShares, cpuPeriod: l.cpuPeriod, cpuQuota: l.cpuQuota },
          { memory: String(64 * mib), cpuShares: '512', cpuPeriod: '100000', cpuQuota: '50000' },
          'the new limits are in the cgroup',
        );
        const st = await step(t, 'ContainerStatus', () => status(id));
        t.equal(st?.status.state, 'CONTAINER_RUNNING', 'the container keeps running');
        t.equal(Number(st?.status.resources?.linux?.memory_limit_in_bytes), 64 * mib, 'ContainerStatus reports the new memory limit');
        const inside = await execSync(t, id, ['cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes']);
        t.equal(inside?.stdout.trim(), String(64 * mib), `the container sees its new limit: ${showExec(inside)}`);
      },
    },
    {
      name: 'shared pid namespace (pid=POD)',
      async run(t, ctx) {
        const pod = await runPod(t, ctx, 'sharedpid', { pid: 'POD' });
        if (!pod) return;
        // The first container's init (sleep 3131) has a child of its own (sleep 2222).
        const first = await startContainer(t, pod, 'first', ['sh', '-c', 'sleep 2222 & exec sleep 3131']);
        const second = await startContainer(t, pod, 'second', SLEEPER);
        if (!first || !second) return;
        const ps = async () => ((await execSync(t, second, ['ps', '-o', 'args']))?.stdout ?? '').split('\n').map((l) => l.trim());
        const r = await execSync(t, second, ['cat', '/proc/1/cmdline']);
        t.equal(r?.stdout.split('\0').join(' ').trim(), '/pause', `pid 1 is the sandbox's pause process: ${showExec(r)}`);
        let seen = await ps();
        t.ok(seen.includes('sleep 3131') && seen.includes('sleep 2222'), `the second container sees the first one's processes: ${JSON.stringify(seen)}`);
        // Without a pid namespace of its own, a container's other processes do not die with its init:
        // when the init exits the shim kills the rest (`<runtime> kill --all <id> KILL`).
        const t0 = Date.now();
        const stopped = await step(t, 'StopContainer first', () => cri().rt('StopContainer', { container_id: first, timeout: 10 }, 30));
        if (!stopped) return;
        const stopMs = Date.now() - t0;
        // The init dies on SIGTERM at once: StopContainer must not wait out the 10 s grace period.
        t.ok(stopMs < 5000, `StopContainer returns once the init has exited (${stopMs} ms)`);
        const st = (await status(first)).status;
        t.same([st.state, st.exit_code], ['CONTAINER_EXITED', 143], 'the first container exited on SIGTERM (143)');
        await waitUntil(async () => !(seen = await ps()).includes('sleep 2222'), 5000, 200);
        t.notOk(seen.includes('sleep 2222'), `the first container's leftover child is killed too (${Date.now() - t0} ms after the stop): ${JSON.stringify(seen)}`);
        t.ok(seen.includes('sleep 1000'), 'the second container keeps running');
      },
    },
    {
      name: 'bidirectional mount propagation',
      async run(t, ctx) {
        // The host side must be a shared mount (containerd checks, as kubelet's docs require).
        const host = join(ctd.dir, `prop-${ctx.rt.name}-${++seq}`);
        mkdirSync(host);
        const hostMounts = [host];
        try {
          for (const args of [['--bind', host, host], ['--make-shared', host]]) {
            const m = await run('mount', args, { timeout: 10 });
            t.equal(m.status, 0, `mount ${args.join(' ')}: ${describe(m)}`);
          }
          const pod = await runPod(t, ctx, 'propagation');
          if (!pod) return;
          const id = await startContainer(t, pod, 'prop', SLEEPER, { mounts: [{ container_path: '/prop', host_path: host, propagation: 'PROPAGATION_BIDIRECTIONAL' }] });
          if (!id) return;
          const sub = join(host, 'sub');
          mkdirSync(sub);
          hostMounts.unshift(sub);
          const m = await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tsrc-prop', sub], { timeout: 10 });
          t.equal(m.status, 0, `mount a tmpfs on the host under the shared dir: ${describe(m)}`);
          writeFileSync(join(sub, 'hello'), 'from the host\n');
          const r = await execSync(t, id, ['sh', '-c', 'cat /prop/sub/hello; grep -c " /prop/sub " /proc/self/mountinfo']);
          t.equal(r?.stdout, 'from the host\n1\n', `the host's new mount shows up inside the container: ${showExec(r)}`);
          const spec = JSON.parse((await status(id, true)).info?.info ?? '{}').runtimeSpec;
          t.equal(spec?.linux?.rootfsPropagation, 'rshared', 'containerd asked the runtime for an rshared rootfs');
        } finally {
          for (const m of hostMounts) await run('umount', ['-l', m], { timeout: 10 });
        }
      },
    },
    {
      name: 'readonly_rootfs with a writable mount',
      async run(t, ctx) {
        const pod = await runPod(t, ctx, 'readonly');
        if (!pod) return;
        const scratch = join(ctd.dir, `scratch-${ctx.rt.name}-${++seq}`);
        mkdirSync(scratch);
        const id = await startContainer(t, pod, 'ro', SLEEPER, { readonlyRootfs: true, mounts: [{ container_path: '/tmp', host_path: scratch }] });
        if (!id) return;
        let r = await execSync(t, id, ['sh', '-c', 'echo x > /probe']);
        t.not(r?.exit_code, 0, 'writing to / fails');
        t.match(r?.stderr ?? '', /Read-only file system/, `because the rootfs is read-only: ${showExec(r)}`);
        r = await execSync(t, id, ['sh', '-c', 'echo written > /tmp/f && cat /tmp/f']);
        t.same(r, { stdout: 'written\n', stderr: '', exit_code: 0 }, 'the writable mount still takes writes');
        t.equal(existsSync(join(scratch, 'f')) ? readFileSync(join(scratch, 'f'), 'utf8') : undefined, 'written\n', 'the write is on the host dir');
      },
    },
    {
      name: 'exited container and a new attempt',
      async run(t, ctx) {
        const pod = await runPod(t, ctx, 'restart');
        if (!pod) return;
        const first = await startContainer(t, pod, 'job', ['sh', '-c', 'echo attempt 0; exit 3']);
        if (!first) return;
        let st = await waitState(first, 'CONTAINER_EXITED');
        t.equal(st?.state, 'CONTAINER_EXITED', 'the first attempt exits');
        t.equal(st?.exit_code, 3, 'ContainerStatus reports its exit code');
        t.equal(st?.reason, 'Error', 'a non-zero exit is reason Error');
        // (Not compared with started_at: containerd stamps started_at after Start returns, and a
        // command this short can exit before that.)
        t.ok(Number(st?.finished_at) >= Number(st?.created_at) && Number(st?.created_at) > 0, `finished_at is set: ${st?.finished_at}`);
        // kubelet's restart: a new container, same name, attempt + 1, in the same sandbox.
        const second = await startContainer(t, pod, 'job', ['sh', '-c', 'echo attempt 1; exit 0'], { attempt: 1 });
        if (!second) return;
        st = await waitState(second, 'CONTAINER_EXITED');
        t.same([st?.state, st?.exit_code, st?.reason, st?.metadata?.attempt], ['CONTAINER_EXITED', 0, 'Completed', 1], 'the second attempt completes');
        const list = await step(t, 'ListContainers', () => cri().rt('ListContainers', { filter: { pod_sandbox_id: pod.id } }, 20));
        const seen = (list?.containers ?? []).map((c: Msg) => [c.metadata.attempt, c.state]).sort();
        t.same(seen, [[0, 'CONTAINER_EXITED'], [1, 'CONTAINER_EXITED']], 'both attempts are listed');
        t.equal((await status(first)).status.exit_code, 3, 'the first attempt still reports exit code 3');
        const log = (n: number) => logLines(join(pod.logDir, 'job', `${n}.log`)).map((l) => CRI_LOG_LINE.exec(l)?.[6]);
        t.same([log(0), log(1)], [['attempt 0'], ['attempt 1']], 'each attempt has its own log file');
        // kubelet garbage-collects old attempts.
        const rm = await step(t, 'RemoveContainer (attempt 0)', () => cri().rt('RemoveContainer', { container_id: first }, 30));
        t.ok(rm, 'the exited attempt is removed');
      },
    },
    {
      name: 'stop and remove: nothing left behind',
      timeout: 90,
      async run(t, ctx) {
        const pod = await runPod(t, ctx, 'cleanup', { pid: 'POD' });
        if (!pod) return;
        const main = await startContainer(t, pod, 'main', SLEEPER);
        // This one ignores SIGTERM: StopContainer must SIGKILL it when the grace period is over.
        const side = await startContainer(t, pod, 'side', ['sh', '-c', 'trap "" TERM; sleep 999']);
        if (!main || !side) return;
        const sbInfo = JSON.parse((await cri().rt('PodSandboxStatus', { pod_sandbox_id: pod.id, verbose: true }, 20)).info?.info ?? '{}');
        const netnsPath: string | undefined = sbInfo.runtimeSpec?.linux?.namespaces?.find((n: Msg) => n.type === 'network')?.path;
        t.ok(netnsPath?.startsWith(ctd.podNetnsDir), `the pod's netns file is under the CRI state dir: ${netnsPath}`);
        const ip: string = (await cri().rt('PodSandboxStatus', { pod_sandbox_id: pod.id }, 20)).status.network.ip;
        const pids = [sbInfo.pid, ...(await Promise.all([main, side].map(async (id) => JSON.parse((await status(id, true)).info.info).pid)))];
        t.ok(pids.every((p) => p > 0 && alive(p)), `sandbox and containers run: pids ${pids.join(' ')}`);

        // kubelet's order: stop containers (grace period), remove them, stop and remove the sandbox.
        const stopped = await step(t, 'StopContainer main', () => cri().rt('StopContainer', { container_id: main, timeout: 5 }, 30));
        t.ok(stopped, 'StopContainer returns');
        const st = (await status(main)).status;
        // In the pod's pid namespace `sleep` is not pid 1: SIGTERM kills it.
        t.same([st.state, st.exit_code], ['CONTAINER_EXITED', 143], 'the stopped container exited on SIGTERM (143)');
        const t0 = Date.now();
        await step(t, 'StopContainer side', () => cri().rt('StopContainer', { container_id: side, timeout: 2 }, 30));
        const sideMs = Date.now() - t0;
        const sideSt = (await status(side)).status;
        t.same([sideSt.state, sideSt.exit_code], ['CONTAINER_EXITED', 137], 'a container ignoring SIGTERM is killed (137)');
        t.ok(sideMs >= 1900 && sideMs < 10_000, `after the 2 s grace period (${sideMs} ms)`);
        for (const id of [main, side]) await step(t, `RemoveContainer ${id.slice(0, 12)}`, () => cri().rt('RemoveContainer', { container_id: id }, 30));
        await step(t, 'StopPodSandbox', () => cri().rt('StopPodSandbox', { pod_sandbox_id: pod.id }, 60));
        await step(t, 'RemovePodSandbox', () => cri().rt('RemovePodSandbox', { pod_sandbox_id: pod.id }, 60));
        ctx.pods = ctx.pods.filter((p) => p !== pod);

        const ids = [pod.id, main, side];
        const list = await cri().rt('ListPodSandbox', {}, 20);
        t.notOk(list.items.some((p: Msg) => p.id === pod.id), 'the sandbox is gone from ListPodSandbox');
        const cs = await cri().rt('ListContainers', {}, 20);
        t.notOk(cs.containers.some((c: Msg) => ids.includes(c.id)), 'the containers are gone from ListContainers');
        const stateDir = join(ctd.runtimeRoot(ctx.rt.name), CRI_NAMESPACE);
        t.same(entries(stateDir).filter((e) => ids.includes(e)), [], `no containers in the runtime's state dir ${stateDir}`);
        t.same(ids.flatMap((id) => cgroupDirs(`${pod.config.linux.cgroup_parent}/${id}`)), [], 'no cgroups of the pod\'s containers');
        t.same(ids.flatMap((id) => [...mountsUnder(ctd.root), ...mountsUnder(ctd.state)].filter((m) => m.includes(id))), [], "no mounts under containerd's dirs");
        t.same(shimPids(ctd.address), [], 'no shim processes');
        t.same(pids.filter(alive), [], 'no processes of the pod');
        t.same(ids.filter((id) => existsSync(ctd.bundle(id))), [], 'no bundles');
        t.notOk(netnsPath && existsSync(netnsPath), 'the netns file is removed');
        t.same(entries(ctd.podNetnsDir), [], 'no netns files in the CRI state dir');
        t.same(entries('/var/run/netns').filter((e) => !hostNetnsBefore.includes(e)), [], 'nothing new in /var/run/netns');
        t.notOk(ctd.ipReservations().includes(ip), `host-local released ${ip}`);
        t.same(CriContainerd.cniCacheEntriesOf(pod.id), [], 'no libcni cache entry for the pod (its network, loopback)');
        const sandboxDirs = [join(ctd.root, 'io.containerd.grpc.v1.cri', 'sandboxes', pod.id), join(ctd.state, 'io.containerd.grpc.v1.cri', 'sandboxes', pod.id)];
        t.same(sandboxDirs.filter((d) => existsSync(d)), [], "no CRI sandbox dirs (shm, hostname, resolv.conf)");
      },
    },
  ];

  let ready = false;
  await t.test('setup: private containerd with CRI, the busybox and pause images', async (t) => {
    checkTodoTable(t, scenarios, TSRC_TODO);
    for (const d of [...(await reapStale('tsrc-cri-')), ...reapStaleCniCache()]) t.comment(`cleaned up after an earlier run that died: ${d}`);
    await ctd.start();
    const archives = [buildBusyboxArchive(join(ctd.dir, 'image-work'), join(ctd.dir, 'busybox.tar')), buildPauseArchive(join(ctd.dir, 'pause-work'), join(ctd.dir, 'pause.tar'))];
    let imported = true;
    for (const a of archives) {
      const r = await ctd.ctr(['images', 'import', a], { timeout: 60 });
      t.equal(r.status, 0, `ctr -n k8s.io images import ${a}: ${describe(r)}`);
      imported &&= r.status === 0;
    }
    // The CRI plugin learns about imported images from containerd's events: wait until it has both.
    let seen: string[] = [];
    await waitUntil(async () => {
      seen = [];
      for (const image of [BUSYBOX_REF, PAUSE_REF]) if ((await cri().img('ImageStatus', { image: { image } }, 10)).image) seen.push(image);
      return seen.length === 2;
    }, 15_000, 200);
    t.same(seen, [BUSYBOX_REF, PAUSE_REF], 'ImageStatus knows both images');
    const st = await cri().rt('Status', {}, 10);
    const cond = Object.fromEntries(st.status.conditions.map((c: Msg) => [c.type, c.status]));
    t.same(cond, { RuntimeReady: true, NetworkReady: true }, 'the CRI reports runtime and network ready');
    ready = imported && seen.length === 2 && cond.NetworkReady === true;
  });

  // A failed setup has already failed the file; scenarios would only repeat it.
  if (ready) {
    await runScenarios(t, rts, scenarios, {
      todo: TSRC_TODO,
      context: (rt) => ({ rt, pods: [] }),
      async after(t, ctx) {
        for (const pod of ctx.pods) {
          for (const m of ['StopPodSandbox', 'RemovePodSandbox']) {
            const ok = await step(t, `${m} ${pod.name}`, () => cri().rt(m, { pod_sandbox_id: pod.id }, 60));
            if (!ok) t.comment(`runtime log of the sandbox: ${runtimeLog(pod.id)}`);
          }
          let left: number[] = [];
          await waitUntil(() => (left = shimPids(ctd.address, pod.id)).length === 0, 5000, 100);
          t.same(left, [], `no shim left for ${pod.name}`);
        }
        ctx.pods = [];
      },
    });
  }

  await t.test('teardown: nothing left on the host', async (t) => {
    const problems = await teardown();
    t.same(problems, [], 'teardown found nothing to clean by force');
    t.same(entries('/var/run/netns').filter((e) => !hostNetnsBefore.includes(e)), [], 'no netns files added to /var/run/netns');
    t.same(cgroupDirs(ctd.cgroupRoot), [], 'no cgroups left');
    t.notOk(existsSync(ctd.dir), 'the temp dir is removed');
  });
}
