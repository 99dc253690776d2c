// The Plan is the one contract between the TypeScript side (which decides) and the C init
// (which only executes). Everything here is already resolved policy: absolute host paths,
// numeric flags, bit masks, ordered lists. The C init never interprets spec strings.

/** Namespace kinds the C init knows, with the CLONE_* value for each. */
export const NS_FLAGS = {
  mount: 0x00020000, // CLONE_NEWNS
  uts: 0x04000000, // CLONE_NEWUTS
  ipc: 0x08000000, // CLONE_NEWIPC
  user: 0x10000000, // CLONE_NEWUSER
  pid: 0x20000000, // CLONE_NEWPID
  network: 0x40000000, // CLONE_NEWNET
  cgroup: 0x02000000, // CLONE_NEWCGROUP
  time: 0x00000080, // CLONE_NEWTIME
} as const;
export type NamespaceKind = keyof typeof NS_FLAGS;

export interface NamespaceJoin {
  /** CLONE_NEW* value of the namespace type; passed to setns() as nstype so the kernel checks it. */
  flag: number;
  /** Host path of a namespace file, e.g. /proc/123/ns/net. */
  path: string;
}

export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface MountStep {
  /** Host path (bind) or free-form source (tmpfs, proc, …). Empty string means none. */
  source: string;
  /** Absolute path inside the container; resolved by the init inside the rootfs without following symlinks out of it. */
  destination: string;
  /** Filesystem type; "" for bind mounts. */
  fstype: string;
  /** MS_* flags for the first mount(2) call (MS_BIND / MS_REC included for binds). */
  flags: number;
  /** Filesystem-specific data string (e.g. "mode=755,size=65536k"). */
  data: string;
  /** MS_* flags for a second MS_REMOUNT|MS_BIND call needed by bind mounts with ro/nosuid/…; 0 = none. */
  remountFlags: number;
  /** MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (| MS_REC) applied after the mount; 0 = none. */
  propagation: number;
  /** Create the destination as a regular file rather than a directory when it is missing. */
  destIsFile: boolean;
  /**
   * No component of the destination may be a symlink: procfs and sysfs, whose place the masked
   * and read-only paths rely on (a rootfs whose /proc is a symlink would move the real procfs
   * elsewhere, unmasked).
   */
  destNoSymlinks: boolean;
  /**
   * SELinux label set on the new mount's root after mounting (security.selinux), for a
   * filesystem whose superblock cannot take a context= option (mqueue); "" = none.
   */
  label: string;
}

export interface DeviceStep {
  /** Absolute path inside the container, e.g. /dev/null. */
  path: string;
  /** S_IFCHR, S_IFBLK or S_IFIFO. */
  type: number;
  major: number;
  minor: number;
  /** Permission bits (e.g. 0o666). */
  mode: number;
  uid: number;
  gid: number;
  /** Bind-mount the host node of the same path instead of mknod (user namespaces cannot mknod). */
  bind: boolean;
}

export interface SymlinkStep {
  target: string;
  /** Absolute path inside the container. */
  linkpath: string;
}

export interface Rlimit {
  /** RLIMIT_* number. */
  resource: number;
  soft: bigint;
  hard: bigint;
}

export interface Capabilities {
  bounding: bigint;
  effective: bigint;
  inheritable: bigint;
  permitted: bigint;
  ambient: bigint;
}

export interface Hook {
  path: string;
  args: string[];
  env: string[];
  /** Seconds; 0 = no timeout. */
  timeout: number;
}

export interface ProcessPlan {
  args: string[];
  env: string[];
  /** Absolute path inside the container. */
  cwd: string;
  uid: number;
  gid: number;
  additionalGids: number[];
  /** -1 = leave the umask alone. */
  umask: number;
  rlimits: Rlimit[];
  /** null = leave capabilities alone (unchanged from the runtime's). */
  capabilities: Capabilities | null;
  noNewPrivileges: boolean;
  /** null = leave oom_score_adj alone. */
  oomScoreAdj: number | null;
  /**
   * Allocate a pty from the container's devpts: the slave becomes fds 0/1/2 and the controlling
   * terminal (and, for a container init, /dev/console); the master is sent to the console socket.
   */
  terminal: boolean;
  /**
   * process.env has no HOME: the C side sets it from the container's /etc/passwd entry of uid,
   * or "/" without one (runc's rule), once it stands in the container's root.
   */
  homeFromPasswd: boolean;
  /** AppArmor profile to run the program under (written to attr/exec before execve); absent or "" = none. */
  apparmorProfile?: string;
  /** SELinux context to run the program in (attr/exec before execve) and to label its session keyring with (attr/keycreate); absent or "" = none. */
  selinuxLabel?: string;
  /** TIOCSWINSZ of the new pty (process.consoleSize); absent or null = the kernel's 0x0. */
  consoleSize?: ConsoleSize | null;
  /** personality(2) persona (linux.personality); absent = leave alone. */
  personality?: number;
  /** sched_setattr(2) (process.scheduler); absent = leave alone. */
  scheduler?: SchedulerPlan;
  /** ioprio_set(2) value, class << 13 | level (process.ioPriority); absent = leave alone. */
  ioPriority?: number;
  /** set_mempolicy(2) (linux.memoryPolicy); absent = leave alone. */
  memoryPolicy?: MemoryPolicyPlan;
  /** exec only (process.execCPUAffinity): sched_setaffinity(2) before joining the cgroup, and before execve. */
  cpuAffinity?: CpuAffinityPlan;
}

export interface SchedulerPlan {
  policy: number;
  flags: bigint;
  nice: number;
  priority: number;
  runtime: bigint;
  deadline: bigint;
  period: bigint;
}

export interface MemoryPolicyPlan {
  /** The mode OR-ed with its MPOL_F_* flags. */
  mode: number;
  /** Node mask, 64 nodes a word; [] = none (MPOL_DEFAULT, MPOL_LOCAL, a local MPOL_PREFERRED). */
  nodes: bigint[];
}

export interface CpuAffinityPlan {
  /** CPU masks, 64 CPUs a word; [] = leave alone. */
  initial: bigint[];
  final: bigint[];
}

export interface ConsoleSize {
  height: number;
  width: number;
}

/** One seccomp argument condition (config-linux.md "Seccomp", args[]). */
export interface SeccompArg {
  /** Syscall argument index, 0..5. */
  index: number;
  /** SCMP_CMP_* value (libseccomp's enum scmp_compare: NE 1 … MASKED_EQ 7). */
  op: number;
  /** For SCMP_CMP_MASKED_EQ: the mask; otherwise the value compared with. */
  value: bigint;
  /** For SCMP_CMP_MASKED_EQ: the value the masked argument must equal; otherwise unused. */
  valueTwo: bigint;
}

/** One libseccomp rule: `name` resolved by the C init (unknown names are skipped with a warning). */
export interface SeccompRule {
  name: string;
  /** SCMP_ACT_* as libseccomp encodes it (the kernel's SECCOMP_RET_* | errno in the low 16 bits). */
  action: number;
  /** All must match (AND); empty = unconditional. */
  args: SeccompArg[];
}

export interface SeccompPlan {
  /** SCMP_ACT_* for syscalls no rule matches. */
  defaultAction: number;
  /** AUDIT_ARCH_* values (= libseccomp's SCMP_ARCH_*) added besides the native one. */
  architectures: number[];
  /** SECCOMP_FILTER_FLAG_* bits: TSYNC 1, LOG 2, SPEC_ALLOW 4, NEW_LISTENER 8 (with SCMP_ACT_NOTIFY), WAIT_KILLABLE_RECV 32. */
  flags: number;
  /** In spec order, one per syscall name; rules whose action is the default are already dropped. */
  rules: SeccompRule[];
  /** With SCMP_ACT_NOTIFY: the agent's socket the notify fd is sent to (by the runtime, not the C init); absent without. */
  listenerPath?: string | null;
  /** The opaque metadata sent along (listenerMetadata); absent = none. */
  listenerMetadata?: string;
}

export interface Plan {
  /** Namespaces created anew by clone(2): OR of NS_FLAGS values. */
  cloneFlags: number;
  /** Existing namespaces joined with setns(2) before clone, user namespace first. */
  joins: NamespaceJoin[];
  uidMappings: IdMapping[];
  gidMappings: IdMapping[];

  /** Absolute host path of the container's root filesystem. */
  rootfs: string;
  /**
   * MS_* propagation applied to "/" of the container's mount namespace before anything is
   * mounted: rootfsPropagation, or MS_REC|MS_SLAVE when none is asked for or when it is
   * unbindable (the rootfs could then not be bind-mounted).
   */
  setupPropagation: number;
  /** MS_* propagation applied to the container's "/" after the root switch (linux.rootfsPropagation); 0: none. */
  rootfsPropagation: number;
  rootReadonly: boolean;
  /** Use MS_MOVE + chroot instead of pivot_root (runc --no-pivot). */
  noPivot: boolean;
  /**
   * No mount namespace of the container's own: it shares the runtime's mount table, so nothing
   * is mounted or unmounted; the root switch is a chroot into rootfs.
   */
  chrootOnly: boolean;

  mounts: MountStep[];
  devices: DeviceStep[];
  symlinks: SymlinkStep[];
  maskedPaths: string[];
  /** Data of the read-only tmpfs that covers each masked directory (the mount label's context=); "" = none. */
  maskedTmpfsData: string;
  readonlyPaths: string[];

  /** null = do not set. */
  hostname: string | null;
  domainname: string | null;
  /** [key, value] pairs, key in dotted form (net.ipv4.ip_forward). */
  sysctls: Array<[string, string]>;

  process: ProcessPlan;

  /** Host path of the exec fifo the init blocks on until `start`. */
  execFifo: string;
  /** Number of fds after stdio (3 .. 3+n-1) passed through to the process. */
  preserveFds: number;
  /** Call setsid and join a fresh session keyring unless noNewKeyring. */
  noNewKeyring: boolean;

  /** Stop before pivot_root and wait for the runtime's work there: the prestart/createRuntime/
   * createContainer hooks, and moving linux.netDevices into the new network namespace. */
  hooksBeforePivot: boolean;
  /** startContainer hooks run by the init after `start`, in the container, before execve. */
  startContainerHooks: Hook[];

  /** The first-stage process stays, waits for the container and reports its exit status (`tsrc run`). */
  waitForExit: boolean;

  /**
   * The filter loaded just before execve (or, without noNewPrivileges, just before capabilities
   * are dropped, as runc does: loading needs CAP_SYS_ADMIN then). Absent or null = no seccomp.
   */
  seccomp?: SeccompPlan | null;
  /**
   * Host path of a listening unix socket (--console-socket). The first stage connects to it;
   * with process.terminal the container init sends the pty master there. Absent or "" = none.
   */
  consoleSocket?: string;
  /**
   * Host path of a listening unix socket of the runtime's: with a notifying seccomp filter, the
   * first stage connects to it and the container init sends the listener fd there (SCM_RIGHTS)
   * right after loading the filter, before READY; the runtime hands it on to listenerPath.
   */
  seccompSocket?: string;
  /**
   * cgroup v1 directories the first stage joins itself, before anything else, by writing "0" to
   * each one's `tasks` file (see native/init/cgjoin.c for why not the runtime writing its pid).
   * Absent or empty = the runtime places the stage (e.g. the systemd driver).
   */
  cgroupTasks?: string[];
  /** The cgroup2 directory the container init is created in (clone3 CLONE_INTO_CGROUP). Absent or "" = none. */
  cgroupInto?: string;
}

/**
 * `tsrc exec`: one more process in a running (or created) container. The C side joins every
 * namespace of the container init that differs from its own, takes the init's root, and applies
 * these attributes with the same code the init uses.
 */
export interface ExecPlan {
  process: ProcessPlan;
  /** Host path of the console socket; "" = none. Required when process.terminal. */
  consoleSocket: string;
  /** As Plan.seccompSocket: where the exec'd process sends its filter's notify fd. */
  seccompSocket?: string;
  /** The container's filter (runc applies linux.seccomp to exec'd processes too); null = none. */
  seccomp: SeccompPlan | null;
  /** Number of fds after stdio (3 .. 3+n-1) passed through to the process. */
  preserveFds: number;
  /** Keep the caller's session keyring instead of joining a fresh one. */
  noNewKeyring: boolean;
  /**
   * true: the C stage exits once the process runs, so it is reparented to the caller's
   * subreaper (containerd's shim); false: the stage waits for it and reports its exit status.
   */
  detach: boolean;
  /** As Plan.cgroupTasks: the exec stage joins these v1 directories itself. */
  cgroupTasks?: string[];
  /** As Plan.cgroupInto: the exec'd process is cloned into this cgroup2 directory. */
  cgroupInto?: string;
}
