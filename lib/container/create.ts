// `create`: validate, make the cgroup, start the C init and leave it blocked on the exec fifo.
// Any failure undoes everything done so far: no state dir, cgroup, mount or process remains.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import type { CgroupManager } from '../cgroups/api.js';
import { buildPlan, hookSteps } from '../plan/build-plan.js';
import { deviceCgroupRules } from '../plan/device-rules.js';
import type { Spec } from '../spec/types.js';
import type { InitHandle } from '../sys/api.js';
import type { ConsoleReceiver } from '../sys/console.js';
import { TsrcError, errnoCode } from '../util/errors.js';
import { log } from '../util/log.js';
import { placeInit, removeCgroup, savedDriver } from './cgroup-ops.js';
import { makeFifo } from './fifo.js';
import { runHooks } from './hooks.js';
import { lockContainer } from './lock.js';
import { procStat } from './proc.js';
import { OCI_VERSION, containerDir, ensureRoot, execFifoPath, publicState, removeContainerDir, saveState, writeFileAtomic } from './state.js';
import type { SavedState } from './state.js';

export interface CreateOptions {
  root: string;
  id: string;
  bundle: string;
  pidFile?: string;
  noPivot?: boolean;
  noNewKeyring?: boolean;
  preserveFds?: number;
  consoleSocket?: string;
  systemdCgroup?: boolean;
  /** `run` in the foreground: the init's first stage waits for the container and reports its exit. */
  waitForExit?: boolean;
  /** `run` in the foreground without --console-socket: receive the pty master ourselves. */
  ownConsole?: boolean;
}

export interface Created {
  dir: string;
  state: SavedState;
  init: InitHandle;
  /** With ownConsole and a terminal: where the pty master arrives. */
  console?: ConsoleReceiver;
}

export async function createContainer(o: CreateOptions): Promise<Created> {
  const [{ validateContainerId }, { loadSpec }, { checkSemantics, requireProcess }, { checkRootDirectory }] = await Promise.all([
    import('../spec/id.js'),
    import('../spec/load.js'),
    import('../spec/semantic.js'),
    import('../spec/root-path.js'),
  ]);
  validateContainerId(o.id);
  const bundle = resolve(o.bundle);
  const spec: Spec = loadSpec(bundle);
  for (const w of checkSemantics(spec)) log.warn(w);
  requireProcess(spec);
  checkRootDirectory(spec, bundle);
  log.debug(`create ${o.id}: ${join(bundle, 'config.json')} is valid (ociVersion ${spec.ociVersion})`);
  // runc's rules: the pty master must go somewhere, and a console socket needs a terminal.
  const terminal = spec.process?.terminal === true;
  if (terminal && !o.consoleSocket && !o.ownConsole) throw new TsrcError('cannot allocate tty if tsrc will detach without setting console socket');
  if (!terminal && o.consoleSocket) throw new TsrcError('cannot use console socket if tsrc will not detach or allocate tty');

  ensureRoot(o.root);
  const dir = containerDir(o.root, o.id);
  try {
    mkdirSync(dir, { mode: 0o711 });
  } catch (e) {
    if (errnoCode(e) !== 'EEXIST') throw e;
    // A create killed before it saved any state leaves only its directory (stale.ts).
    const { removeStaleDir } = await import('./stale.js');
    if (!removeStaleDir(o.root, o.id)) throw new TsrcError(`container with id exists: ${o.id}`);
    mkdirSync(dir, { mode: 0o711 });
  }

  const undo: Array<() => void | Promise<void>> = [() => removeContainerDir(dir)];
  const unlock = lockContainer(dir);
  try {
    return await setUp(o, spec, bundle, dir, undo);
  } catch (e) {
    for (const u of undo.reverse()) {
      try {
        await u();
      } catch (cleanupErr) {
        log.warn(`cleanup after failed create: ${(cleanupErr as Error).message}`);
      }
    }
    throw e;
  } finally {
    unlock();
  }
}

async function setUp(o: CreateOptions, spec: Spec, bundle: string, dir: string, undo: Array<() => void | Promise<void>>): Promise<Created> {
  const { createCgroupManager } = await import('../cgroups/index.js');
  const { spawnInit } = await import('../sys/init-runner.js');
  const linux = spec.linux ?? {};

  const fifo = execFifoPath(dir);
  // The manager only computes paths here; the plan is decided (and refused) before anything exists.
  const cg: CgroupManager = createCgroupManager({ cgroupsPath: linux.cgroupsPath, id: o.id, systemd: o.systemdCgroup });
  // runc's checks of a cgroup that is already there: an init cloned into a frozen one would stop
  // in D state before it could report (create would hang); joining a busy one is only warned about.
  if (cg.exists()) {
    if (cg.isFrozen()) throw new TsrcError("container's cgroup unexpectedly frozen");
    const busy = cg.pids().length;
    if (busy) log.warn(`container's cgroup is not empty: ${busy} process(es) found`);
  }
  log.debug(`create ${o.id}: cgroup ${cg.mode}${o.systemdCgroup ? ' (systemd)' : ''} at ${[...new Set(Object.values(cg.paths))].join(', ')}`);
  const plan = buildPlan(spec, {
    bundle,
    execFifo: fifo,
    preserveFds: o.preserveFds ?? 0,
    noPivot: o.noPivot ?? false,
    noNewKeyring: o.noNewKeyring ?? false,
    waitForExit: o.waitForExit ?? false,
    cgroup: { mode: cg.mode, paths: cg.paths },
    warn: (m) => log.warn(m),
  });

  const state: SavedState = {
    ociVersion: OCI_VERSION,
    id: o.id,
    pid: 0,
    pidStartTime: 0,
    bundle,
    rootfs: plan.rootfs,
    created: new Date().toISOString(),
    owner: userInfo().username,
    annotations: spec.annotations,
    cgroup: { mode: cg.mode, paths: cg.paths, created: cg.created, systemd: savedDriver(cg) },
    noNewKeyring: o.noNewKeyring ?? false,
    sharedPidNs: !(linux.namespaces ?? []).some((n) => n.type === 'pid' && !n.path),
    hooks: { poststart: hookSteps(spec.hooks?.poststart), poststop: hookSteps(spec.hooks?.poststop) },
  };
  // Saved first, with pid 0 (so "stopped"): a create killed (SIGKILL) from here on leaves a
  // stopped container whose state names its cgroup, which delete removes with the rest.
  saveState(dir, state);
  makeFifo(fifo);
  undo.push(() => removeCgroup(cg));
  cg.create();
  state.cgroup.created = cg.created;
  cg.apply({ ...linux.resources, devices: deviceCgroupRules(spec) });
  log.debug(`create ${o.id}: cgroup created (${cg.created.length} new directories) and its resources set`);

  const stateJson = (status: string, pid: number) => JSON.stringify({ ...publicState(state, 'creating'), status, pid });
  const h = spec.hooks ?? {};

  let console: ConsoleReceiver | undefined;
  if (spec.process?.terminal && !o.consoleSocket) {
    const { listenConsole } = await import('../sys/console.js');
    console = listenConsole();
    const c = console;
    undo.push(() => c.close());
  }
  plan.consoleSocket = console?.path ?? o.consoleSocket ?? '';
  // SCMP_ACT_NOTIFY: the init sends the filter's notify fd to a socket of ours (one fd, one
  // message: the console socket's protocol, so the same receiver serves), and create hands it on
  // to the agent at listenerPath as its last step.
  const listenerPath = plan.seccomp?.listenerPath ?? null;
  let notify: ConsoleReceiver | undefined;
  if (listenerPath) {
    const { listenConsole } = await import('../sys/console.js');
    notify = listenConsole();
    const n = notify;
    undo.push(() => n.close());
    plan.seccompSocket = notify.path;
  }
  // The init's first stage joins the cgroups itself where it can: no pid written to cgroup.procs,
  // so no RCU grace period (~15 ms) in the kernel (native/init/cgjoin.c). Else we place it.
  const self = cg.selfJoin?.();
  if (self) {
    plan.cgroupTasks = self.tasks;
    plan.cgroupInto = self.into;
  }

  const stdio = [0, 1, 2];
  for (let i = 0; i < (o.preserveFds ?? 0); i++) stdio.push(3 + i);

  const init = await spawnInit({
    plan,
    stdio,
    beforeClone: self ? undefined : (stagePid) => placeInit(cg, stagePid),
    onHooks: async (pid) => {
      // Before the hooks: a prestart/createRuntime hook configuring the network sees the devices.
      if (linux.netDevices && Object.keys(linux.netDevices).length) {
        const { moveNetDevices } = await import('../net/netdevices.js');
        moveNetDevices(pid, linux.netDevices);
      }
      const s = stateJson('creating', pid);
      await runHooks('prestart', hookSteps(h.prestart), s);
      await runHooks('createRuntime', hookSteps(h.createRuntime), s);
      if (h.createContainer?.length) {
        const { runInContainer } = await import('../sys/init-runner.js');
        // runc runs them in the container's root (not yet pivoted to: its host path, as mounted there).
        for (const hook of hookSteps(h.createContainer)) await runInContainer(pid, hook, s, hook.timeout, plan.rootfs);
      }
    },
    hookState: (pid) => stateJson('created', pid),
    warn: (m) => log.warn(m),
  });
  undo.push(() => {
    try {
      process.kill(init.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  });

  // The systemd driver only learns of settings it cannot honour when the unit starts.
  for (const w of cg.warnings) log.warn(w);
  const st = procStat(init.pid);
  if (!st) throw new TsrcError('container init exited during create');
  state.pid = init.pid;
  state.pidStartTime = st.startTime;
  log.debug(`create ${o.id}: init pid ${init.pid} set up (${plan.mounts.length} mounts, clone flags 0x${plan.cloneFlags.toString(16)}), waiting on ${fifo}`);
  if (notify && listenerPath) {
    const { sendToSeccompAgent } = await import('./seccomp-agent.js');
    await sendToSeccompAgent(notify, listenerPath, plan.seccomp?.listenerMetadata ?? '', init.pid, { ...publicState(state, 'creating'), pid: init.pid });
  }
  // exec reads the container's process and seccomp from this copy, as runc keeps its config.
  writeFileAtomic(join(dir, 'config.json'), JSON.stringify(spec));
  saveState(dir, state);
  if (o.pidFile) writeFileAtomic(resolve(o.pidFile), String(init.pid), 0o644);
  return { dir, state, init, console };
}
