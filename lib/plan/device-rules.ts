// The device cgroup rules a container gets: the config's own rules (linux.resources.devices), in
// order, then allow rules for the devices every container has (/dev/null, …, ptys), as runc does,
// so a config that denies everything still gets a working /dev. A linux.devices entry creates the
// node only: it gets no allow rule of its own, so the config's rules decide whether it can be
// used (an explicit deny stays a deny, as with runc).
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
  return [...(spec.linux?.resources?.devices ?? []), ...DEFAULT_ALLOWED];
}
