// process.json (`tsrc exec`) → ExecPlan: the process part is converted exactly as for a
// container's own process (processPlan); the container's linux.seccomp applies to it as well,
// as in runc. Pure, so it is unit-tested without root.
import type { Linux, Process, Seccomp } from '../spec/types.js';
import { TsrcError } from '../util/errors.js';
import { type PlanContext, processPlan } from './build-plan.js';
import { cpuAffinityPlan } from './process-tuning.js';
import { seccompPlan } from './seccomp.js';
import type { ExecPlan } from './types.js';

export interface ExecPlanOptions {
  /** The container's linux.seccomp (from its config.json), if any. */
  seccomp?: Seccomp;
  /** The container's linux (its personality and memory policy apply to an exec too). */
  linux?: Linux;
  /** --console-socket: a host path; required with process.terminal, refused without it. */
  consoleSocket?: string;
  /** --detach: the process is left to the caller's subreaper instead of being waited for. */
  detach: boolean;
  /** --preserve-fds */
  preserveFds?: number;
  /** The container was created with --no-new-keyring. */
  noNewKeyring?: boolean;
}

/** Throws TsrcError naming the field for a process that cannot be run. */
export function execPlan(process: Process, opts: ExecPlanOptions, warn: (m: string) => void): ExecPlan {
  if (!process || typeof process !== 'object') throw new TsrcError('process: must be an object');
  if (!process.args?.length) throw new TsrcError('process: /args: must name the program to run');
  if (!process.user) throw new TsrcError('process: /user: is required');
  if (typeof process.cwd !== 'string' || !process.cwd.startsWith('/')) throw new TsrcError(`process: /cwd: must be an absolute path, got ${JSON.stringify(process.cwd)}`);
  const consoleSocket = opts.consoleSocket ?? '';
  // runc's rules: a terminal's master must go somewhere, and a socket needs a terminal to send.
  if (process.terminal && !consoleSocket) throw new TsrcError('process: /terminal: a terminal needs a console socket (--console-socket)');
  if (!process.terminal && consoleSocket) throw new TsrcError('--console-socket: cannot be used without a terminal (process /terminal is false)');
  const preserveFds = opts.preserveFds ?? 0;
  if (!Number.isInteger(preserveFds) || preserveFds < 0) throw new TsrcError(`--preserve-fds: must be a non-negative integer, got ${preserveFds}`);

  // processPlan reads only the process and ctx.warn.
  const ctx = { warn } as PlanContext;
  const proc = processPlan({ ociVersion: '', process, linux: opts.linux }, ctx);
  // The spec: execCPUAffinity "is not applicable to the container's init process", so only here.
  const affinity = cpuAffinityPlan(process);
  if (affinity) proc.cpuAffinity = affinity;
  proc.consoleSize = process.consoleSize ? { height: process.consoleSize.height, width: process.consoleSize.width } : null;
  return {
    process: proc,
    consoleSocket,
    seccomp: seccompPlan(opts.seccomp, warn),
    preserveFds,
    noNewKeyring: opts.noNewKeyring ?? false,
    detach: opts.detach,
  };
}
