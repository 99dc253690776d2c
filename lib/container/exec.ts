// `exec`: one more process in a created or running container. It joins every namespace and the
// cgroup of the container init, with the container's seccomp filter, as runc's exec does.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ExecPlan } from '../plan/types.js';
import type { Process, Spec } from '../spec/types.js';
import type { ExecHandle } from '../sys/api.js';
import { TsrcError } from '../util/errors.js';
import { log } from '../util/log.js';
import type { Container } from './load.js';
import { writeFileAtomic } from './state.js';

export interface ExecOptions {
  /** process.json (--process), else the container's process with `args` and the overrides below. */
  processFile?: string;
  args: string[];
  tty: boolean;
  cwd?: string;
  env: string[];
  /** uid[:gid] */
  user?: string;
  additionalGids: string[];
  caps: string[];
  noNewPrivs: boolean;
  consoleSocket?: string;
  detach: boolean;
  pidFile?: string;
  preserveFds: number;
  ignorePaused: boolean;
  /** --apparmor: the profile to run the process under (runc: it overrides the process's). */
  apparmor?: string;
  /** --process-label: the SELinux context to run the process in (runc: it overrides the process's). */
  processLabel?: string;
}

/** The config.json create saved next to the state: exec uses its process and seccomp. */
export function savedSpec(c: Container): Spec {
  return JSON.parse(readFileSync(join(c.dir, 'config.json'), 'utf8')) as Spec;
}

function id(flag: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new TsrcError(`${flag}: ${JSON.stringify(v)} is not a numeric id`);
  return Number(v);
}

/** runc exec's rules for building the process from the container's one and the command line. */
export function processFromArgs(base: Process, o: ExecOptions): Process {
  if (!o.args.length) throw new TsrcError('exec: a command to run is required (or --process)');
  const p: Process = structuredClone(base);
  p.args = o.args;
  p.terminal = o.tty;
  if (o.cwd) p.cwd = o.cwd;
  if (o.env.length) {
    const env = new Map((p.env ?? []).map((kv) => [kv.split('=')[0], kv]));
    for (const kv of o.env) env.set(kv.split('=')[0], kv);
    p.env = [...env.values()];
  }
  if (o.user) {
    const [u, g] = o.user.split(':');
    p.user = { ...p.user, uid: id('--user', u), gid: g === undefined ? p.user.gid : id('--user', g) };
  }
  if (o.additionalGids.length) p.user = { ...p.user, additionalGids: o.additionalGids.map((g) => id('--additional-gids', g)) };
  if (o.caps.length) {
    const c = (p.capabilities ??= {});
    for (const set of ['bounding', 'effective', 'permitted', 'ambient', 'inheritable'] as const) c[set] = [...new Set([...(c[set] ?? []), ...o.caps])];
  }
  if (o.noNewPrivs) p.noNewPrivileges = true;
  return p;
}

export async function execInContainer(c: Container, o: ExecOptions): Promise<number> {
  const status = c.status();
  if (status === 'stopped') throw new TsrcError('cannot exec in a stopped container');
  if (status === 'paused' && !o.ignorePaused) throw new TsrcError('cannot exec in a paused container (use --ignore-paused to override)');
  const spec = savedSpec(c);

  let process: Process;
  if (o.processFile) {
    const { loadProcessFile } = await import('../spec/load-process.js');
    process = loadProcessFile(o.processFile);
  } else {
    if (!spec.process) throw new TsrcError('exec: the container has no process to base the new one on; use --process');
    process = processFromArgs(spec.process, o);
  }
  if (o.apparmor) process = { ...process, apparmorProfile: o.apparmor };
  if (o.processLabel) process = { ...process, selinuxLabel: o.processLabel };
  const { checkProcess } = await import('../spec/semantic.js');
  for (const w of checkProcess(process, o.processFile ?? 'process', spec)) log.warn(w);

  // runc: a terminal without a console socket uses ours, which only works in the foreground.
  const ownConsole = process.terminal === true && !o.consoleSocket;
  if (ownConsole && o.detach) throw new TsrcError('cannot allocate tty if tsrc will detach without setting console socket');
  const { listenConsole, proxyConsole } = await import('../sys/console.js');
  const receiver = ownConsole ? listenConsole() : undefined;

  const { execPlan } = await import('../plan/exec-plan.js');
  const plan: ExecPlan = execPlan(
    process,
    { seccomp: spec.linux?.seccomp, linux: spec.linux, consoleSocket: receiver?.path ?? o.consoleSocket, detach: o.detach, preserveFds: o.preserveFds, noNewKeyring: c.state.noNewKeyring },
    (m) => log.warn(m),
  );
  const stdio = [0, 1, 2];
  for (let i = 0; i < o.preserveFds; i++) stdio.push(3 + i);
  // SCMP_ACT_NOTIFY: this process's notify fd, for the agent (seccomp-agent.ts), as runc sends one per exec.
  const listenerPath = plan.seccomp?.listenerPath ?? null;
  const notify = listenerPath ? listenConsole() : undefined;
  if (notify) plan.seccompSocket = notify.path;

  // The stage joins the cgroups itself where it can (no RCU grace period; see native/init/cgjoin.c).
  const self = c.cgroup().selfJoin?.();
  if (self) {
    plan.cgroupTasks = self.tasks;
    plan.cgroupInto = self.into;
  }
  const { spawnExec } = await import('../sys/init-runner.js');
  let handle: ExecHandle;
  try {
    handle = await spawnExec({
      initPid: c.state.pid,
      initStartTime: c.state.pidStartTime,
      plan,
      stdio,
      beforeClone: self ? undefined : (stagePid) => c.cgroup().join(stagePid),
      warn: (m) => log.warn(m),
    });
  } catch (e) {
    receiver?.close();
    notify?.close();
    throw e;
  }
  if (notify && listenerPath) {
    const { sendToSeccompAgent } = await import('./seccomp-agent.js');
    const { publicState } = await import('./state.js');
    try {
      await sendToSeccompAgent(notify, listenerPath, plan.seccomp?.listenerMetadata ?? '', handle.pid, publicState(c.state, c.status()));
    } catch (e) {
      // No agent for its notified syscalls: the process must not run on without one.
      globalThis.process.kill(handle.pid, 'SIGKILL');
      throw e;
    }
  }
  log.debug(`exec ${c.id}: ${process.args?.[0]} runs as pid ${handle.pid} in the container's namespaces and cgroup`);
  if (o.pidFile) writeFileAtomic(resolve(o.pidFile), String(handle.pid), 0o644);
  if (o.detach) return 0;

  const proxy = receiver ? proxyConsole(await receiver.master) : undefined;
  const forward = (sig: NodeJS.Signals) => {
    try {
      globalThis.process.kill(handle.pid, sig);
    } catch {
      /* exited */
    }
  };
  const signals: NodeJS.Signals[] = proxy ? ['SIGTERM', 'SIGHUP'] : ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
  for (const s of signals) globalThis.process.on(s, forward);
  const code = await handle.exited;
  if (proxy) {
    await proxy.done;
    proxy.close();
  }
  for (const s of signals) globalThis.process.off(s, forward);
  return code;
}
