// Spec → Plan: every decision about what the container gets is made here, as pure functions of
// the validated spec and a little context, so it is unit-testable without root.
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Hook as SpecHook, Mount, Namespace, Spec } from '../spec/types.js';
import { TsrcError } from '../util/errors.js';
import { CAPABILITIES, capMask } from './capabilities.js';
import { DEFAULT_SYMLINKS, deviceSteps } from './devices.js';
import { BIND_REMOUNT_MASK, MS, PROPAGATION_OPTIONS, parseMountOptions } from './mount-options.js';
import { RLIMITS, rlimitValue } from './rlimits.js';
import { ioPriorityPlan, memoryPolicyPlan, personalityPlan, schedulerPlan } from './process-tuning.js';
import { seccompPlan } from './seccomp.js';
import type { Hook, MountStep, NamespaceJoin, Plan, ProcessPlan } from './types.js';
import { NS_FLAGS } from './types.js';

export interface CgroupView {
  mode: 'v1' | 'v2';
  /** Container cgroup directory per controller (v2: key ""). */
  paths: Record<string, string>;
}

export interface PlanContext {
  /** Absolute bundle directory. */
  bundle: string;
  execFifo: string;
  preserveFds: number;
  noPivot: boolean;
  noNewKeyring: boolean;
  waitForExit: boolean;
  cgroup?: CgroupView;
  warn(msg: string): void;
}

const DEFAULT_UMASK = 0o022;

export function namespacePlan(namespaces: readonly Namespace[] = []): { cloneFlags: number; joins: NamespaceJoin[] } {
  let cloneFlags = 0;
  const joins: NamespaceJoin[] = [];
  for (const ns of namespaces) {
    const flag = NS_FLAGS[ns.type];
    if (ns.path) joins.push({ flag, path: ns.path });
    else cloneFlags |= flag;
  }
  // The user namespace must be joined first: it decides what the others may do.
  joins.sort((a, b) => Number(b.flag === NS_FLAGS.user) - Number(a.flag === NS_FLAGS.user));
  return { cloneFlags, joins };
}

/**
 * linux.rootfsPropagation as the propagation set on "/" before the rootfs is bind-mounted
 * (setup) and after the root switch (final, 0: none), as runc and crun do. Setup is rslave by
 * default, so nothing the container mounts propagates to the host; it is the asked-for value
 * otherwise (a shared "/" keeps rshared bind mounts in the host's peer groups), except that an
 * unbindable "/" would refuse the rootfs bind, so unbindable is only applied after the switch.
 */
export function rootfsPropagation(value: string | undefined): { setup: number; final: number } {
  const slave = MS.SLAVE | MS.REC;
  if (!value) return { setup: slave, final: 0 };
  const p = PROPAGATION_OPTIONS[value];
  if (p === undefined) throw new TsrcError(`config.json: /linux/rootfsPropagation: unknown propagation "${value}"`);
  return { setup: p & MS.UNBINDABLE ? slave : p, final: p };
}

function isBind(m: Mount): boolean {
  return m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
}

function sourceIsFile(source: string): boolean {
  try {
    return !statSync(source).isDirectory();
  } catch {
    return false;
  }
}

/** A cgroup mount: cgroup2 on v2; on v1 a tmpfs holding one mount per hierarchy, as runc lays it out. */
function cgroupMountSteps(m: Mount, flags: number, cgroupns: boolean, cg: CgroupView | undefined, label: string): MountStep[] {
  const ro = flags & MS.RDONLY;
  const base = { data: '', remountFlags: 0, propagation: 0, destIsFile: false, destNoSymlinks: false, label: '' };
  if (!cg || cg.mode === 'v2') {
    const host = cg?.paths[''];
    if (cgroupns || !host) return [{ ...base, source: 'cgroup', destination: m.destination, fstype: 'cgroup2', flags }];
    return [{ ...base, source: host, destination: m.destination, fstype: '', flags: MS.BIND | MS.REC, remountFlags: ro ? MS.BIND | MS.REMOUNT | flags : 0 }];
  }
  const steps: MountStep[] = [
    { ...base, source: 'tmpfs', destination: m.destination, fstype: 'tmpfs', flags: flags & ~MS.RDONLY, data: withMountLabel('mode=755', label) },
  ];
  const seen = new Set<string>();
  for (const [controller, hostPath] of Object.entries(cg.paths)) {
    const hierarchy = hostPath.split('/')[4]; // /sys/fs/cgroup/<hierarchy>/...
    if (!hierarchy || seen.has(hierarchy) || hierarchy === 'unified') continue;
    seen.add(hierarchy);
    const destination = `${m.destination.replace(/\/$/, '')}/${hierarchy}`;
    if (cgroupns) {
      const data = controller.startsWith('name=') ? `none,${controller}` : hierarchy;
      steps.push({ ...base, source: 'cgroup', destination, fstype: 'cgroup', flags, data });
    } else {
      steps.push({ ...base, source: hostPath, destination, fstype: '', flags: MS.BIND | MS.REC, remountFlags: ro ? MS.BIND | MS.REMOUNT | flags : 0 });
    }
  }
  return steps;
}

/**
 * linux.mountLabel as runc applies it: a context= option on each filesystem mount but procfs and
 * sysfs (whose labels the policy fixes) and mqueue (one superblock per IPC namespace, already
 * set up: relabelled after mounting instead); bind mounts keep their source's labels.
 */
function withMountLabel(data: string, label: string): string {
  if (!label) return data;
  const context = `context="${label}"`;
  return data ? `${data},${context}` : context;
}

export function mountSteps(spec: Spec, ctx: PlanContext, cgroupns: boolean): MountStep[] {
  const steps: MountStep[] = [];
  const label = spec.linux?.mountLabel ?? '';
  for (const [i, m] of (spec.mounts ?? []).entries()) {
    const opts = parseMountOptions(m.options);
    for (const u of opts.unsupported) ctx.warn(`mounts[${i}] (${m.destination}): option "${u}" is not supported yet and was ignored`);
    if (m.type === 'cgroup' || m.type === 'cgroup2') {
      steps.push(...cgroupMountSteps(m, opts.flags, cgroupns, ctx.cgroup, label));
      continue;
    }
    if (isBind(m)) {
      const source = resolve(ctx.bundle, m.source ?? '');
      const rest = opts.flags & BIND_REMOUNT_MASK;
      steps.push({
        source,
        destination: m.destination,
        fstype: '',
        flags: MS.BIND | (opts.flags & MS.REC),
        data: opts.data,
        remountFlags: rest ? MS.BIND | MS.REMOUNT | rest : 0,
        propagation: opts.propagation,
        destIsFile: sourceIsFile(source),
        destNoSymlinks: false,
        label: '',
      });
      continue;
    }
    const procOrSys = m.type === 'proc' || m.type === 'sysfs';
    steps.push({
      source: m.source ?? m.type ?? 'none',
      destination: m.destination,
      fstype: m.type ?? '',
      flags: opts.flags & ~(MS.BIND | MS.REC),
      data: procOrSys || m.type === 'mqueue' ? opts.data : withMountLabel(opts.data, label),
      remountFlags: 0,
      propagation: opts.propagation,
      destIsFile: false,
      destNoSymlinks: procOrSys,
      label: m.type === 'mqueue' ? label : '',
    });
  }
  return steps;
}

/** runc sets up /dev itself unless the config bind-mounts a /dev of its own. */
function needsDevSetup(spec: Spec): boolean {
  return !(spec.mounts ?? []).some((m) => m.destination === '/dev' && isBind(m));
}

export function hookSteps(list: SpecHook[] | undefined): Hook[] {
  return (list ?? []).map((h) => ({ path: h.path, args: h.args ?? [h.path], env: h.env ?? [], timeout: h.timeout ?? 0 }));
}

export function processPlan(spec: Spec, ctx: PlanContext): ProcessPlan {
  const p = spec.process;
  if (!p) throw new TsrcError('config.json: /process: a process is required to create a container');
  const unknown = new Set<string>();
  const caps = p.capabilities
    ? {
        bounding: capMask(p.capabilities.bounding, unknown),
        effective: capMask(p.capabilities.effective, unknown),
        inheritable: capMask(p.capabilities.inheritable, unknown),
        permitted: capMask(p.capabilities.permitted, unknown),
        ambient: capMask(p.capabilities.ambient, unknown),
      }
    : null;
  for (const name of unknown) ctx.warn(`ignoring unknown or unavailable capability "${name}"`);
  if (caps) {
    // The kernel raises an ambient capability only if it is permitted and inheritable; runc warns
    // and carries on for the others (`runc spec` itself asks for ambient caps it cannot have).
    const possible = caps.permitted & caps.inheritable;
    const dropped = CAPABILITIES.filter((_, bit) => (caps.ambient & ~possible) & (1n << BigInt(bit)));
    if (dropped.length) ctx.warn(`can't raise ambient capabilities ${dropped.join(', ')}: not both permitted and inheritable`);
    caps.ambient &= possible;
  }
  return {
    args: p.args ?? [],
    env: p.env ?? [],
    cwd: p.cwd,
    uid: p.user.uid,
    gid: p.user.gid,
    additionalGids: p.user.additionalGids ?? [],
    umask: p.user.umask ?? DEFAULT_UMASK,
    rlimits: (p.rlimits ?? []).map((r) => ({ resource: RLIMITS[r.type], soft: rlimitValue(r.soft), hard: rlimitValue(r.hard) })),
    capabilities: caps,
    noNewPrivileges: p.noNewPrivileges ?? false,
    oomScoreAdj: p.oomScoreAdj ?? null,
    terminal: p.terminal ?? false,
    // An empty HOME= counts as none, as Go's Getenv (hence runc) sees it.
    homeFromPasswd: !(p.env ?? []).some((kv) => kv.startsWith('HOME=') && kv.length > 5),
    consoleSize: p.consoleSize ? { height: p.consoleSize.height, width: p.consoleSize.width } : null,
    ...defined({
      // Only where the host has that LSM (and SELinux's policy knows the label): lsm.ts refused them otherwise.
      apparmorProfile: p.apparmorProfile || undefined,
      selinuxLabel: p.selinuxLabel || undefined,
      personality: personalityPlan(spec.linux),
      scheduler: schedulerPlan(p),
      ioPriority: ioPriorityPlan(p),
      memoryPolicy: memoryPolicyPlan(spec.linux),
    }),
  };
}

/** The entries whose value is not undefined: absent fields stay absent (no record is sent). */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function buildPlan(spec: Spec, ctx: PlanContext): Plan {
  const linux = spec.linux ?? {};
  const { cloneFlags, joins } = namespacePlan(linux.namespaces);
  const has = (t: Namespace['type']) => (linux.namespaces ?? []).some((n) => n.type === t);
  // No mount namespace: the runtime's is shared, nothing is mounted in it (the semantic checks
  // refused whatever would be), and the root switch is a chroot.
  const chrootOnly = !has('mount');
  const userns = has('user');
  // A time namespace itself works (clone3); writing its clock offsets is not implemented yet.
  if (Object.keys(linux.timeOffsets ?? {}).length) throw new TsrcError('config.json: /linux/timeOffsets: time namespace offsets are not supported yet');
  if (!spec.root) throw new TsrcError('config.json: /root: a root filesystem is required');
  const rootfs = isAbsolute(spec.root.path) ? spec.root.path : resolve(ctx.bundle, spec.root.path);
  const devSetup = !chrootOnly && needsDevSetup(spec);
  const propagation = rootfsPropagation(linux.rootfsPropagation);
  const h = spec.hooks ?? {};
  return {
    cloneFlags,
    joins,
    uidMappings: linux.uidMappings ?? [],
    gidMappings: linux.gidMappings ?? [],
    rootfs,
    setupPropagation: propagation.setup,
    rootfsPropagation: propagation.final,
    rootReadonly: spec.root.readonly ?? false,
    // With no mount namespace there is no root to pivot or move: the switch is a chroot.
    noPivot: ctx.noPivot && !chrootOnly,
    chrootOnly,
    mounts: mountSteps(spec, ctx, has('cgroup')),
    devices: devSetup ? deviceSteps(linux.devices, userns) : deviceSteps(linux.devices, userns).filter((d) => (linux.devices ?? []).some((c) => c.path === d.path)),
    symlinks: devSetup ? [...DEFAULT_SYMLINKS] : [],
    maskedPaths: linux.maskedPaths ?? [],
    maskedTmpfsData: withMountLabel('', linux.mountLabel ?? ''),
    readonlyPaths: linux.readonlyPaths ?? [],
    hostname: spec.hostname ?? null,
    domainname: spec.domainname ?? null,
    sysctls: Object.entries(linux.sysctl ?? {}),
    process: processPlan(spec, ctx),
    execFifo: ctx.execFifo,
    preserveFds: ctx.preserveFds,
    noNewKeyring: ctx.noNewKeyring,
    hooksBeforePivot: [h.prestart, h.createRuntime, h.createContainer].some((l) => (l?.length ?? 0) > 0) || Object.keys(linux.netDevices ?? {}).length > 0,
    startContainerHooks: hookSteps(h.startContainer),
    waitForExit: ctx.waitForExit,
    seccomp: seccompPlan(linux.seccomp, ctx.warn),
  };
}
