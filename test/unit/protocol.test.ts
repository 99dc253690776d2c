// The sync protocol: the TS encoder and the C decoder (through `tsrc-init dump`, the same decoder
// `init` uses) must agree on every field, and the decoder must refuse anything malformed.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import type { ExecPlan, Plan } from '../../lib/plan/types.js';
import { NS_FLAGS } from '../../lib/plan/types.js';
import {
  FrameReader,
  Msg,
  PROTOCOL_VERSION,
  PlanEncodeError,
  ProtocolError,
  Rec,
  encodeEnter,
  encodeExec,
  encodeFrame,
  encodeInitMessage,
  encodePlan,
  encodePlanPayload,
  type InitMessage,
} from '../../lib/sys/protocol.js';
import { initErrorFromMessage } from '../../lib/sys/init-runner.js';
import { initBinaryPath } from '../../lib/sys/paths.js';
import { makePlan } from '../helpers/rootfs.js';

const RLIM_INFINITY = 0xffffffffffffffffn;
const MOUNT_LABEL = 'system_u:object_r:container_file_t:s0:c1,c2';

function richPlan(): Plan {
  const p = makePlan({ rootfs: '/var/lib/tsrc/ümlaut "root"', execFifo: '/run/tsrc/x/exec.fifo', args: ['sh', '-c', 'echo "hi"\n\ttab'], userns: 100000 });
  p.joins = [
    { flag: NS_FLAGS.user, path: '/proc/1/ns/user' },
    { flag: NS_FLAGS.network, path: '/var/run/netns/a b' },
  ];
  p.uidMappings.push({ containerID: 65536, hostID: 4294900000, size: 1 });
  p.rootfsPropagation = 0x100000 | 0x4000;
  p.rootReadonly = true;
  p.noPivot = true;
  p.mounts.push({ source: '/host/data', destination: '/data/file', fstype: '', flags: 0x1000 | 0x4000, data: 'x=1,y', remountFlags: 0x1000 | 0x20 | 0x1, propagation: 0x80000, destIsFile: true, destNoSymlinks: true, label: MOUNT_LABEL });
  p.maskedTmpfsData = `context="${MOUNT_LABEL}"`;
  p.devices.push({ path: '/dev/fuse', type: 0o020000, major: 10, minor: 229, mode: 0o600, uid: 1000, gid: 4294967294, bind: false });
  p.domainname = 'example.org';
  p.hostname = '';
  p.sysctls = [
    ['net.ipv4.ip_forward', '1'],
    ['kernel.msgmax', '\\u0001 "q"'],
  ];
  p.process.env.push('EMOJI=🚀', 'EMPTY=');
  p.process.cwd = '/home/user';
  p.process.uid = 1000;
  p.process.gid = 1001;
  p.process.additionalGids = [5, 4294967295];
  p.process.umask = 0o027;
  p.process.rlimits = [
    { resource: 7, soft: 1024n, hard: RLIM_INFINITY },
    { resource: 0, soft: 0n, hard: 1n << 63n },
  ];
  p.process.capabilities = { bounding: (1n << 41n) - 1n, effective: 1n << 40n, inheritable: 3n, permitted: (1n << 64n) - 1n, ambient: 1n };
  p.process.noNewPrivileges = false;
  p.process.oomScoreAdj = -999;
  p.process.terminal = true;
  p.process.consoleSize = { height: 24, width: 65535 };
  p.process.apparmorProfile = 'tsrc-test-profile';
  p.process.selinuxLabel = 'system_u:system_r:container_t:s0:c1,c2';
  p.process.personality = 8;
  p.process.scheduler = { policy: 6, flags: 0x7fn, nice: -20, priority: 99, runtime: 1n << 63n, deadline: 2n, period: 0xffffffffffffffffn };
  p.process.ioPriority = (1 << 13) | 7;
  p.process.memoryPolicy = { mode: 3 | (1 << 15), nodes: [0n, 1n << 63n] };
  p.process.cpuAffinity = { initial: [], final: Array.from({ length: 128 }, (_, i) => BigInt(i)) };
  p.consoleSocket = '/run/tsrc/pty 1/console.sock';
  p.seccompSocket = '/run/tsrc/x/seccomp.sock';
  p.seccomp = {
    defaultAction: 0x00050001,
    architectures: [0xc000003e, 0x40000003],
    flags: 4 | 1,
    rules: [
      { name: 'mkdir', action: 0x7fff0000, args: [] },
      {
        name: 'clone',
        action: 0x80000000,
        args: [
          { index: 0, op: 7, value: 0x7e020000n, valueTwo: 0n },
          { index: 5, op: 4, value: (1n << 64n) - 1n, valueTwo: 1n << 63n },
        ],
      },
    ],
  };
  p.preserveFds = 2;
  p.noNewKeyring = true;
  p.hooksBeforePivot = true;
  p.startContainerHooks = [
    { path: '/bin/hook', args: ['hook', '--flag'], env: ['A=1'], timeout: 5 },
    { path: '/bin/other', args: [], env: [], timeout: 0 },
  ];
  p.waitForExit = true;
  return p;
}

function minimalPlan(): Plan {
  const p = makePlan({ rootfs: '/r', execFifo: '', args: ['true'] });
  p.mounts = [];
  p.devices = [];
  p.symlinks = [];
  p.maskedPaths = [];
  p.readonlyPaths = [];
  p.hostname = null;
  p.process.env = [];
  p.process.umask = -1;
  p.process.capabilities = null;
  return p;
}

/** The plan as `tsrc-init dump` prints it: bigints as decimal strings. */
function jsonable(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)));
}

function dump(input: Buffer): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(initBinaryPath(), ['dump'], { input });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

interface RecordPos {
  tag: number;
  at: number; // offset of the record header in the payload
  len: number;
}

function records(payload: Buffer): RecordPos[] {
  const out: RecordPos[] = [];
  for (let at = 0; at < payload.length; ) {
    const tag = payload.readUInt16LE(at);
    const len = payload.readUInt32LE(at + 2);
    out.push({ tag, at, len });
    at += 6 + len;
  }
  return out;
}

function find(payload: Buffer, tag: number): RecordPos {
  const r = records(payload).find((x) => x.tag === tag);
  if (!r) throw new Error(`no record ${tag}`);
  return r;
}

function expectRejected(t: Test, input: Buffer, pattern: RegExp, what: string): void {
  const r = dump(input);
  t.equal(r.status, 1, `${what}: exit status 1`);
  t.equal(r.stdout, '', `${what}: nothing decoded`);
  t.match(r.stderr, pattern, `${what}: ${pattern}`);
}

t.test('encoding is deterministic', async (t) => {
  const a = encodePlan(richPlan());
  t.same(encodePlan(richPlan()), a, 'same plan, same bytes');
  // The same values with every object's keys in reverse insertion order.
  const reversed = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(reversed) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)])) : v;
  t.same(encodePlan(reversed(richPlan()) as Plan), a, 'key order does not matter');
  const changed = richPlan();
  changed.process.rlimits[0].soft = 1025n;
  t.not(Buffer.compare(encodePlan(changed), a), 0, 'a changed value changes the bytes');
  t.equal(a.readUInt32LE(0), 0x43525354, 'magic');
  t.equal(a.readUInt16LE(4), PROTOCOL_VERSION, 'version');
  t.equal(a.readUInt16LE(6), Msg.PLAN, 'type');
  t.equal(a.readUInt32LE(8), a.length - 12, 'length');
  const tags = records(a.subarray(12)).map((r) => r.tag);
  t.equal(tags.at(-1), Rec.END, 'END is last');
});

t.test('tsrc-init decodes exactly what was encoded', async (t) => {
  for (const [name, plan] of [
    ['rich', richPlan()],
    ['minimal', minimalPlan()],
    ['test default', makePlan({ rootfs: '/x', execFifo: '/f', args: ['sh'] })],
  ] as const) {
    const r = dump(encodePlan(plan));
    t.equal(r.status, 0, `${name}: decoded (${r.stderr.trim()})`);
    t.strictSame(JSON.parse(r.stdout), jsonable(plan), `${name}: every field round-trips`);
  }
});

t.test('ENTER round-trips', async (t) => {
  const req = { pid: 4242, nsFlags: NS_FLAGS.mount | NS_FLAGS.user, path: '/usr/bin/hook', args: ['hook', 'a b'], env: ['X=1'], cwd: '/' };
  const r = dump(encodeEnter(req));
  t.equal(r.status, 0, r.stderr);
  t.strictSame(JSON.parse(r.stdout), req);
});

t.test('the decoder rejects malformed input', async (t) => {
  const frame = encodePlan(richPlan());
  const payload = () => Buffer.from(frame.subarray(12));
  const withPayload = (p: Buffer) => encodeFrame(Msg.PLAN, p);

  expectRejected(t, frame.subarray(0, 7), /truncated frame header/, 'header cut short');
  expectRejected(t, frame.subarray(0, frame.length - 3), /truncated frame: expected \d+ payload bytes/, 'payload cut short');

  const other = Buffer.from(frame);
  other.writeUInt16LE(PROTOCOL_VERSION + 1, 4);
  expectRejected(t, other, new RegExp(`unsupported protocol version ${PROTOCOL_VERSION + 1} \\(this tsrc-init speaks ${PROTOCOL_VERSION}\\)`), 'wrong version');

  const magic = Buffer.from(frame);
  magic.write('XSRC', 0);
  expectRejected(t, magic, /bad frame magic/, 'wrong magic');

  const huge = Buffer.from(frame.subarray(0, 12));
  huge.writeUInt32LE(64 << 20, 8);
  expectRejected(t, huge, /exceeds the \d+ byte limit/, 'oversized frame');

  const p = payload();
  const end = find(p, Rec.END);
  expectRejected(t, withPayload(p.subarray(0, end.at)), /missing record END/, 'no END record');
  expectRejected(t, withPayload(p.subarray(0, p.length - 8)), /truncated/, 'records cut mid-way');
  expectRejected(t, withPayload(Buffer.concat([p, p.subarray(end.at)])), /END .* not the empty last record|appears twice/, 'record after END');

  const unknown = payload();
  unknown.writeUInt16LE(99, find(unknown, Rec.HOSTNAME).at);
  expectRejected(t, withPayload(unknown), /unknown record tag 99/, 'unknown tag');

  const enterTag = payload();
  enterTag.writeUInt16LE(Rec.ENTER_PID, find(enterTag, Rec.HOSTNAME).at);
  expectRejected(t, withPayload(enterTag), /unknown record tag 64/, 'ENTER record inside a PLAN');

  const longRec = payload();
  longRec.writeUInt32LE(0xfffffff0, find(longRec, Rec.ROOTFS).at + 2);
  expectRejected(t, withPayload(longRec), /record ROOTFS .* truncated/, 'record length past the end');

  const noNul = payload();
  const rootfs = find(noNul, Rec.ROOTFS);
  noNul[rootfs.at + 6 + rootfs.len - 1] = 0x41; // the string's terminating NUL
  expectRejected(t, withPayload(noNul), /record ROOTFS #0: malformed/, 'string without its NUL');

  const strLen = payload();
  strLen.writeUInt32LE(3, find(strLen, Rec.ROOTFS).at + 6); // claims a shorter string than the record
  expectRejected(t, withPayload(strLen), /record ROOTFS #0: malformed/, 'string length disagrees with the record');

  const twice = payload();
  const r = find(twice, Rec.ROOTFS);
  const dup = Buffer.concat([twice.subarray(0, r.at), twice.subarray(r.at, r.at + 6 + r.len), twice.subarray(r.at)]);
  expectRejected(t, withPayload(dup), /record ROOTFS appears twice/, 'duplicate singleton');

  const missing = payload();
  const cwd = find(missing, Rec.CWD);
  expectRejected(t, withPayload(Buffer.concat([missing.subarray(0, cwd.at), missing.subarray(cwd.at + 6 + cwd.len)])), /missing record CWD/, 'required record absent');

  const flags = payload();
  flags.writeUInt32LE(0x100, find(flags, Rec.PLAN_FLAGS).at + 6);
  expectRejected(t, withPayload(flags), /record PLAN_FLAGS #0: malformed/, 'unknown flag bits');

  const bool = payload();
  const mounts = records(bool).filter((x) => x.tag === Rec.MOUNT);
  const lastMount = mounts.at(-1) as RecordPos;
  bool[lastMount.at + 6 + lastMount.len - 1 - (4 + MOUNT_LABEL.length + 1)] = 2; // destNoSymlinks, before the label
  expectRejected(t, withPayload(bool), new RegExp(`record MOUNT #${mounts.length - 1}: malformed`), 'boolean out of range');

  const oom = payload();
  oom.writeInt32LE(-1001, find(oom, Rec.OOM_SCORE_ADJ).at + 6);
  expectRejected(t, withPayload(oom), /record OOM_SCORE_ADJ #0: malformed or out of range/, 'oom_score_adj out of range');

  const size = payload();
  size.writeUInt32LE(65536, find(size, Rec.CONSOLE_SIZE).at + 6);
  expectRejected(t, withPayload(size), /record CONSOLE_SIZE #0: malformed or out of range/, 'console size beyond a winsize');

  const ruleOnly = payload();
  const sc = find(ruleOnly, Rec.SECCOMP);
  expectRejected(t, withPayload(Buffer.concat([ruleOnly.subarray(0, sc.at), ruleOnly.subarray(sc.at + 6 + sc.len)])), /SECCOMP_RULE without a SECCOMP record/, 'seccomp rule without a filter');

  const scFlags = payload();
  scFlags.writeUInt32LE(0x10, find(scFlags, Rec.SECCOMP).at + 6 + 4); // SECCOMP_FILTER_FLAG_TSYNC_ESRCH
  expectRejected(t, withPayload(scFlags), /record SECCOMP #0: malformed/, 'a seccomp flag the init does not apply');

  const rules = () => records(payload()).filter((x) => x.tag === Rec.SECCOMP_RULE);
  const opAt = (r: RecordPos) => r.at + 6 + 4 + 'clone'.length + 1 + 4 + 4 + 4; // name, action, nargs, index
  const op = payload();
  op.writeUInt32LE(8, opAt(rules()[1]));
  expectRejected(t, withPayload(op), /record SECCOMP_RULE #1: malformed or out of range/, 'unknown comparison operator');
  const nargs = payload();
  nargs.writeUInt32LE(7, opAt(rules()[1]) - 8);
  expectRejected(t, withPayload(nargs), /record SECCOMP_RULE #1: malformed/, 'more than six conditions');

  expectRejected(t, encodeFrame(Msg.CONTINUE), /not a PLAN, EXEC or ENTER/, 'another message type');
});

function execPlan(): ExecPlan {
  const p = richPlan();
  return {
    process: p.process,
    consoleSocket: '/tmp/pty/x.sock',
    seccomp: p.seccomp ?? null,
    preserveFds: 1,
    noNewKeyring: true,
    detach: true,
    cgroupTasks: ['/sys/fs/cgroup/cpuset/tsrc/a', '/sys/fs/cgroup/memory/tsrc/a'],
    cgroupInto: '/sys/fs/cgroup/unified/tsrc/a',
  };
}

t.test('EXEC round-trips, and refuses what only a PLAN may carry', async (t) => {
  const ep = execPlan();
  const r = dump(encodeExec({ pid: 4242, startTime: 123456789 }, ep));
  t.equal(r.status, 0, r.stderr);
  t.strictSame(JSON.parse(r.stdout), { pid: 4242, startTime: '123456789', plan: jsonable(ep) });

  const minimal: ExecPlan = { process: minimalPlan().process, consoleSocket: '', seccomp: null, preserveFds: 0, noNewKeyring: false, detach: false };
  const m = dump(encodeExec({ pid: 1, startTime: 0 }, minimal));
  t.equal(m.status, 0, m.stderr);
  t.strictSame(JSON.parse(m.stdout), { pid: 1, startTime: '0', plan: jsonable(minimal) });

  const frame = encodeExec({ pid: 7, startTime: 0 }, minimal);
  const p = Buffer.from(frame.subarray(12));
  const planPayload = encodePlanPayload(minimalPlan());
  const rootfsRec = find(planPayload, Rec.ROOTFS);
  const foreign = Buffer.concat([planPayload.subarray(rootfsRec.at, rootfsRec.at + 6 + rootfsRec.len), p]);
  expectRejected(t, encodeFrame(Msg.EXEC, foreign), /unknown record tag 5 at offset 0/, 'ROOTFS inside an EXEC');
  const target = find(p, Rec.EXEC_TARGET);
  expectRejected(t, encodeFrame(Msg.EXEC, p.subarray(target.at + 6 + target.len)), /missing record EXEC_TARGET/, 'EXEC without its target');
  const flags = Buffer.from(p);
  flags.writeUInt32LE(4, find(flags, Rec.EXEC_FLAGS).at + 6);
  expectRejected(t, encodeFrame(Msg.EXEC, flags), /record EXEC_FLAGS #0: malformed/, 'unknown EXEC flag');
  const pid0 = Buffer.from(p);
  pid0.writeUInt32LE(0, target.at + 6);
  expectRejected(t, encodeFrame(Msg.EXEC, pid0), /record EXEC_TARGET #0: malformed/, 'pid 0');
  const inPlan = Buffer.concat([p.subarray(target.at, target.at + 6 + target.len), planPayload]);
  expectRejected(t, withPlan(inPlan), /unknown record tag 67/, 'EXEC_TARGET inside a PLAN');

  t.throws(() => encodeExec({ pid: 0, startTime: 0 }, minimal), { name: 'PlanEncodeError', message: /^exec\.pid: expected a positive pid/ });
  t.throws(() => encodeExec({ pid: 1, startTime: -1 }, minimal), { name: 'PlanEncodeError', message: /^exec\.startTime:/ });
  t.throws(() => encodeExec({ pid: 1, startTime: 0 }, { ...minimal, detach: 'yes' as unknown as boolean }), { name: 'PlanEncodeError', message: /^exec\.detach: expected a boolean/ });
});

function withPlan(p: Buffer): Buffer {
  return encodeFrame(Msg.PLAN, p);
}

t.test('the encoder refuses values it cannot represent, naming the field', async (t) => {
  const cases: Array<[string, (p: Plan) => void, RegExp]> = [
    ['NUL in a string', (p) => (p.process.env[1] = 'A=\0'), /^plan\.process\.env\[1\]: contains a NUL byte$/],
    ['negative u32', (p) => (p.mounts[2].flags = -1), /^plan\.mounts\[2\]\.flags: expected an integer in 0\.\.4294967295, got -1$/],
    ['fractional u32', (p) => (p.process.uid = 1.5), /^plan\.process\.uid: expected an integer/],
    ['u64 too big', (p) => (p.process.rlimits = [{ resource: 7, soft: 1n << 64n, hard: 0n }]), /^plan\.process\.rlimits\[0\]\.soft: expected a bigint/],
    ['number for a bigint', (p) => ((p.process.capabilities as { ambient: unknown }).ambient = 1), /^plan\.process\.capabilities\.ambient: expected a bigint/],
    ['empty args', (p) => (p.process.args = []), /^plan\.process\.args: must not be empty$/],
    ['umask', (p) => (p.process.umask = 0o1000), /^plan\.process\.umask: expected -1 or 0\.\.0o777/],
    ['oomScoreAdj', (p) => (p.process.oomScoreAdj = 2000), /^plan\.process\.oomScoreAdj: expected -1000\.\.1000/],
    ['boolean', (p) => ((p as { noPivot: unknown }).noPivot = 1), /^plan\.noPivot: expected a boolean/],
    ['seccomp arg value', (p) => (p.seccomp = { defaultAction: 0, architectures: [], flags: 0, rules: [{ name: 'x', action: 1, args: [{ index: 0, op: 4, value: -1n, valueTwo: 0n }] }] }), /^plan\.seccomp\.rules\[0\]\.args\[0\]\.value: expected a bigint/],
    ['seccomp NUL name', (p) => (p.seccomp = { defaultAction: 0, architectures: [], flags: 0, rules: [{ name: 'a\0', action: 1, args: [] }] }), /^plan\.seccomp\.rules\[0\]\.name: contains a NUL byte$/],
    ['too many cpu words', (p) => (p.process.cpuAffinity = { initial: Array.from({ length: 129 }, () => 1n), final: [] }), /^plan\.process\.cpuAffinity\.initial: at most 128 words/],
    ['console size', (p) => (p.process.consoleSize = { height: -1, width: 80 }), /^plan\.process\.consoleSize\.height: expected an integer/],
  ];
  for (const [what, mutate, msg] of cases) {
    const p = makePlan({ rootfs: '/r', execFifo: '', args: ['true'] });
    mutate(p);
    t.throws(() => encodePlanPayload(p), { name: 'PlanEncodeError', message: msg }, what);
  }
  t.ok(new PlanEncodeError('a', 'b') instanceof Error);
});

t.test('init messages are framed and decoded, however the stream is split', async (t) => {
  const msgs: InitMessage[] = [
    { type: 'pid', pid: 12345 },
    { type: 'hooks' },
    { type: 'ready' },
    { type: 'exit', status: 137 },
    { type: 'error', step: 'exec', errno: 2, message: '"/x": stat /x', reason: 'no such file or directory' },
    { type: 'warning', message: 'seccomp: ignored 1 syscall name unknown to libseccomp 2.5.4: futex_waitv2' },
  ];
  const stream = Buffer.concat(msgs.map(encodeInitMessage));
  const whole = new FrameReader().push(stream);
  t.strictSame(whole, msgs, 'one chunk');
  const r = new FrameReader();
  const bytewise: InitMessage[] = [];
  for (let i = 0; i < stream.length; i++) bytewise.push(...r.push(stream.subarray(i, i + 1)));
  t.strictSame(bytewise, msgs, 'byte by byte');
  t.equal(r.buffered, 0);

  const partial = new FrameReader();
  t.strictSame(partial.push(stream.subarray(0, 14)), []);
  t.equal(partial.buffered, 14, 'an incomplete frame stays buffered');

  const v9 = Buffer.from(encodeInitMessage({ type: 'ready' }));
  v9.writeUInt16LE(9, 4);
  t.throws(() => new FrameReader().push(v9), new ProtocolError(`unsupported protocol version 9 (expected ${PROTOCOL_VERSION})`));
  t.throws(() => new FrameReader().push(encodeFrame(Msg.PID, Buffer.alloc(5))), /PID: 1 trailing bytes/);
  t.throws(() => new FrameReader().push(encodeFrame(Msg.ERROR, Buffer.alloc(3))), /ERROR: truncated/);
  t.throws(() => new FrameReader().push(encodeFrame(Msg.PLAN)), /unexpected message type 0x1/);
});

t.test('ERROR becomes an InitError worded like runc', async (t) => {
  const e = initErrorFromMessage({ step: 'exec', errno: 2, message: '"/nonexistent": stat /nonexistent', reason: 'no such file or directory' });
  t.equal(e.name, 'InitError');
  t.equal(e.step, 'exec');
  t.equal(e.errno, 2);
  t.equal(e.message, 'exec: "/nonexistent": stat /nonexistent: no such file or directory');
  t.equal(initErrorFromMessage({ step: 'exec', errno: 0, message: '"x": executable file not found in $PATH', reason: '' }).message, 'exec: "x": executable file not found in $PATH');
  t.equal(initErrorFromMessage({ step: 'exec', errno: 21, message: '"/bin"', reason: 'is a directory' }).message, 'exec: "/bin": is a directory', 'the init\'s wording wins');
  t.equal(initErrorFromMessage({ step: 'x', errno: 2, message: 'y', reason: '' }).message, 'x: y: no such file or directory', 'a fallback when no reason came');
});
