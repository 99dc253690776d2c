// linux.resources.devices -> a BPF_PROG_TYPE_CGROUP_DEVICE program with the v1 devices-list
// meaning: the rules are applied in order on top of "deny everything" (as applyDevicesV1 writes
// them), so the LAST rule that matches a request decides it. Like runc's devicefilter, the program
// walks the rules in reverse and returns on the first match; an unconditional rule (type "a", no
// numbers, access rwm) returns for everything, so rules before it are never reached — a leading
// allow-all makes the default "allow", a leading deny-all keeps the default "deny".
//
// Context (struct bpf_cgroup_dev_ctx): u32 access_type at 0 (low 16 bits: BPF_DEVCG_DEV_BLOCK=1 /
// BPF_DEVCG_DEV_CHAR=2; high 16 bits: BPF_DEVCG_ACC_MKNOD=1 | READ=2 | WRITE=4), u32 major at 4,
// u32 minor at 8. Return 1 to allow, 0 to deny (-EPERM for the caller).
import type { DeviceCgroup } from '../../spec/types.js';
import { invalid } from '../resources/context.js';
import { insn, OP, type Insn } from './insn.js';

export const DEV_BLOCK = 1;
export const DEV_CHAR = 2;
export const ACC_MKNOD = 1;
export const ACC_READ = 2;
export const ACC_WRITE = 4;
const ACC_ALL = ACC_MKNOD | ACC_READ | ACC_WRITE;

/** A validated rule: type 0 means any; major/minor null mean any; access is a BPF_DEVCG_ACC_* mask. */
export interface DeviceRule {
  allow: boolean;
  type: 0 | typeof DEV_BLOCK | typeof DEV_CHAR;
  major: number | null;
  minor: number | null;
  access: number;
}

// Registers the prologue leaves for the rules.
const R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5;

/** Checks one spec rule (field names in errors match the config) and turns it into masks. */
export function parseDeviceRule(rule: DeviceCgroup, i: number): DeviceRule {
  const field = `devices[${i}]`;
  if (typeof rule.allow !== 'boolean') throw invalid(`${field}.allow`, 'is required and must be true or false');
  const t = rule.type ?? 'a';
  if (!['a', 'b', 'c'].includes(t)) throw invalid(`${field}.type`, `must be "a", "b" or "c", got ${JSON.stringify(t)}`);
  const access = rule.access ?? 'rwm';
  if (access === '' || !/^[rwm]+$/.test(access)) throw invalid(`${field}.access`, `must be made of r, w and m, got ${JSON.stringify(access)}`);
  const num = (k: 'major' | 'minor'): number | null => {
    const v = rule[k];
    if (v === undefined || v === null || v === -1) return null;
    // imm is a signed 32-bit compare operand; real device numbers are far below 2^31 (12/20 bits).
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw invalid(`${field}.${k}`, `must be a device number, got ${JSON.stringify(v)}`);
    return v;
  };
  return {
    allow: rule.allow,
    type: t === 'b' ? DEV_BLOCK : t === 'c' ? DEV_CHAR : 0,
    major: num('major'),
    minor: num('minor'),
    access: (access.includes('r') ? ACC_READ : 0) | (access.includes('w') ? ACC_WRITE : 0) | (access.includes('m') ? ACC_MKNOD : 0),
  };
}

/** The compares of one rule: each jumps past the rule's return when it does not match. */
function ruleBlock(r: DeviceRule): Insn[] {
  const checks: Array<(skip: number) => Insn> = [];
  if (r.type !== 0) checks.push((skip) => insn(OP.JNE_K, R2, 0, skip, r.type));
  if (r.access !== ACC_ALL) {
    // Matches only if the requested access is a subset of the rule's: (req & rule) == req.
    checks.push(() => insn(OP.MOV32_X, R1, R3));
    checks.push(() => insn(OP.AND32_K, R1, 0, 0, r.access));
    checks.push((skip) => insn(OP.JNE_X, R1, R3, skip));
  }
  if (r.major !== null) checks.push((skip) => insn(OP.JNE_K, R4, 0, skip, r.major!));
  if (r.minor !== null) checks.push((skip) => insn(OP.JNE_K, R5, 0, skip, r.minor!));
  const ret = [insn(OP.MOV64_K, R0, 0, 0, r.allow ? 1 : 0), insn(OP.EXIT)];
  // Offsets count from the next instruction: skip what is left of this block.
  return [...checks.map((c, k) => c(checks.length - 1 - k + ret.length)), ...ret];
}

const isUnconditional = (r: DeviceRule): boolean => r.type === 0 && r.major === null && r.minor === null && r.access === ACC_ALL;

/** The program for an ordered rule list (already validated by parseDeviceRule). */
export function deviceFilterProgram(rules: readonly DeviceRule[]): Insn[] {
  const prog: Insn[] = [
    insn(OP.LDXW, R2, R1, 0), // r2 = access_type
    insn(OP.AND32_K, R2, 0, 0, 0xffff), // r2 = device type
    insn(OP.LDXW, R3, R1, 0),
    insn(OP.RSH32_K, R3, 0, 0, 16), // r3 = requested access
    insn(OP.LDXW, R4, R1, 4), // r4 = major
    insn(OP.LDXW, R5, R1, 8), // r5 = minor
  ];
  for (let i = rules.length - 1; i >= 0; i--) {
    prog.push(...ruleBlock(rules[i]));
    if (isUnconditional(rules[i])) return prog; // nothing earlier can be reached
  }
  // No rule matched: the v1 list starts from "deny all".
  prog.push(insn(OP.MOV64_K, R0, 0, 0, 0), insn(OP.EXIT));
  return prog;
}
