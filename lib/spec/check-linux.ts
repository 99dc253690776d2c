// Semantic checks of the rest of `linux`: cgroup resources, seccomp, network devices, memory
// policy, Intel RDT, personality, cgroupsPath. Each rule here is one the kernel (or libseccomp)
// would enforce later with a bare errno, or one runc enforces; checking first gives a pointer.
import { Checker, namespaceOf } from './checker.js';
import { ptr } from './pointer.js';
import type { Spec } from './types.js';
import { MAX_NODE, parseList } from '../plan/process-tuning.js';

/** IFNAMSIZ is 16 including the NUL: dev_valid_name() accepts at most 15 bytes. */
export const MAX_NETDEV_NAME = 15;

export function checkLinux(c: Checker, spec: Spec): void {
  checkResources(c, spec);
  checkSeccomp(c, spec);
  checkNetDevices(c, spec);
  checkMemoryPolicy(c, spec);

  const linux = spec.linux ?? {};
  const closID = linux.intelRdt?.closID;
  if (typeof closID === 'string' && (closID === '.' || closID === '..' || (closID.length > 1 && closID.includes('/')))) {
    c.fail('/linux/intelRdt/closID', `must be "/" or a single directory name (got ${JSON.stringify(closID)})`);
  }
  if (linux.personality?.flags?.length) {
    // config-linux.md: "Currently no flag values are supported."
    c.warn('/linux/personality/flags', `ignored: no personality flags are supported (got ${linux.personality.flags.join(', ')})`);
  }
  // Relative to the cgroup root (or a runtime-chosen parent): ".." would climb out of it.
  if (linux.cgroupsPath !== undefined && linux.cgroupsPath.split('/').includes('..')) {
    c.fail('/linux/cgroupsPath', `must not contain ".." (got ${JSON.stringify(linux.cgroupsPath)})`);
  }
}

function checkResources(c: Checker, spec: Spec): void {
  const r = spec.linux?.resources;
  if (!r) return;
  (r.devices ?? []).forEach((d, i) => {
    // Optional in the spec, but a devices-cgroup rule without access is meaningless; runc refuses it.
    if (d.access === undefined) c.fail(`/linux/resources/devices/${i}/access`, 'is required (a combination of "r", "w" and "m")');
  });
  const cpu = r.cpu;
  if (cpu?.burst !== undefined && cpu.quota !== undefined && cpu.quota > 0 && cpu.burst > cpu.quota) {
    c.fail('/linux/resources/cpu/burst', `must not be larger than /linux/resources/cpu/quota (${cpu.quota})`);
  }
  const mem = r.memory;
  // swap is the memory+swap limit, so it cannot be below the memory limit (the kernel says EINVAL).
  if (mem?.limit !== undefined && mem.swap !== undefined && mem.limit > 0 && mem.swap > 0 && mem.swap < mem.limit) {
    c.fail('/linux/resources/memory/swap', `must be at least /linux/resources/memory/limit (${mem.limit}): it limits memory+swap`);
  }
}

const ERRNO_ACTIONS = new Set(['SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE']);
/** Syscalls take at most six arguments, indexed 0..5. */
const MAX_SYSCALL_ARGS = 6;

function checkSeccomp(c: Checker, spec: Spec): void {
  const s = spec.linux?.seccomp;
  if (!s) return;
  // config-linux.md: "When the action doesn't support an errno, the runtime MUST print and error and fail."
  if (s.defaultErrnoRet !== undefined && !ERRNO_ACTIONS.has(s.defaultAction)) {
    c.fail('/linux/seccomp/defaultErrnoRet', `cannot be used with defaultAction ${s.defaultAction} (only SCMP_ACT_ERRNO or SCMP_ACT_TRACE)`);
  }
  // libseccomp refuses a user-notification filter as the default action.
  if (s.defaultAction === 'SCMP_ACT_NOTIFY') c.fail('/linux/seccomp/defaultAction', 'SCMP_ACT_NOTIFY cannot be the default action');
  (s.syscalls ?? []).forEach((sc, i) => {
    const at = `/linux/seccomp/syscalls/${i}`;
    if (sc.errnoRet !== undefined && !ERRNO_ACTIONS.has(sc.action)) {
      c.fail(`${at}/errnoRet`, `cannot be used with action ${sc.action} (only SCMP_ACT_ERRNO or SCMP_ACT_TRACE)`);
    }
    sc.names.forEach((n, j) => {
      if (n === '') c.fail(`${at}/names/${j}`, 'must not be empty');
    });
    (sc.args ?? []).forEach((a, j) => {
      if (a.index >= MAX_SYSCALL_ARGS) c.fail(`${at}/args/${j}/index`, `must be less than ${MAX_SYSCALL_ARGS} (got ${a.index})`);
    });
  });
}

function checkNetDevices(c: Checker, spec: Spec): void {
  const devs = spec.linux?.netDevices;
  if (!devs || Object.keys(devs).length === 0) return;
  if (!namespaceOf(spec, 'network')) {
    c.fail('/linux/netDevices', 'needs a network namespace (add {"type": "network"} to /linux/namespaces)');
  }
  const targets = new Map<string, string>();
  for (const [name, dev] of Object.entries(devs)) {
    const at = ptr('linux', 'netDevices', name);
    // Two devices cannot both take one name in the container (a %d template lets the kernel number them).
    const target = dev.name || name;
    const other = targets.get(target);
    if (other !== undefined && !target.includes('%d')) c.fail(at, `would be named ${JSON.stringify(target)} in the container, as ${other} would`);
    targets.set(target, name);
    const bad = netdevNameProblem(name);
    if (bad) c.fail(at, `invalid network device name: ${bad}`);
    if (dev.name !== undefined && dev.name !== '') {
      const badNew = netdevNameProblem(dev.name);
      if (badNew) c.fail(`${at}/name`, `invalid network device name: ${badNew}`);
    }
  }
}

/** Why the kernel's dev_valid_name() would refuse `name`, or null. */
export function netdevNameProblem(name: string): string | null {
  if (name === '') return 'must not be empty';
  if (Buffer.byteLength(name) > MAX_NETDEV_NAME) return `must be at most ${MAX_NETDEV_NAME} bytes`;
  if (name === '.' || name === '..') return 'must not be "." or ".."';
  if (/[/:\s]/.test(name)) return 'must not contain "/", ":" or whitespace';
  return null;
}

function checkMemoryPolicy(c: Checker, spec: Spec): void {
  const mp = spec.linux?.memoryPolicy as { mode: string; nodes?: string } | undefined;
  if (!mp) return;
  const hasNodes = mp.nodes !== undefined && mp.nodes !== '';
  // set_mempolicy(2): these modes take no nodemask, these need at least one node.
  if ((mp.mode === 'MPOL_DEFAULT' || mp.mode === 'MPOL_LOCAL') && hasNodes) {
    c.fail('/linux/memoryPolicy/nodes', `must be empty for ${mp.mode}`);
  }
  if (['MPOL_BIND', 'MPOL_INTERLEAVE', 'MPOL_WEIGHTED_INTERLEAVE', 'MPOL_PREFERRED_MANY'].includes(mp.mode) && !hasNodes) {
    c.fail('/linux/memoryPolicy/nodes', `is required for ${mp.mode}`);
  }
  if (hasNodes) {
    try {
      parseList(mp.nodes as string, MAX_NODE);
    } catch (e) {
      c.fail('/linux/memoryPolicy/nodes', `invalid node list ${JSON.stringify(mp.nodes)}: ${(e as Error).message}`);
    }
  }
}
