// The cgroup v2 device filter program: its encoding, and what it decides. A small interpreter for
// the opcodes the generator emits runs the encoded program against a table of requests and is
// compared with a plain "last matching rule wins, default deny" reading of the rule list.
import t from 'tap';
import { decode, encode, insn, OP, type Insn } from '../../lib/cgroups/devices-bpf/insn.js';
import {
  ACC_MKNOD,
  ACC_READ,
  ACC_WRITE,
  DEV_BLOCK,
  DEV_CHAR,
  deviceFilterProgram,
  parseDeviceRule,
  type DeviceRule,
} from '../../lib/cgroups/devices-bpf/program.js';
import type { DeviceCgroup } from '../../lib/spec/types.js';

const CTX = Symbol('ctx');
type Reg = number | typeof CTX | undefined;

/** Runs a program the way the kernel would for struct bpf_cgroup_dev_ctx; returns r0. */
function run(bytes: Buffer, type: number, major: number, minor: number, access: number): number {
  const prog = decode(bytes);
  const ctx = [((access << 16) | type) >>> 0, major >>> 0, minor >>> 0];
  const r: Reg[] = new Array(11).fill(undefined);
  r[1] = CTX;
  const num = (i: number): number => {
    const v = r[i];
    if (typeof v !== 'number') throw new Error(`read of uninitialised or pointer register r${i}`);
    return v;
  };
  let pc = 0;
  for (let steps = 0; steps < 10000; steps++) {
    if (pc < 0 || pc >= prog.length) throw new Error(`pc ${pc} out of the program`);
    const i = prog[pc++];
    switch (i.code) {
      case OP.LDXW:
        if (r[i.src] !== CTX || i.off % 4 !== 0 || i.off < 0 || i.off > 8) throw new Error(`bad context load at ${pc - 1}`);
        r[i.dst] = ctx[i.off / 4];
        break;
      case OP.AND32_K:
        r[i.dst] = (num(i.dst) & i.imm) >>> 0;
        break;
      case OP.RSH32_K:
        r[i.dst] = num(i.dst) >>> i.imm;
        break;
      case OP.MOV32_X:
        r[i.dst] = num(i.src) >>> 0;
        break;
      case OP.MOV64_K:
        r[i.dst] = i.imm;
        break;
      case OP.JNE_K:
        if (num(i.dst) !== i.imm) pc += i.off;
        break;
      case OP.JNE_X:
        if (num(i.dst) !== num(i.src)) pc += i.off;
        break;
      case OP.EXIT:
        return num(0);
      default:
        throw new Error(`unexpected opcode 0x${i.code.toString(16)} at ${pc - 1}`);
    }
  }
  throw new Error('program did not terminate');
}

/** The reference: the v1 list applied in order on top of "deny all" — the last match decides. */
function reference(rules: DeviceRule[], type: number, major: number, minor: number, access: number): number {
  for (let i = rules.length - 1; i >= 0; i--) {
    const x = rules[i];
    if (x.type !== 0 && x.type !== type) continue;
    if (x.major !== null && x.major !== major) continue;
    if (x.minor !== null && x.minor !== minor) continue;
    if ((access & x.access) !== access) continue;
    return x.allow ? 1 : 0;
  }
  return 0;
}

const parse = (rules: DeviceCgroup[]) => rules.map((r, i) => parseDeviceRule(r, i));
const compile = (rules: DeviceCgroup[]) => encode(deviceFilterProgram(parse(rules)));

const R = ACC_READ, W = ACC_WRITE, M = ACC_MKNOD;
const ACCESSES = [R, W, M, R | W, R | M, W | M, R | W | M];
const DEVICES: Array<[number, number, number]> = [];
for (const type of [DEV_CHAR, DEV_BLOCK]) for (const [maj, min] of [[1, 3], [1, 5], [1, 1], [5, 0], [5, 2], [136, 0], [136, 7], [8, 0], [8, 1], [10, 200], [0, 0], [4095, 1048575]]) DEVICES.push([type, maj, min]);

function agreeEverywhere(t: Tap.Test, rules: DeviceCgroup[]): void {
  const bytes = compile(rules);
  const parsed = parse(rules);
  let mismatches = 0;
  for (const [type, maj, min] of DEVICES) {
    for (const acc of ACCESSES) {
      const got = run(bytes, type, maj, min, acc);
      const want = reference(parsed, type, maj, min, acc);
      if (got !== want) {
        mismatches++;
        t.equal(got, want, `type ${type} ${maj}:${min} access ${acc}`);
      }
    }
  }
  t.equal(mismatches, 0, `program agrees with the rule list on ${DEVICES.length * ACCESSES.length} requests`);
}

// The containerd/Docker default (containerd-contract.md §3), then the runtime's default allows.
const DOCKER: DeviceCgroup[] = [
  { allow: false, access: 'rwm' },
  ...([[1, 3], [1, 8], [1, 7], [5, 0], [1, 5], [1, 9], [5, 1], [136, null], [5, 2]] as const).map(([major, minor]) => ({ allow: true, type: 'c', major, minor, access: 'rwm' })),
];

const CHAR = (maj: number, min: number, acc: number) => [DEV_CHAR, maj, min, acc] as const;
const BLOCK = (maj: number, min: number, acc: number) => [DEV_BLOCK, maj, min, acc] as const;

t.test('instruction encoding: opcode, dst | src << 4, off s16 LE, imm s32 LE', async (t) => {
  const b = encode([insn(OP.LDXW, 2, 1, 4), insn(OP.JNE_K, 4, 0, -3, 136), insn(OP.MOV64_K, 0, 0, 0, -1), insn(OP.EXIT)]);
  t.same([...b], [
    0x61, 0x12, 4, 0, 0, 0, 0, 0,
    0x55, 0x04, 0xfd, 0xff, 136, 0, 0, 0,
    0xb7, 0x00, 0, 0, 0xff, 0xff, 0xff, 0xff,
    0x95, 0, 0, 0, 0, 0, 0, 0,
  ]);
  t.same(decode(b), [insn(OP.LDXW, 2, 1, 4), insn(OP.JNE_K, 4, 0, -3, 136), insn(OP.MOV64_K, 0, 0, 0, -1), insn(OP.EXIT)]);
});

t.test('deny-all then allows: exact program shape', async (t) => {
  const prog = deviceFilterProgram(parse([{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, { allow: true, type: 'b', major: 8, minor: null, access: 'r' }]));
  const prologue: Insn[] = [insn(OP.LDXW, 2, 1, 0), insn(OP.AND32_K, 2, 0, 0, 0xffff), insn(OP.LDXW, 3, 1, 0), insn(OP.RSH32_K, 3, 0, 0, 16), insn(OP.LDXW, 4, 1, 4), insn(OP.LDXW, 5, 1, 8)];
  t.same(prog, [
    ...prologue,
    // last rule first: b 8:* r
    insn(OP.JNE_K, 2, 0, 6, DEV_BLOCK), // skip to the next rule: 6 instructions on
    insn(OP.MOV32_X, 1, 3),
    insn(OP.AND32_K, 1, 0, 0, ACC_READ),
    insn(OP.JNE_X, 1, 3, 3),
    insn(OP.JNE_K, 4, 0, 2, 8), // major only when not *
    insn(OP.MOV64_K, 0, 0, 0, 1),
    insn(OP.EXIT),
    // c 1:3 rwm: no access check
    insn(OP.JNE_K, 2, 0, 4, DEV_CHAR),
    insn(OP.JNE_K, 4, 0, 3, 1),
    insn(OP.JNE_K, 5, 0, 2, 3),
    insn(OP.MOV64_K, 0, 0, 0, 1),
    insn(OP.EXIT),
    // a *:* rwm deny: unconditional, and nothing after it
    insn(OP.MOV64_K, 0, 0, 0, 0),
    insn(OP.EXIT),
  ]);
});

t.test('Docker/containerd default list', async (t) => {
  const bytes = compile(DOCKER);
  const cases: Array<[readonly [number, number, number, number], number, string]> = [
    [CHAR(1, 3, R | W), 1, '/dev/null rw'],
    [CHAR(1, 5, R), 1, '/dev/zero r'],
    [CHAR(136, 4, R | W), 1, 'pts/4'],
    [CHAR(5, 2, R | W), 1, 'ptmx'],
    [CHAR(1, 1, R), 0, '/dev/mem'],
    [CHAR(10, 200, R | W), 0, '/dev/net/tun'],
    [BLOCK(8, 0, R), 0, 'sda'],
    [BLOCK(1, 3, R), 0, 'block 1:3 is not char 1:3'],
    [CHAR(1, 3, M), 1, 'mknod of an allowed device'],
    [CHAR(1, 1, M), 0, 'mknod of a denied device'],
  ];
  for (const [[type, maj, min, acc], want, what] of cases) t.equal(run(bytes, type, maj, min, acc), want, what);
  agreeEverywhere(t, DOCKER);
});

t.test('the full list the runtime passes: config rules, then default allows (c/b *:* m among them)', async (t) => {
  const rules: DeviceCgroup[] = [
    ...DOCKER,
    { allow: true, type: 'c', major: null, minor: null, access: 'm' },
    { allow: true, type: 'b', major: null, minor: null, access: 'm' },
    { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  ];
  const bytes = compile(rules);
  t.equal(run(bytes, DEV_CHAR, 1, 1, M), 1, 'mknod of anything is allowed');
  t.equal(run(bytes, DEV_BLOCK, 8, 0, M), 1, 'mknod of a block device is allowed');
  t.equal(run(bytes, DEV_CHAR, 1, 1, R), 0, 'opening /dev/mem is not');
  t.equal(run(bytes, DEV_CHAR, 1, 1, R | M), 0, 'm plus r is not a subset of m');
  agreeEverywhere(t, rules);
});

t.test('allow-all: a leading allow-all is the default, later denies punch holes', async (t) => {
  t.equal(run(compile([{ allow: true, access: 'rwm' }]), DEV_BLOCK, 8, 0, R | W | M), 1);
  const rules: DeviceCgroup[] = [{ allow: true }, { allow: false, type: 'c', major: 1, minor: 1 }, { allow: false, type: 'b', major: 8, minor: -1, access: 'w' }];
  const bytes = compile(rules);
  t.equal(run(bytes, DEV_CHAR, 1, 1, R), 0, 'c 1:1 denied');
  t.equal(run(bytes, DEV_CHAR, 1, 3, R), 1, 'c 1:3 still allowed');
  t.equal(run(bytes, DEV_BLOCK, 8, 1, W), 0, 'b 8:1 w denied');
  t.equal(run(bytes, DEV_BLOCK, 8, 1, R), 1, 'b 8:1 r allowed (the deny rule does not cover r)');
  t.equal(run(bytes, DEV_BLOCK, 8, 1, R | W), 1, 'r|w is not a subset of w: the deny rule does not match (runc does the same)');
  agreeEverywhere(t, rules);
});

t.test('no rules, and no leading wildcard: default deny', async (t) => {
  t.equal(run(compile([]), DEV_CHAR, 1, 3, R), 0);
  const rules: DeviceCgroup[] = [{ allow: true, type: 'c', major: 1, minor: 3, access: 'rw' }];
  t.equal(run(compile(rules), DEV_CHAR, 1, 3, R | W), 1);
  t.equal(run(compile(rules), DEV_CHAR, 1, 3, M), 0);
  agreeEverywhere(t, rules);
});

t.test('the last matching rule wins; an allow-all in the middle hides what comes before', async (t) => {
  const lists: DeviceCgroup[][] = [
    [{ allow: false }, { allow: true, type: 'c', major: 1, minor: null }, { allow: false, type: 'c', major: 1, minor: 5, access: 'rw' }],
    [{ allow: false }, { allow: false, type: 'c', major: 1, minor: 5 }, { allow: true, type: 'a', major: 1, minor: 5, access: 'r' }],
    [{ allow: false, type: 'c', major: 1, minor: 3 }, { allow: true }, { allow: false, type: 'b' }],
    [{ allow: true, type: 'c' }, { allow: false }, { allow: true, type: 'a', major: 136, access: 'rw' }],
    [{ allow: true, type: 'a', major: null, minor: 0, access: 'rm' }, { allow: false, type: 'c', major: 5, minor: null, access: 'm' }],
  ];
  t.equal(run(compile(lists[0]), DEV_CHAR, 1, 5, R), 0, 'c 1:5 r denied by the later rule');
  t.equal(run(compile(lists[0]), DEV_CHAR, 1, 5, M), 1, 'c 1:5 m allowed by c 1:*');
  t.equal(run(compile(lists[1]), DEV_BLOCK, 1, 5, R), 1, 'type a with numbers matches block devices too');
  t.equal(run(compile(lists[2]), DEV_CHAR, 1, 3, R), 1, 'the allow-all after the deny decides');
  t.equal(deviceFilterProgram(parse(lists[2])).length, 6 + 3 + 2, 'rules before an unconditional rule are not emitted');
  for (const rules of lists) agreeEverywhere(t, rules);
});

t.test('bad rules: one-line errors naming the field', async (t) => {
  t.throws(() => parseDeviceRule({ allow: true, type: 'p' }, 2), /linux\.resources\.devices\[2\]\.type: must be "a", "b" or "c"/);
  t.throws(() => parseDeviceRule({ allow: true, access: 'rx' }, 0), /devices\[0\]\.access: must be made of r, w and m/);
  t.throws(() => parseDeviceRule({ allow: true, access: '' }, 0), /devices\[0\]\.access/);
  t.throws(() => parseDeviceRule({ allow: true, major: -2 }, 1), /devices\[1\]\.major: must be a device number/);
  t.throws(() => parseDeviceRule({ allow: true, minor: 2 ** 32 }, 1), /devices\[1\]\.minor/);
  t.throws(() => parseDeviceRule({ allow: true, minor: 1.5 }, 1), /devices\[1\]\.minor/);
  t.throws(() => parseDeviceRule({ type: 'c' } as unknown as DeviceCgroup, 3), /devices\[3\]\.allow: is required/);
  t.same(parseDeviceRule({ allow: true, major: -1, minor: null }, 0), { allow: true, type: 0, major: null, minor: null, access: R | W | M });
});
