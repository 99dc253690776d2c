// linux.resources.devices. v1: devices.deny / devices.allow, starting from "deny everything", then
// the entries in order (the spec: "MUST apply entries in the listed order"). v2: the same list as
// an eBPF device program (../devices-bpf).
import type { DeviceCgroup } from '../../spec/types.js';
import { deviceFilterProgram, parseDeviceRule, replaceDeviceFilter } from '../devices-bpf/index.js';
import { invalid, type WriteContext } from './context.js';

/**
 * The device-cgroup lines for one rule. The kernel reads a line starting with "a" as "reset to
 * allow/deny ALL" and ignores the rest, so a type-"a" rule narrowed by numbers or access is
 * written as the equivalent "c" and "b" rules instead.
 */
export function deviceRuleLines(rule: DeviceCgroup, i: number): string[] {
  const field = `devices[${i}]`;
  const type = rule.type ?? 'a';
  if (!['a', 'b', 'c'].includes(type)) throw invalid(`${field}.type`, `must be "a", "b" or "c", got ${JSON.stringify(type)}`);
  const access = rule.access ?? 'rwm';
  if (access === '' || !/^[rwm]+$/.test(access)) throw invalid(`${field}.access`, `must be made of r, w and m, got ${JSON.stringify(access)}`);
  const num = (k: 'major' | 'minor'): string => {
    const v = rule[k];
    if (v === undefined || v === null || v === -1) return '*';
    if (!Number.isInteger(v) || v < 0) throw invalid(`${field}.${k}`, `must be a device number, got ${JSON.stringify(v)}`);
    return String(v);
  };
  const major = num('major');
  const minor = num('minor');
  const fullAccess = ['r', 'w', 'm'].every((c) => access.includes(c));
  if (type === 'a') {
    if (major === '*' && minor === '*' && fullAccess) return ['a *:* rwm'];
    return [`c ${major}:${minor} ${access}`, `b ${major}:${minor} ${access}`];
  }
  return [`${type} ${major}:${minor} ${access}`];
}

export function applyDevicesV1(ctx: WriteContext, dir: string, rules: DeviceCgroup[]): void {
  const lines = rules.map((r, i) => ({ allow: r.allow, lines: deviceRuleLines(r, i) }));
  for (const [i, r] of rules.entries()) {
    if (typeof r.allow !== 'boolean') throw invalid(`devices[${i}].allow`, 'is required and must be true or false');
  }
  ctx.write(dir, 'devices.deny', 'a');
  for (const r of lines) for (const l of r.lines) ctx.write(dir, r.allow ? 'devices.allow' : 'devices.deny', l);
}

/**
 * cgroup v2 has no devices files: the same ordered rules become an eBPF device program attached
 * to the cgroup (lib/cgroups/devices-bpf), replacing any this cgroup had.
 */
export function applyDevicesV2(dir: string, rules: readonly DeviceCgroup[]): void {
  const parsed = rules.map((r, i) => parseDeviceRule(r, i));
  replaceDeviceFilter(dir, deviceFilterProgram(parsed));
}
