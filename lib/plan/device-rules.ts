// The device cgroup rules a container gets: the config's own rules, then allow rules for the
// devices every container has (/dev/null, …, ptys) and for each linux.devices entry. runc and crun
// do the same, so a config that denies everything still gets a working /dev.
import type { DeviceCgroup, Spec } from '../spec/types.js';

const DEFAULT_ALLOWED: readonly DeviceCgroup[] = [
  { allow: true, type: 'c', major: null, minor: null, access: 'm' },
  { allow: true, type: 'b', major: null, minor: null, access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, // null
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' }, // random
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' }, // full
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' }, // tty
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, // zero
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' }, // urandom
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' }, // console
  { allow: true, type: 'c', major: 136, minor: null, access: 'rwm' }, // pts
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' }, // ptmx
];

export function deviceCgroupRules(spec: Spec): DeviceCgroup[] {
  const linux = spec.linux ?? {};
  const configured = (linux.devices ?? []).filter((d) => d.type !== 'p').map<DeviceCgroup>((d) => ({
    allow: true,
    type: d.type === 'u' ? 'c' : d.type,
    major: d.major ?? null,
    minor: d.minor ?? null,
    access: 'rwm',
  }));
  return [...(linux.resources?.devices ?? []), ...DEFAULT_ALLOWED, ...configured];
}
