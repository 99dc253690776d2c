// Device rules -> systemd's DevicePolicy/DeviceAllow. Without them systemd treats the unit as
// "DevicePolicy=auto, no DeviceAllow" and, on cgroup v1, writes "a" to devices.allow whenever it
// re-applies the unit's settings (daemon-reload, SetUnitProperties), undoing our rules. runc
// sends them for the same reason. The rules are folded into one allow list the way the kernel's
// v1 device controller folds them (start from deny-all, apply in order), then written in
// systemd's syntax. The cgroupfs rules are still written too (V1Manager), as runc does.
import { readFileSync, statSync } from 'node:fs';
import type { DeviceCgroup } from '../../spec/types.js';
import { CgroupError } from '../api.js';
import { deviceRuleLines } from '../resources/devices.js';
import { Variant } from './dbus/marshal.js';
import type { Property } from './properties.js';

type Kind = 'b' | 'c';
/** A rule's target: device type, major, minor (-1 = any). */
interface Target {
  kind: Kind;
  major: number;
  minor: number;
}

const key = (t: Target): string => `${t.kind} ${t.major}:${t.minor}`;
const show = (t: Target): string => `${t.kind} ${t.major < 0 ? '*' : t.major}:${t.minor < 0 ? '*' : t.minor}`;
const PERMS = ['r', 'w', 'm'] as const;
const norm = (p: Iterable<string>): string => {
  const s = new Set(p);
  return PERMS.filter((c) => s.has(c)).join('');
};

/** The kernel's v1 device-controller state: a default, and exceptions to it. */
class DeviceState {
  defaultAllow = false;
  readonly exceptions = new Map<string, { t: Target; perms: string }>();

  private add(t: Target, perms: string): void {
    const old = this.exceptions.get(key(t))?.perms ?? '';
    this.exceptions.set(key(t), { t, perms: norm(old + perms) });
  }

  private remove(t: Target, perms: string): void {
    // Removing part of a wildcard exception is impossible on v1 (the kernel refuses too).
    for (const wider of [
      { ...t, major: -1 },
      { ...t, minor: -1 },
      { ...t, major: -1, minor: -1 },
    ]) {
      if (key(wider) === key(t)) continue;
      const w = this.exceptions.get(key(wider));
      if (w && [...perms].some((c) => w.perms.includes(c))) {
        throw new Error(`rule "${show(t)} ${perms}" would punch a hole in the wider rule "${show(wider)} ${w.perms}", which cgroup v1 devices cannot express`);
      }
    }
    const cur = this.exceptions.get(key(t));
    if (!cur) return;
    const left = norm([...cur.perms].filter((c) => !perms.includes(c)));
    if (left === '') this.exceptions.delete(key(t));
    else this.exceptions.set(key(t), { t, perms: left });
  }

  /** Apply one devices.allow/devices.deny line ("c 1:3 rwm", "a *:* rwm"). */
  apply(allow: boolean, line: string): void {
    const [type, nums, perms] = line.split(' ');
    if (type === 'a') {
      this.defaultAllow = allow;
      this.exceptions.clear();
      return;
    }
    const [maj, min] = nums.split(':');
    const t: Target = { kind: type as Kind, major: maj === '*' ? -1 : Number(maj), minor: min === '*' ? -1 : Number(min) };
    // An allow in allow-by-default mode removes a deny exception, and vice versa.
    if (allow === this.defaultAllow) this.remove(t, perms);
    else this.add(t, perms);
  }

  /** Exceptions sorted like runc's (major, minor, type), so the property is stable. */
  sorted(): Array<{ t: Target; perms: string }> {
    return [...this.exceptions.values()].sort((a, b) => a.t.major - b.t.major || a.t.minor - b.t.minor || a.t.kind.localeCompare(b.t.kind));
  }
}

const prop = (name: string, sig: string, value: unknown): Property => [name, new Variant(sig, value)];

/** "char-<group>" for a major number, from /proc/devices (systemd < 240 needs the group name). */
function deviceGroup(kind: Kind, major: number, procDevices: string): string | undefined {
  let section: Kind | undefined;
  for (const raw of procDevices.split('\n')) {
    const line = raw.trim();
    if (line === 'Character devices:') section = 'c';
    else if (line === 'Block devices:') section = 'b';
    else if (section === kind) {
      const m = /^(\d+) (.+)$/.exec(line);
      if (m && Number(m[1]) === major) return `${kind === 'c' ? 'char' : 'block'}-${m[2]}`;
    }
  }
  return undefined;
}

export interface DeviceEnv {
  /** Contents of /proc/devices (only read for systemd < 240). */
  procDevices?: () => string;
  /** Whether a /dev/{char,block}/M:m path exists (only asked for systemd < 240). */
  exists?: (path: string) => boolean;
}

/**
 * DevicePolicy/DeviceAllow properties for `rules` (linux.resources.devices plus the default
 * devices, in order). Settings systemd cannot express are reported through `warn`; the cgroupfs
 * rules written alongside still enforce them on v1.
 */
export function deviceProperties(rules: DeviceCgroup[], version: number, warn: (m: string) => void, env: DeviceEnv = {}): Property[] {
  const state = new DeviceState();
  for (const [i, r] of rules.entries()) {
    if (typeof r.allow !== 'boolean') throw new CgroupError(`linux.resources.devices[${i}].allow: is required and must be true or false`);
    for (const line of deviceRuleLines(r, i)) {
      try {
        state.apply(r.allow, line);
      } catch (e) {
        throw new CgroupError(`linux.resources.devices[${i}]: ${(e as Error).message}`);
      }
    }
  }
  // An empty DeviceAllow first clears whatever the unit had (it appends otherwise).
  const clear = prop('DeviceAllow', 'a(ss)', []);
  if (state.defaultAllow) {
    if (state.exceptions.size === 0) return [clear, prop('DevicePolicy', 's', 'auto')];
    warn('linux.resources.devices: systemd cannot express deny rules on top of allow-all; the unit gets deny-all from systemd and the cgroupfs rules decide');
    return [clear, prop('DevicePolicy', 's', 'strict')];
  }
  const allow: Array<[string, string]> = [];
  const procDevices = env.procDevices ?? (() => readFileSync('/proc/devices', 'utf8'));
  const exists =
    env.exists ??
    ((p: string) => {
      try {
        statSync(p);
        return true;
      } catch {
        return false;
      }
    });
  for (const { t, perms } of state.sorted()) {
    const group = t.kind === 'c' ? 'char' : 'block';
    let path: string | undefined;
    if (t.major === -1) {
      if (t.minor !== -1) {
        warn(`linux.resources.devices: systemd cannot express "${show(t)} ${perms}" (any major, one minor); left to the cgroupfs rules`);
        continue;
      }
      path = `${group}-*`;
    } else if (t.minor === -1) {
      if (version >= 240) path = `${group}-${t.major}`;
      else {
        path = deviceGroup(t.kind, t.major, procDevices());
        if (!path) {
          warn(`linux.resources.devices: no device group for ${group} major ${t.major} in /proc/devices; rule left to the cgroupfs rules`);
          continue;
        }
      }
    } else {
      path = `/dev/${group}/${t.major}:${t.minor}`;
      // Before v240 systemd stat()s the path and drops the rule if it is missing.
      if (version < 240 && !exists(path)) continue;
    }
    allow.push([path, perms]);
  }
  return [clear, prop('DevicePolicy', 's', 'strict'), prop('DeviceAllow', 'a(ss)', allow)];
}
