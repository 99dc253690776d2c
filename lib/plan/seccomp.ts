// linux.seccomp → SeccompPlan: every spec string becomes the number libseccomp takes, so the C
// init only calls libseccomp. Syscall names stay names: libseccomp resolves them in C (a name it
// does not know is skipped there with a warning, as runc skips it).
import type { Seccomp } from '../spec/types.js';
import { TsrcError } from '../util/errors.js';
import type { SeccompArg, SeccompPlan, SeccompRule } from './types.js';

const EPERM = 1;

/** libseccomp's SCMP_ACT_* encodings (the kernel's SECCOMP_RET_* with the errno in the low 16 bits). */
export const SCMP_ACT = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  NOTIFY: 0x7fc00000,
  ERRNO: (errno: number) => (0x00050000 | (errno & 0xffff)) >>> 0,
  TRACE: (errno: number) => (0x7ff00000 | (errno & 0xffff)) >>> 0,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;

/** Spec action name → its encoding given the errno (used by ERRNO and TRACE only). */
const ACTIONS: Record<string, (errno: number) => number> = {
  SCMP_ACT_KILL: () => SCMP_ACT.KILL_THREAD, // libseccomp's SCMP_ACT_KILL is KILL_THREAD, as in runc
  SCMP_ACT_KILL_THREAD: () => SCMP_ACT.KILL_THREAD,
  SCMP_ACT_KILL_PROCESS: () => SCMP_ACT.KILL_PROCESS,
  SCMP_ACT_TRAP: () => SCMP_ACT.TRAP,
  SCMP_ACT_ERRNO: SCMP_ACT.ERRNO,
  SCMP_ACT_TRACE: SCMP_ACT.TRACE,
  SCMP_ACT_ALLOW: () => SCMP_ACT.ALLOW,
  SCMP_ACT_LOG: () => SCMP_ACT.LOG,
  SCMP_ACT_NOTIFY: () => SCMP_ACT.NOTIFY,
};
const ERRNO_ACTIONS = new Set(['SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE']);

/** libseccomp's enum scmp_compare. */
export const SCMP_CMP: Record<string, number> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};

/**
 * SCMP_ARCH_* → AUDIT_ARCH_* (libseccomp's tokens). All spec names are listed; the libseccomp
 * linked into tsrc-init (Debian 12: 2.5.4) refuses LOONGARCH64, M68K, SH and SHEB at create time.
 */
export const SCMP_ARCH: Record<string, number> = {
  SCMP_ARCH_X86: 0x40000003,
  SCMP_ARCH_X86_64: 0xc000003e,
  SCMP_ARCH_X32: 0x4000003e,
  SCMP_ARCH_ARM: 0x40000028,
  SCMP_ARCH_AARCH64: 0xc00000b7,
  SCMP_ARCH_MIPS: 0x00000008,
  SCMP_ARCH_MIPS64: 0x80000008,
  SCMP_ARCH_MIPS64N32: 0xa0000008,
  SCMP_ARCH_MIPSEL: 0x40000008,
  SCMP_ARCH_MIPSEL64: 0xc0000008,
  SCMP_ARCH_MIPSEL64N32: 0xe0000008,
  SCMP_ARCH_PPC: 0x00000014,
  SCMP_ARCH_PPC64: 0x80000015,
  SCMP_ARCH_PPC64LE: 0xc0000015,
  SCMP_ARCH_S390: 0x00000016,
  SCMP_ARCH_S390X: 0x80000016,
  SCMP_ARCH_PARISC: 0x0000000f,
  SCMP_ARCH_PARISC64: 0x8000000f,
  SCMP_ARCH_RISCV64: 0xc00000f3,
  SCMP_ARCH_LOONGARCH64: 0xc0000102,
  SCMP_ARCH_M68K: 0x00000004,
  SCMP_ARCH_SH: 0x4000002a, // little-endian SuperH, as libseccomp 2.6 defines it
  SCMP_ARCH_SHEB: 0x0000002a,
};

/** SECCOMP_FILTER_FLAG_* the init applies. */
export const SECCOMP_FLAG: Record<string, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: 1,
  SECCOMP_FILTER_FLAG_LOG: 2,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
};
/** The kernel's bits for a filter with a user-notification listener (SCMP_ACT_NOTIFY). */
const NEW_LISTENER = 8;
const WAIT_KILLABLE_RECV_BIT = 32;
const WAIT_KILLABLE_RECV = 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV';

/** For `features`: what this conversion accepts. */
export const SECCOMP_FEATURES = {
  actions: Object.keys(ACTIONS),
  operators: Object.keys(SCMP_CMP),
  archs: Object.keys(SCMP_ARCH),
  knownFlags: [...Object.keys(SECCOMP_FLAG), WAIT_KILLABLE_RECV],
};

const MAX_ARGS = 6;
const POINTER = 'config.json: /linux/seccomp';

function fail(at: string, problem: string): never {
  throw new TsrcError(`${POINTER}${at}: ${problem}`);
}

function errnoOf(v: number | undefined, at: string): number {
  if (v === undefined) return EPERM; // runc's default for ERRNO and TRACE
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) fail(at, `must be an integer in 0..65535, got ${v}`);
  return v;
}

function actionOf(name: string, errnoRet: number | undefined, at: string, errnoAt: string): number {
  const make = ACTIONS[name];
  if (!make) fail(at, `unknown seccomp action "${name}"`);
  // config-linux.md: "When the action doesn't support an errno, the runtime MUST print and error and fail."
  if (errnoRet !== undefined && !ERRNO_ACTIONS.has(name)) fail(errnoAt, `cannot be used with ${name} (only SCMP_ACT_ERRNO or SCMP_ACT_TRACE)`);
  return make(errnoOf(errnoRet, errnoAt));
}

function uint64(v: number, at: string): bigint {
  if (!Number.isInteger(v) || v < 0 || v > 2 ** 64 - 1) fail(at, `must be an integer in 0..2^64-1, got ${v}`);
  return BigInt(v);
}

function conditions(list: NonNullable<Seccomp['syscalls']>[number]['args'], at: string): SeccompArg[] {
  return (list ?? []).map((a, j) => {
    const here = `${at}/args/${j}`;
    if (!Number.isInteger(a.index) || a.index < 0 || a.index >= MAX_ARGS) fail(`${here}/index`, `must be 0..${MAX_ARGS - 1}, got ${a.index}`);
    const op = SCMP_CMP[a.op];
    if (op === undefined) fail(`${here}/op`, `unknown seccomp operator "${a.op}"`);
    return { index: a.index, op, value: uint64(a.value, `${here}/value`), valueTwo: uint64(a.valueTwo ?? 0, `${here}/valueTwo`) };
  });
}

/**
 * runc's grouping: conditions on distinct arguments form one rule (all must match); if any
 * argument is tested twice, libseccomp cannot put both in one rule, so each condition becomes a
 * rule of its own (any may match).
 */
function ruleArgSets(args: SeccompArg[]): SeccompArg[][] {
  const indexes = new Set(args.map((a) => a.index));
  return indexes.size === args.length ? [args] : args.map((a) => [a]);
}

/** Converts linux.seccomp; null when there is none. Throws TsrcError naming the JSON pointer. */
export function seccompPlan(s: Seccomp | undefined, warn: (m: string) => void): SeccompPlan | null {
  if (!s) return null;
  // libseccomp refuses it: a filter cannot notify for every syscall.
  if (s.defaultAction === 'SCMP_ACT_NOTIFY') fail('/defaultAction', 'SCMP_ACT_NOTIFY cannot be the default action');
  const defaultAction = actionOf(s.defaultAction, s.defaultErrnoRet, '/defaultAction', '/defaultErrnoRet');

  const architectures: number[] = [];
  (s.architectures ?? []).forEach((name, i) => {
    const arch = SCMP_ARCH[name];
    if (arch === undefined) fail(`/architectures/${i}`, `unknown seccomp architecture "${name}"`);
    if (!architectures.includes(arch)) architectures.push(arch);
  });

  // runc: no flags given at all means SPEC_ALLOW; an explicit list (even empty) is taken as is.
  let flags = 0;
  if (s.flags === undefined) flags = SECCOMP_FLAG.SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  const notify = (s.syscalls ?? []).some((sc) => sc.action === 'SCMP_ACT_NOTIFY');
  // config-linux.md: the notify fd goes to the agent at listenerPath; without one nobody answers.
  if (notify && !s.listenerPath) fail('/listenerPath', 'is required when a syscall uses SCMP_ACT_NOTIFY (the seccomp agent\'s socket)');
  (s.flags ?? []).forEach((name, i) => {
    if (name === WAIT_KILLABLE_RECV) {
      if (notify) flags |= WAIT_KILLABLE_RECV_BIT;
      else warn(`${POINTER}/flags/${i}: ${name} has no effect without SCMP_ACT_NOTIFY; ignored`);
      return;
    }
    const bit = SECCOMP_FLAG[name];
    if (bit === undefined) fail(`/flags/${i}`, `unknown seccomp flag "${name}"`);
    flags |= bit;
  });

  const rules: SeccompRule[] = [];
  (s.syscalls ?? []).forEach((sc, i) => {
    const at = `/syscalls/${i}`;
    const action = actionOf(sc.action, sc.errnoRet, `${at}/action`, `${at}/errnoRet`);
    const args = conditions(sc.args, at);
    if (!sc.names?.length) fail(`${at}/names`, 'must name at least one syscall');
    sc.names.forEach((name, j) => {
      if (typeof name !== 'string' || name === '') fail(`${at}/names/${j}`, 'must be a non-empty syscall name');
    });
    // runc drops a rule that repeats the default action (libseccomp would refuse it).
    if (action === defaultAction) return;
    for (const name of sc.names) for (const set of ruleArgSets(args)) rules.push({ name, action, args: set });
  });
  // A listener fd is asked of the kernel only if some rule notifies; it goes to listenerPath.
  if (notify) flags |= NEW_LISTENER;
  const plan: SeccompPlan = { defaultAction, architectures, flags, rules };
  if (notify) Object.assign(plan, { listenerPath: s.listenerPath as string, listenerMetadata: s.listenerMetadata ?? '' });
  return plan;
}

/** The container process state of config-linux.md, sent with the notify fd to listenerPath. */
export function containerProcessState(metadata: string, pid: number, state: Record<string, unknown>): string {
  return JSON.stringify({ ociVersion: state.ociVersion, fds: ['seccompFd'], pid, ...(metadata ? { metadata } : {}), state });
}
