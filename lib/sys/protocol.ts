// The sync-socket protocol between tsrc and tsrc-init (native/init/PROTOCOL.md): a frame is
// { u32 magic "TSRC", u16 version, u16 type, u32 length } + payload, all little-endian.
// PLAN and ENTER payloads are typed records { u16 tag, u32 length, body }, always written in
// the same order, so the encoding of a plan is deterministic. native/init/protocol.c is the
// other half; change both together and bump PROTOCOL_VERSION when the format changes.
import type { ExecPlan, Hook, Plan, ProcessPlan, SeccompPlan } from '../plan/types.js';

export const PROTOCOL_MAGIC = 0x43525354; // "TSRC" as a little-endian u32
export const PROTOCOL_VERSION = 2;
export const FRAME_HEADER = 12;
export const FRAME_MAX = 16 * 1024 * 1024;

export const Msg = {
  PLAN: 0x01,
  CONTINUE: 0x02,
  HOOK_STATE: 0x03,
  ENTER: 0x04,
  EXEC: 0x05,
  PID: 0x81,
  HOOKS: 0x82,
  READY: 0x83,
  EXIT: 0x84,
  ERROR: 0x85,
  WARNING: 0x86,
} as const;

export const Rec = {
  CLONE_FLAGS: 1,
  JOIN: 2,
  UID_MAP: 3,
  GID_MAP: 4,
  ROOTFS: 5,
  ROOTFS_PROPAGATION: 6,
  PLAN_FLAGS: 7,
  MOUNT: 8,
  DEVICE: 9,
  SYMLINK: 10,
  MASKED: 11,
  READONLY: 12,
  HOSTNAME: 13,
  DOMAINNAME: 14,
  SYSCTL: 15,
  EXEC_FIFO: 16,
  PRESERVE_FDS: 17,
  START_HOOK: 18,
  SECCOMP: 19,
  SECCOMP_RULE: 20,
  CONSOLE_SOCKET: 21,
  CGROUP_TASKS: 22,
  CGROUP_INTO: 23,
  SECCOMP_SOCKET: 24,
  MASKED_TMPFS_DATA: 25,
  ARG: 32,
  ENV: 33,
  CWD: 34,
  USER: 35,
  ADDITIONAL_GID: 36,
  UMASK: 37,
  RLIMIT: 38,
  CAPS: 39,
  OOM_SCORE_ADJ: 40,
  PROCESS_FLAGS: 41,
  CONSOLE_SIZE: 42,
  APPARMOR_PROFILE: 43,
  SELINUX_LABEL: 44,
  PERSONALITY: 45,
  SCHEDULER: 46,
  IO_PRIORITY: 47,
  MEMORY_POLICY: 48,
  CPU_AFFINITY: 49,
  ENTER_PID: 64,
  ENTER_NS: 65,
  ENTER_PATH: 66,
  EXEC_TARGET: 67,
  EXEC_FLAGS: 68,
  END: 255,
} as const;

const PF = { rootReadonly: 0x01, noPivot: 0x02, noNewKeyring: 0x04, hooksBeforePivot: 0x08, waitForExit: 0x10, chrootOnly: 0x20 } as const;
const XF = { noNewPrivileges: 0x01, terminal: 0x02, homeFromPasswd: 0x04 } as const;
const EF = { detach: 0x01, noNewKeyring: 0x02 } as const;

/** What `tsrc-init enter` runs: one program in the namespaces of a running process. */
export interface EnterRequest {
  pid: number;
  /** OR of NS_FLAGS kinds to join; kinds the caller already shares are skipped by the init. */
  nsFlags: number;
  path: string;
  /** argv, argv[0] included. */
  args: string[];
  env: string[];
  cwd: string;
}

/** Messages tsrc-init sends. */
export type InitMessage =
  | { type: 'pid'; pid: number }
  | { type: 'hooks' }
  | { type: 'ready' }
  | { type: 'exit'; status: number }
  | { type: 'error'; step: string; errno: number; message: string; reason: string }
  | { type: 'warning'; message: string };

/** What `tsrc-init exec` needs besides the ExecPlan: the container init to join. */
export interface ExecTarget {
  /** Host pid of the container init. */
  pid: number;
  /**
   * Its start time (field 22 of /proc/<pid>/stat, clock ticks since boot), checked by the C side
   * after it has pinned the process with a pidfd, so a recycled pid is refused; 0 = unchecked.
   */
  startTime: number;
}

/** A plan that cannot be encoded; the message names the field. */
export class PlanEncodeError extends Error {
  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.name = 'PlanEncodeError';
  }
}

/** Appends little-endian values to a growing buffer, checking each against its field. */
class Writer {
  private buf = Buffer.alloc(1024);
  private len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  u8(v: number): void {
    this.room(1);
    this.buf.writeUInt8(v, this.len);
    this.len += 1;
  }

  u16(v: number): void {
    this.room(2);
    this.buf.writeUInt16LE(v, this.len);
    this.len += 2;
  }

  u32(v: number, field: string): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new PlanEncodeError(field, `expected an integer in 0..4294967295, got ${v}`);
    this.room(4);
    this.buf.writeUInt32LE(v, this.len);
    this.len += 4;
  }

  i32(v: number, field: string): void {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new PlanEncodeError(field, `expected a 32-bit signed integer, got ${v}`);
    this.room(4);
    this.buf.writeInt32LE(v, this.len);
    this.len += 4;
  }

  u64(v: bigint, field: string): void {
    if (typeof v !== 'bigint' || v < 0n || v > 0xffffffffffffffffn) throw new PlanEncodeError(field, `expected a bigint in 0..2^64-1, got ${String(v)}`);
    this.room(8);
    this.buf.writeBigUInt64LE(v, this.len);
    this.len += 8;
  }

  bool(v: boolean, field: string): void {
    if (typeof v !== 'boolean') throw new PlanEncodeError(field, `expected a boolean, got ${String(v)}`);
    this.u8(v ? 1 : 0);
  }

  /** u32 byte length, UTF-8 bytes, NUL. */
  str(s: string, field: string): void {
    if (typeof s !== 'string') throw new PlanEncodeError(field, `expected a string, got ${typeof s}`);
    if (s.includes('\0')) throw new PlanEncodeError(field, 'contains a NUL byte');
    const n = Buffer.byteLength(s);
    this.u32(n, field);
    this.room(n + 1);
    this.buf.write(s, this.len, 'utf8');
    this.len += n;
    this.buf[this.len++] = 0;
  }

  strs(list: readonly string[], field: string): void {
    this.u32(list.length, `${field}.length`);
    list.forEach((s, i) => this.str(s, `${field}[${i}]`));
  }

  /** One record: tag, length (patched once the body is written), body. */
  record(tag: number, body: () => void): void {
    this.u16(tag);
    this.room(4);
    const at = this.len;
    this.len += 4;
    body();
    this.buf.writeUInt32LE(this.len - at - 4, at);
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

export function encodeFrame(type: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  if (payload.length > FRAME_MAX) throw new PlanEncodeError('frame', `${payload.length} bytes exceed the ${FRAME_MAX} byte limit`);
  const h = Buffer.alloc(FRAME_HEADER);
  h.writeUInt32LE(PROTOCOL_MAGIC, 0);
  h.writeUInt16LE(PROTOCOL_VERSION, 4);
  h.writeUInt16LE(type, 6);
  h.writeUInt32LE(payload.length, 8);
  return Buffer.concat([h, payload]);
}

function flags(bits: Record<string, number>, values: Record<string, boolean>, field: string): number {
  let f = 0;
  for (const [k, bit] of Object.entries(bits)) {
    const v = values[k];
    if (typeof v !== 'boolean') throw new PlanEncodeError(`${field}.${k}`, `expected a boolean, got ${String(v)}`);
    if (v) f |= bit;
  }
  return f;
}

function hookRecord(w: Writer, h: Hook, field: string): void {
  w.str(h.path, `${field}.path`);
  w.u32(h.timeout, `${field}.timeout`);
  w.strs(h.args, `${field}.args`);
  w.strs(h.env, `${field}.env`);
}

/** The PLAN payload (records only, no frame header). */
/** CGROUP_TASKS and CGROUP_INTO: where the C stage puts itself (v1) and its child (cgroup2). */
function cgroupJoinRecords(w: Writer, plan: { cgroupTasks?: string[]; cgroupInto?: string }, f: string): void {
  (plan.cgroupTasks ?? []).forEach((d, i) => w.record(Rec.CGROUP_TASKS, () => w.str(absolute(d, `${f}.cgroupTasks[${i}]`), `${f}.cgroupTasks[${i}]`)));
  if (plan.cgroupInto) w.record(Rec.CGROUP_INTO, () => w.str(absolute(plan.cgroupInto as string, `${f}.cgroupInto`), `${f}.cgroupInto`));
}

export function encodePlanPayload(plan: Plan): Buffer {
  const w = new Writer();
  const f = 'plan';
  w.record(Rec.CLONE_FLAGS, () => w.u32(plan.cloneFlags, `${f}.cloneFlags`));
  plan.joins.forEach((j, i) =>
    w.record(Rec.JOIN, () => {
      w.u32(j.flag, `${f}.joins[${i}].flag`);
      w.str(j.path, `${f}.joins[${i}].path`);
    }),
  );
  for (const [tag, list, name] of [
    [Rec.UID_MAP, plan.uidMappings, 'uidMappings'],
    [Rec.GID_MAP, plan.gidMappings, 'gidMappings'],
  ] as const) {
    list.forEach((m, i) =>
      w.record(tag, () => {
        w.u32(m.containerID, `${f}.${name}[${i}].containerID`);
        w.u32(m.hostID, `${f}.${name}[${i}].hostID`);
        w.u32(m.size, `${f}.${name}[${i}].size`);
      }),
    );
  }
  w.record(Rec.ROOTFS, () => w.str(plan.rootfs, `${f}.rootfs`));
  w.record(Rec.ROOTFS_PROPAGATION, () => {
    w.u32(plan.setupPropagation, `${f}.setupPropagation`);
    w.u32(plan.rootfsPropagation, `${f}.rootfsPropagation`);
  });
  w.record(Rec.PLAN_FLAGS, () => w.u32(flags(PF, plan as unknown as Record<string, boolean>, f), `${f}.flags`));
  plan.mounts.forEach((m, i) =>
    w.record(Rec.MOUNT, () => {
      const mf = `${f}.mounts[${i}]`;
      w.str(m.source, `${mf}.source`);
      w.str(m.destination, `${mf}.destination`);
      w.str(m.fstype, `${mf}.fstype`);
      w.u32(m.flags, `${mf}.flags`);
      w.str(m.data, `${mf}.data`);
      w.u32(m.remountFlags, `${mf}.remountFlags`);
      w.u32(m.propagation, `${mf}.propagation`);
      w.bool(m.destIsFile, `${mf}.destIsFile`);
      w.bool(m.destNoSymlinks, `${mf}.destNoSymlinks`);
      w.str(m.label, `${mf}.label`);
    }),
  );
  plan.devices.forEach((d, i) =>
    w.record(Rec.DEVICE, () => {
      const df = `${f}.devices[${i}]`;
      w.str(d.path, `${df}.path`);
      w.u32(d.type, `${df}.type`);
      w.u32(d.major, `${df}.major`);
      w.u32(d.minor, `${df}.minor`);
      w.u32(d.mode, `${df}.mode`);
      w.u32(d.uid, `${df}.uid`);
      w.u32(d.gid, `${df}.gid`);
      w.bool(d.bind, `${df}.bind`);
    }),
  );
  plan.symlinks.forEach((s, i) =>
    w.record(Rec.SYMLINK, () => {
      w.str(s.target, `${f}.symlinks[${i}].target`);
      w.str(s.linkpath, `${f}.symlinks[${i}].linkpath`);
    }),
  );
  plan.maskedPaths.forEach((s, i) => w.record(Rec.MASKED, () => w.str(s, `${f}.maskedPaths[${i}]`)));
  if (plan.maskedTmpfsData) w.record(Rec.MASKED_TMPFS_DATA, () => w.str(plan.maskedTmpfsData, `${f}.maskedTmpfsData`));
  plan.readonlyPaths.forEach((s, i) => w.record(Rec.READONLY, () => w.str(s, `${f}.readonlyPaths[${i}]`)));
  if (plan.hostname !== null) w.record(Rec.HOSTNAME, () => w.str(plan.hostname as string, `${f}.hostname`));
  if (plan.domainname !== null) w.record(Rec.DOMAINNAME, () => w.str(plan.domainname as string, `${f}.domainname`));
  plan.sysctls.forEach(([k, v], i) =>
    w.record(Rec.SYSCTL, () => {
      w.str(k, `${f}.sysctls[${i}][0]`);
      w.str(v, `${f}.sysctls[${i}][1]`);
    }),
  );
  w.record(Rec.EXEC_FIFO, () => w.str(plan.execFifo, `${f}.execFifo`));
  preserveFdsRecord(w, plan.preserveFds, `${f}.preserveFds`);
  plan.startContainerHooks.forEach((h, i) => w.record(Rec.START_HOOK, () => hookRecord(w, h, `${f}.startContainerHooks[${i}]`)));
  seccompRecords(w, plan.seccomp ?? null, `${f}.seccomp`);
  consoleSocketRecord(w, plan.consoleSocket ?? '', `${f}.consoleSocket`);
  seccompSocketRecord(w, plan.seccompSocket ?? '', `${f}.seccompSocket`);
  cgroupJoinRecords(w, plan, f);
  processRecords(w, plan.process, `${f}.process`);
  w.record(Rec.END, () => {});
  return w.bytes();
}

function absolute(path: string, field: string): string {
  if (!path.startsWith('/')) throw new PlanEncodeError(field, `not an absolute path: ${JSON.stringify(path)}`);
  return path;
}

function preserveFdsRecord(w: Writer, n: number, field: string): void {
  if (n >= 65536) throw new PlanEncodeError(field, `too many fds (${n})`);
  w.record(Rec.PRESERVE_FDS, () => w.u32(n, field));
}

function consoleSocketRecord(w: Writer, path: string, field: string): void {
  if (path !== '') w.record(Rec.CONSOLE_SOCKET, () => w.str(path, field));
}

function seccompSocketRecord(w: Writer, path: string, field: string): void {
  if (path !== '') w.record(Rec.SECCOMP_SOCKET, () => w.str(absolute(path, field), field));
}

function seccompRecords(w: Writer, s: SeccompPlan | null, f: string): void {
  if (s === null) return;
  w.record(Rec.SECCOMP, () => {
    w.u32(s.defaultAction, `${f}.defaultAction`);
    w.u32(s.flags, `${f}.flags`);
    w.u32(s.architectures.length, `${f}.architectures.length`);
    s.architectures.forEach((a, i) => w.u32(a, `${f}.architectures[${i}]`));
  });
  s.rules.forEach((r, i) =>
    w.record(Rec.SECCOMP_RULE, () => {
      const rf = `${f}.rules[${i}]`;
      w.str(r.name, `${rf}.name`);
      w.u32(r.action, `${rf}.action`);
      if (r.args.length > 6) throw new PlanEncodeError(`${rf}.args`, `at most 6 conditions, got ${r.args.length}`);
      w.u32(r.args.length, `${rf}.args.length`);
      r.args.forEach((a, j) => {
        w.u32(a.index, `${rf}.args[${j}].index`);
        w.u32(a.op, `${rf}.args[${j}].op`);
        w.u64(a.value, `${rf}.args[${j}].value`);
        w.u64(a.valueTwo, `${rf}.args[${j}].valueTwo`);
      });
    }),
  );
}

/** The process records shared by PLAN and EXEC. */
function processRecords(w: Writer, p: ProcessPlan, pf: string): void {
  if (p.args.length === 0) throw new PlanEncodeError(`${pf}.args`, 'must not be empty');
  p.args.forEach((a, i) => w.record(Rec.ARG, () => w.str(a, `${pf}.args[${i}]`)));
  p.env.forEach((e, i) => w.record(Rec.ENV, () => w.str(e, `${pf}.env[${i}]`)));
  w.record(Rec.CWD, () => w.str(p.cwd, `${pf}.cwd`));
  w.record(Rec.USER, () => {
    w.u32(p.uid, `${pf}.uid`);
    w.u32(p.gid, `${pf}.gid`);
  });
  p.additionalGids.forEach((g, i) => w.record(Rec.ADDITIONAL_GID, () => w.u32(g, `${pf}.additionalGids[${i}]`)));
  if (p.umask !== -1) {
    if (!Number.isInteger(p.umask) || p.umask < 0 || p.umask > 0o777) throw new PlanEncodeError(`${pf}.umask`, `expected -1 or 0..0o777, got ${p.umask}`);
    w.record(Rec.UMASK, () => w.u32(p.umask, `${pf}.umask`));
  }
  p.rlimits.forEach((r, i) =>
    w.record(Rec.RLIMIT, () => {
      w.u32(r.resource, `${pf}.rlimits[${i}].resource`);
      w.u64(r.soft, `${pf}.rlimits[${i}].soft`);
      w.u64(r.hard, `${pf}.rlimits[${i}].hard`);
    }),
  );
  if (p.capabilities !== null) {
    const c = p.capabilities;
    w.record(Rec.CAPS, () => {
      for (const k of ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'] as const) w.u64(c[k], `${pf}.capabilities.${k}`);
    });
  }
  if (p.oomScoreAdj !== null) {
    if (!Number.isInteger(p.oomScoreAdj) || p.oomScoreAdj < -1000 || p.oomScoreAdj > 1000)
      throw new PlanEncodeError(`${pf}.oomScoreAdj`, `expected -1000..1000, got ${p.oomScoreAdj}`);
    w.record(Rec.OOM_SCORE_ADJ, () => w.i32(p.oomScoreAdj as number, `${pf}.oomScoreAdj`));
  }
  w.record(Rec.PROCESS_FLAGS, () => w.u32(flags(XF, p as unknown as Record<string, boolean>, pf), `${pf}.flags`));
  const size = p.consoleSize ?? null;
  if (size !== null)
    w.record(Rec.CONSOLE_SIZE, () => {
      w.u32(size.height, `${pf}.consoleSize.height`);
      w.u32(size.width, `${pf}.consoleSize.width`);
    });
  if (p.apparmorProfile) w.record(Rec.APPARMOR_PROFILE, () => w.str(p.apparmorProfile as string, `${pf}.apparmorProfile`));
  if (p.selinuxLabel) w.record(Rec.SELINUX_LABEL, () => w.str(p.selinuxLabel as string, `${pf}.selinuxLabel`));
  if (p.personality !== undefined) w.record(Rec.PERSONALITY, () => w.u32(p.personality as number, `${pf}.personality`));
  const sc = p.scheduler;
  if (sc)
    w.record(Rec.SCHEDULER, () => {
      w.u32(sc.policy, `${pf}.scheduler.policy`);
      w.u64(sc.flags, `${pf}.scheduler.flags`);
      w.i32(sc.nice, `${pf}.scheduler.nice`);
      w.u32(sc.priority, `${pf}.scheduler.priority`);
      w.u64(sc.runtime, `${pf}.scheduler.runtime`);
      w.u64(sc.deadline, `${pf}.scheduler.deadline`);
      w.u64(sc.period, `${pf}.scheduler.period`);
    });
  if (p.ioPriority !== undefined) w.record(Rec.IO_PRIORITY, () => w.u32(p.ioPriority as number, `${pf}.ioPriority`));
  const mp = p.memoryPolicy;
  if (mp)
    w.record(Rec.MEMORY_POLICY, () => {
      w.u32(mp.mode, `${pf}.memoryPolicy.mode`);
      words(w, mp.nodes, MAX_NODE_WORDS, `${pf}.memoryPolicy.nodes`);
    });
  const ca = p.cpuAffinity;
  if (ca)
    w.record(Rec.CPU_AFFINITY, () => {
      words(w, ca.initial, MAX_CPU_WORDS, `${pf}.cpuAffinity.initial`);
      words(w, ca.final, MAX_CPU_WORDS, `${pf}.cpuAffinity.final`);
    });
}

/** Bitmask limits the init's decoder enforces: 1024 NUMA nodes, 8192 CPUs. */
const MAX_NODE_WORDS = 16;
const MAX_CPU_WORDS = 128;

/** u32 n (≤ max), n × u64: a bitmask. */
function words(w: Writer, list: readonly bigint[], max: number, field: string): void {
  if (list.length > max) throw new PlanEncodeError(field, `at most ${max} words, got ${list.length}`);
  w.u32(list.length, `${field}.length`);
  list.forEach((v, i) => w.u64(v, `${field}[${i}]`));
}

/** A complete PLAN frame. Throws PlanEncodeError naming the field of a value it cannot encode. */
export function encodePlan(plan: Plan): Buffer {
  return encodeFrame(Msg.PLAN, encodePlanPayload(plan));
}

export function encodeEnter(req: EnterRequest): Buffer {
  const w = new Writer();
  if (!Number.isInteger(req.pid) || req.pid <= 0) throw new PlanEncodeError('enter.pid', `expected a positive pid, got ${req.pid}`);
  if (req.args.length === 0) throw new PlanEncodeError('enter.args', 'must not be empty');
  w.record(Rec.ENTER_PID, () => w.u32(req.pid, 'enter.pid'));
  w.record(Rec.ENTER_NS, () => w.u32(req.nsFlags, 'enter.nsFlags'));
  w.record(Rec.ENTER_PATH, () => w.str(req.path, 'enter.path'));
  req.args.forEach((a, i) => w.record(Rec.ARG, () => w.str(a, `enter.args[${i}]`)));
  req.env.forEach((e, i) => w.record(Rec.ENV, () => w.str(e, `enter.env[${i}]`)));
  w.record(Rec.CWD, () => w.str(req.cwd, 'enter.cwd'));
  w.record(Rec.END, () => {});
  return encodeFrame(Msg.ENTER, w.bytes());
}

/** A complete EXEC frame for `tsrc-init exec`. */
export function encodeExec(target: ExecTarget, plan: ExecPlan): Buffer {
  const w = new Writer();
  const f = 'exec';
  if (!Number.isInteger(target.pid) || target.pid <= 0 || target.pid > 0x7fffffff) throw new PlanEncodeError(`${f}.pid`, `expected a positive pid, got ${target.pid}`);
  if (!Number.isInteger(target.startTime) || target.startTime < 0) throw new PlanEncodeError(`${f}.startTime`, `expected a non-negative integer, got ${target.startTime}`);
  w.record(Rec.EXEC_TARGET, () => {
    w.u32(target.pid, `${f}.pid`);
    w.u64(BigInt(target.startTime), `${f}.startTime`);
  });
  w.record(Rec.EXEC_FLAGS, () => w.u32(flags(EF, plan as unknown as Record<string, boolean>, f), `${f}.flags`));
  preserveFdsRecord(w, plan.preserveFds, `${f}.preserveFds`);
  seccompRecords(w, plan.seccomp, `${f}.seccomp`);
  consoleSocketRecord(w, plan.consoleSocket, `${f}.consoleSocket`);
  seccompSocketRecord(w, plan.seccompSocket ?? '', `${f}.seccompSocket`);
  cgroupJoinRecords(w, plan, f);
  processRecords(w, plan.process, `${f}.process`);
  w.record(Rec.END, () => {});
  return encodeFrame(Msg.EXEC, w.bytes());
}

export function encodeContinue(): Buffer {
  return encodeFrame(Msg.CONTINUE);
}

export function encodeHookState(state: string): Buffer {
  const w = new Writer();
  w.str(state, 'hookState');
  return encodeFrame(Msg.HOOK_STATE, w.bytes());
}

/** Encodes what tsrc-init sends (for tests and the recording fake). */
export function encodeInitMessage(m: InitMessage): Buffer {
  const w = new Writer();
  switch (m.type) {
    case 'pid':
      w.u32(m.pid, 'pid');
      return encodeFrame(Msg.PID, w.bytes());
    case 'hooks':
      return encodeFrame(Msg.HOOKS);
    case 'ready':
      return encodeFrame(Msg.READY);
    case 'exit':
      w.i32(m.status, 'status');
      return encodeFrame(Msg.EXIT, w.bytes());
    case 'error':
      w.str(m.step, 'step');
      w.u32(m.errno, 'errno');
      w.str(m.message, 'message');
      w.str(m.reason, 'reason');
      return encodeFrame(Msg.ERROR, w.bytes());
    case 'warning':
      w.str(m.message, 'message');
      return encodeFrame(Msg.WARNING, w.bytes());
  }
}

/** A protocol violation by the other side. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(`tsrc-init protocol: ${message}`);
    this.name = 'ProtocolError';
  }
}

class Reader {
  private at = 0;
  constructor(
    private readonly b: Buffer,
    private readonly what: string,
  ) {}

  private need(n: number): void {
    if (this.at + n > this.b.length) throw new ProtocolError(`${this.what}: truncated`);
  }

  u32(): number {
    this.need(4);
    const v = this.b.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.b.readInt32LE(this.at);
    this.at += 4;
    return v;
  }

  str(): string {
    const n = this.u32();
    this.need(n + 1);
    if (this.b[this.at + n] !== 0) throw new ProtocolError(`${this.what}: string not NUL-terminated`);
    const s = this.b.toString('utf8', this.at, this.at + n);
    this.at += n + 1;
    return s;
  }

  end(): void {
    if (this.at !== this.b.length) throw new ProtocolError(`${this.what}: ${this.b.length - this.at} trailing bytes`);
  }
}

/** Decodes one init → runtime message payload. */
export function decodeInitMessage(type: number, payload: Buffer): InitMessage {
  let m: InitMessage;
  switch (type) {
    case Msg.PID: {
      const r = new Reader(payload, 'PID');
      m = { type: 'pid', pid: r.u32() };
      r.end();
      if (m.pid <= 0) throw new ProtocolError(`PID: invalid pid ${m.pid}`);
      return m;
    }
    case Msg.HOOKS:
    case Msg.READY:
      if (payload.length) throw new ProtocolError(`message 0x${type.toString(16)}: unexpected payload`);
      return { type: type === Msg.HOOKS ? 'hooks' : 'ready' };
    case Msg.EXIT: {
      const r = new Reader(payload, 'EXIT');
      m = { type: 'exit', status: r.i32() };
      r.end();
      return m;
    }
    case Msg.ERROR: {
      const r = new Reader(payload, 'ERROR');
      m = { type: 'error', step: r.str(), errno: r.u32(), message: r.str(), reason: r.str() };
      r.end();
      return m;
    }
    case Msg.WARNING: {
      const r = new Reader(payload, 'WARNING');
      m = { type: 'warning', message: r.str() };
      r.end();
      return m;
    }
    default:
      throw new ProtocolError(`unexpected message type 0x${type.toString(16)}`);
  }
}

/** Splits a byte stream into frames; push() returns the messages completed so far. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): InitMessage[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: InitMessage[] = [];
    while (this.pending.length >= FRAME_HEADER) {
      const magic = this.pending.readUInt32LE(0);
      const version = this.pending.readUInt16LE(4);
      if (magic !== PROTOCOL_MAGIC) throw new ProtocolError('bad frame magic');
      if (version !== PROTOCOL_VERSION) throw new ProtocolError(`unsupported protocol version ${version} (expected ${PROTOCOL_VERSION})`);
      const type = this.pending.readUInt16LE(6);
      const len = this.pending.readUInt32LE(8);
      if (len > FRAME_MAX) throw new ProtocolError(`frame of ${len} bytes exceeds the limit`);
      if (this.pending.length < FRAME_HEADER + len) break;
      out.push(decodeInitMessage(type, this.pending.subarray(FRAME_HEADER, FRAME_HEADER + len)));
      this.pending = this.pending.subarray(FRAME_HEADER + len);
    }
    return out;
  }

  /** Bytes of an incomplete frame still buffered (non-zero at EOF means a truncated frame). */
  get buffered(): number {
    return this.pending.length;
  }
}
