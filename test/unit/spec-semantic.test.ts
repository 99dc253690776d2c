// checkSemantics(), requireProcess(), checkProcess() and the namespace path checks: the MUSTs the
// schema cannot express, each rejection with its exact pointer and words.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { SpecError } from '../../lib/spec/errors.js';
import { parseSpec } from '../../lib/spec/load.js';
import { checkNamespacePath, checkNamespacePaths } from '../../lib/spec/namespace-path.js';
import { normalizeSysctlName, sysctlNamespace } from '../../lib/spec/check-sysctl.js';
import { netdevNameProblem } from '../../lib/spec/check-linux.js';
import { checkRootDirectory } from '../../lib/spec/root-path.js';
import { checkProcess, checkSemantics, requireProcess } from '../../lib/spec/semantic.js';
import type { Process, Spec } from '../../lib/spec/types.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', 'fixtures', 'configs');
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const read = (name: string): Doc => JSON.parse(readFileSync(join(fixtures, name), 'utf8'));

/** Schema-validates (so only semantic problems remain), then checks; message or "ok". */
function verdict(doc: Doc): string {
  const spec = parseSpec(JSON.stringify(doc));
  try {
    checkSemantics(spec);
    return 'ok';
  } catch (e) {
    t.ok(e instanceof SpecError, 'a SpecError');
    t.notMatch((e as Error).message, /\n/, 'one line');
    return (e as Error).message;
  }
}

function warnings(doc: Doc): string[] {
  return checkSemantics(parseSpec(JSON.stringify(doc)));
}

const ns = (...types: string[]): Array<{ type: string }> => types.map((type) => ({ type }));
// A config without a mount namespace and nothing that would mount, then `then` adds one thing.
const noMounts = (d: any, then: (d: any) => void): void => {
  d.linux.namespaces = ns('pid', 'uts');
  d.mounts = [];
  d.root.readonly = false;
  delete d.linux.maskedPaths;
  delete d.linux.readonlyPaths;
  then(d);
};
const userns = (d: Doc, uid = [{ containerID: 0, hostID: 100000, size: 65536 }], gid = uid): void => {
  d.linux.namespaces.push({ type: 'user' });
  d.linux.uidMappings = uid;
  d.linux.gidMappings = gid;
};

t.test('the configs callers write pass, without warnings', async (t) => {
  // The spec's rules only: docker.json and the spec's example ask for LSM labels, which depend on
  // the host (below).
  for (const name of ['runc-default.json', 'runc-rootless.json', 'containerd-base.json', 'docker.json', 'spec-example.json']) {
    t.same(checkSemantics(parseSpec(JSON.stringify(read(name))), { checkPaths: false }), [], `${name}: ok, no warnings`);
  }
  for (const name of ['runc-default.json', 'runc-rootless.json', 'containerd-base.json']) {
    t.equal(verdict(read(name)), 'ok', `${name} on this host`);
    t.same(warnings(read(name)), [], `${name}: no warnings on this host`);
  }
});

t.test('LSM fields are refused, never run unconfined', async (t) => {
  const lsm = (what: string) => new RegExp(`^config\\.json: ${what}: (AppArmor|SELinux) is not enabled on this host$`);
  t.match(verdict(read('docker.json')), lsm('/process/apparmorProfile'));
  const d = read('runc-default.json');
  d.process.selinuxLabel = 'system_u:system_r:container_t:s0';
  t.match(verdict(d), lsm('/process/selinuxLabel'));
  const m = read('runc-default.json');
  m.linux.mountLabel = 'system_u:object_r:container_file_t:s0';
  t.match(verdict(m), lsm('/linux/mountLabel'));
  t.throws(() => checkProcess({ args: ['sh'], cwd: '/', user: { uid: 0, gid: 0 }, apparmorProfile: 'p' }, 'process.json'), { message: /^process\.json: \/apparmorProfile: AppArmor is / });
});

type Case = [string, (d: Doc) => void, string];

const rejected: Case[] = [
  // version and root
  ['a 2.x config', (d) => (d.ociVersion = '2.0.0'), '/ociVersion: unsupported version 2.0.0 (tsrc implements runtime-spec 1.x)'],
  ['no root', (d) => delete d.root, '/root: is required on Linux'],
  // namespaces
  ['duplicate namespace', (d) => d.linux.namespaces.push({ type: 'pid', path: '/proc/self/ns/pid' }), '/linux/namespaces/5/type: duplicate namespace type pid (also at /linux/namespaces/0)'],
  // user namespace
  ['uid mappings without a user namespace', (d) => (d.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]), '/linux/uidMappings: needs a user namespace (add {"type": "user"} to /linux/namespaces)'],
  ['gid mappings without a user namespace', (d) => (d.linux.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]), '/linux/gidMappings: needs a user namespace (add {"type": "user"} to /linux/namespaces)'],
  ['new user namespace without mappings', (d) => d.linux.namespaces.push({ type: 'user' }), '/linux/uidMappings: is required for a new user namespace'],
  ['new user namespace without gid mappings', (d) => userns(d, undefined, []), '/linux/gidMappings: is required for a new user namespace'],
  ['mapping of size 0', (d) => userns(d, [{ containerID: 0, hostID: 1000, size: 0 }]), '/linux/uidMappings/0/size: must be at least 1'],
  [
    'overlapping container ranges',
    (d) => userns(d, [{ containerID: 0, hostID: 1000, size: 10 }, { containerID: 5, hostID: 5000, size: 10 }]),
    '/linux/uidMappings/1: container ID range overlaps /linux/uidMappings/0',
  ],
  [
    'overlapping host ranges',
    (d) => userns(d, [{ containerID: 0, hostID: 1000, size: 10 }, { containerID: 100, hostID: 1009, size: 1 }]),
    '/linux/uidMappings/1: host ID range overlaps /linux/uidMappings/0',
  ],
  ['range beyond 2^32', (d) => userns(d, [{ containerID: 4294967295, hostID: 0, size: 2 }]), '/linux/uidMappings/0: containerID + size must not exceed 4294967296'],
  [
    'more mappings than the kernel takes',
    (d) => userns(d, Array.from({ length: 341 }, (_, i) => ({ containerID: i, hostID: 1000 + i, size: 1 }))),
    '/linux/uidMappings: must have at most 340 entries (got 341)',
  ],
  [
    'process uid outside the mapping',
    (d) => {
      userns(d, [{ containerID: 0, hostID: 100000, size: 1000 }]);
      d.process.user = { uid: 1000, gid: 0 };
    },
    '/process/user/uid: uid 1000 is not mapped by /linux/uidMappings',
  ],
  [
    'additional gid outside the mapping',
    (d) => {
      userns(d, [{ containerID: 0, hostID: 100000, size: 10 }]);
      d.process.user = { uid: 0, gid: 0, additionalGids: [1, 10] };
    },
    '/process/user/additionalGids/1: gid 10 is not mapped by /linux/gidMappings',
  ],
  // time namespace
  ['time offsets without a time namespace', (d) => (d.linux.timeOffsets = { monotonic: { secs: 1 } }), '/linux/timeOffsets: needs a time namespace (add {"type": "time"} to /linux/namespaces)'],
  [
    'time offsets for a joined time namespace',
    (d) => {
      d.linux.namespaces.push({ type: 'time', path: '/proc/self/ns/time' });
      d.linux.timeOffsets = { boottime: { secs: 1 } };
    },
    '/linux/timeOffsets: cannot be set when the time namespace is joined from its path',
  ],
  [
    'time offset of an unknown clock',
    (d) => {
      d.linux.namespaces.push({ type: 'time' });
      d.linux.timeOffsets = { realtime: { secs: 1 } };
    },
    '/linux/timeOffsets/realtime: unknown clock (must be one of monotonic, boottime)',
  ],
  [
    'time offset nanoseconds of a second or more',
    (d) => {
      d.linux.namespaces.push({ type: 'time' });
      d.linux.timeOffsets = { monotonic: { secs: 1, nanosecs: 1000000000 } };
    },
    '/linux/timeOffsets/monotonic/nanosecs: must be at most 999999999',
  ],
  // UTS
  ['hostname without a UTS namespace', (d) => (d.linux.namespaces = ns('pid', 'mount')), '/hostname: unable to set hostname without a private UTS namespace (add {"type": "uts"} to /linux/namespaces)'],
  [
    'domainname without a UTS namespace',
    (d) => {
      delete d.hostname;
      d.domainname = 'example.com';
      d.linux.namespaces = ns('pid', 'mount');
    },
    '/domainname: unable to set domainname without a private UTS namespace (add {"type": "uts"} to /linux/namespaces)',
  ],
  ['hostname too long', (d) => (d.hostname = 'h'.repeat(65)), '/hostname: must be at most 64 bytes'],
  ['hostname with NUL', (d) => (d.hostname = 'a\0b'), '/hostname: must not contain a NUL byte'],
  // mount namespace
  // mount namespace: none means the runtime's is shared, so nothing may mount in it
  ['mounts without a mount namespace', (d) => (d.linux.namespaces = ns('pid', 'uts')), '/mounts: needs a mount namespace (add {"type": "mount"} to /linux/namespaces)'],
  ['a read-only root without a mount namespace', (d) => noMounts(d, (d) => (d.root.readonly = true)), '/root/readonly: needs a mount namespace (add {"type": "mount"} to /linux/namespaces)'],
  ['rootfsPropagation without a mount namespace', (d) => noMounts(d, (d) => (d.linux.rootfsPropagation = 'rshared')), '/linux/rootfsPropagation: needs a mount namespace (add {"type": "mount"} to /linux/namespaces)'],
  ['devices without a mount namespace', (d) => noMounts(d, (d) => (d.linux.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }])), '/linux/devices: needs a mount namespace (add {"type": "mount"} to /linux/namespaces)'],
  ['masked paths without a mount namespace', (d) => noMounts(d, (d) => (d.linux.maskedPaths = ['/proc/kcore'])), '/linux/maskedPaths: needs a mount namespace (add {"type": "mount"} to /linux/namespaces)'],
  ['readonly paths without a mount namespace', (d) => noMounts(d, (d) => (d.linux.readonlyPaths = ['/proc/sys'])), '/linux/readonlyPaths: needs a mount namespace (add {"type": "mount"} to /linux/namespaces)'],
  ['a terminal without a mount namespace', (d) => noMounts(d, (d) => (d.process.terminal = true)), '/process/terminal: needs a mount namespace (add {"type": "mount"} to /linux/namespaces)'],
  // process
  ['env entry without =', (d) => d.process.env.push('FOO'), '/process/env/2: must have the form NAME=VALUE (got "FOO")'],
  ['env entry with an empty name', (d) => d.process.env.push('=x'), '/process/env/2: variable name must not be empty (got "=x")'],
  ['env entry with NUL', (d) => d.process.env.push('A=b\0c'), '/process/env/2: must not contain a NUL byte'],
  ['argument with NUL', (d) => (d.process.args = ['sh', '-c\0x']), '/process/args/1: must not contain a NUL byte'],
  ['cwd with NUL', (d) => (d.process.cwd = '/a\0b'), '/process/cwd: must not contain a NUL byte'],
  [
    'unknown rlimit',
    (d) => d.process.rlimits.push({ type: 'RLIMIT_FOO', soft: 1, hard: 1 }),
    '/process/rlimits/1/type: unknown rlimit "RLIMIT_FOO" (must be one of RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_CORE, RLIMIT_RSS, RLIMIT_NPROC, RLIMIT_NOFILE, RLIMIT_MEMLOCK, RLIMIT_AS, RLIMIT_LOCKS, RLIMIT_SIGPENDING, RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_RTPRIO, RLIMIT_RTTIME)',
  ],
  ['duplicate rlimit', (d) => d.process.rlimits.push({ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }), '/process/rlimits/1/type: duplicate rlimit RLIMIT_NOFILE (also at /process/rlimits/0)'],
  ['soft above hard', (d) => (d.process.rlimits[0] = { type: 'RLIMIT_NOFILE', soft: 2048, hard: 1024 }), '/process/rlimits/0/soft: soft limit 2048 is above the hard limit 1024'],
  ['oomScoreAdj out of range', (d) => (d.process.oomScoreAdj = 1001), '/process/oomScoreAdj: must be between -1000 and 1000 (got 1001)'],
  ['nice out of range', (d) => (d.process.scheduler = { policy: 'SCHED_OTHER', nice: 20 }), '/process/scheduler/nice: must be between -20 and 19 for SCHED_OTHER (got 20)'],
  ['priority for SCHED_OTHER', (d) => (d.process.scheduler = { policy: 'SCHED_OTHER', priority: 5 }), '/process/scheduler/priority: can only be set for SCHED_FIFO or SCHED_RR (policy is SCHED_OTHER)'],
  ['deadline fields for SCHED_RR', (d) => (d.process.scheduler = { policy: 'SCHED_RR', priority: 5, runtime: 10 }), '/process/scheduler/runtime: can only be set for SCHED_DEADLINE (policy is SCHED_RR)'],
  // mounts
  ['empty mount destination', (d) => (d.mounts[0].destination = ''), '/mounts/0/destination: must not be empty'],
  ['mount source with NUL', (d) => (d.mounts[0].source = 'pr\0oc'), '/mounts/0/source: must not contain a NUL byte'],
  ['mount option with NUL', (d) => d.mounts[1].options.push('mode=755\0'), '/mounts/1/options/4: must not contain a NUL byte'],
  [
    'idmap mount with no mapping to use',
    (d) => d.mounts.push({ destination: '/data', source: '/srv', type: 'bind', options: ['rbind', 'idmap'] }),
    '/mounts/7/options: idmap needs uidMappings/gidMappings on the mount or a user namespace for the container',
  ],
  [
    'idmap mount with overlapping mappings',
    (d) =>
      d.mounts.push({
        destination: '/data',
        source: '/srv',
        options: ['rbind', 'idmap'],
        uidMappings: [{ containerID: 0, hostID: 0, size: 10 }, { containerID: 9, hostID: 100, size: 1 }],
        gidMappings: [{ containerID: 0, hostID: 0, size: 10 }],
      }),
    '/mounts/7/uidMappings/1: container ID range overlaps /mounts/7/uidMappings/0',
  ],
  // sysctl
  ['net sysctl without a network namespace', (d) => ((d.linux.namespaces = ns('pid', 'mount', 'uts', 'ipc')), (d.linux.sysctl = { 'net.ipv4.ip_forward': '1' })), '/linux/sysctl/net.ipv4.ip_forward: needs a network namespace (add {"type": "network"} to /linux/namespaces)'],
  ['IPC sysctl without an IPC namespace', (d) => ((d.linux.namespaces = ns('pid', 'mount', 'uts', 'network')), (d.linux.sysctl = { 'kernel.shmmax': '1' })), '/linux/sysctl/kernel.shmmax: needs an IPC namespace (add {"type": "ipc"} to /linux/namespaces)'],
  ['mqueue sysctl without an IPC namespace, slash form', (d) => ((d.linux.namespaces = ns('pid', 'mount', 'uts', 'network')), (d.linux.sysctl = { 'fs/mqueue/msg_max': '1' })), '/linux/sysctl/fs~1mqueue~1msg_max: needs an IPC namespace (add {"type": "ipc"} to /linux/namespaces)'],
  [
    'kernel.domainname without a UTS namespace',
    (d) => {
      delete d.hostname;
      d.linux.namespaces = ns('pid', 'mount');
      d.linux.sysctl = { 'kernel.domainname': 'x' };
    },
    '/linux/sysctl/kernel.domainname: needs a UTS namespace (add {"type": "uts"} to /linux/namespaces)',
  ],
  ['kernel.hostname and hostname both', (d) => (d.linux.sysctl = { 'kernel.hostname': 'x' }), '/linux/sysctl/kernel.hostname: conflicts with /hostname: set one or the other'],
  ['user.* sysctl without a user namespace', (d) => (d.linux.sysctl = { 'user.max_user_namespaces': '0' }), '/linux/sysctl/user.max_user_namespaces: needs a user namespace (add {"type": "user"} to /linux/namespaces)'],
  [
    'a sysctl that is not namespaced',
    (d) => (d.linux.sysctl = { 'vm.swappiness': '10' }),
    '/linux/sysctl/vm.swappiness: is not namespaced: setting it would change the host (only net.*, IPC, UTS and user.* sysctls are allowed)',
  ],
  ['kernel.pid_max is host-wide', (d) => (d.linux.sysctl = { 'kernel.pid_max': '1000' }), '/linux/sysctl/kernel.pid_max: is not namespaced: setting it would change the host (only net.*, IPC, UTS and user.* sysctls are allowed)'],
  // resources
  ['device rule without access', (d) => (d.linux.resources.devices = [{ allow: false }]), '/linux/resources/devices/0/access: is required (a combination of "r", "w" and "m")'],
  ['cpu burst above quota', (d) => (d.linux.resources.cpu = { quota: 50000, burst: 60000, period: 100000 }), '/linux/resources/cpu/burst: must not be larger than /linux/resources/cpu/quota (50000)'],
  ['memory+swap below memory', (d) => (d.linux.resources.memory = { limit: 200, swap: 100 }), '/linux/resources/memory/swap: must be at least /linux/resources/memory/limit (200): it limits memory+swap'],
  // seccomp
  [
    'errnoRet with an action that has no errno',
    (d) => (d.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_KILL', errnoRet: 1 }] }),
    '/linux/seccomp/syscalls/0/errnoRet: cannot be used with action SCMP_ACT_KILL (only SCMP_ACT_ERRNO or SCMP_ACT_TRACE)',
  ],
  [
    'defaultErrnoRet with ALLOW',
    (d) => (d.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', defaultErrnoRet: 1 }),
    '/linux/seccomp/defaultErrnoRet: cannot be used with defaultAction SCMP_ACT_ALLOW (only SCMP_ACT_ERRNO or SCMP_ACT_TRACE)',
  ],
  ['NOTIFY as the default action', (d) => (d.linux.seccomp = { defaultAction: 'SCMP_ACT_NOTIFY' }), '/linux/seccomp/defaultAction: SCMP_ACT_NOTIFY cannot be the default action'],
  [
    'argument index 6',
    (d) => (d.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['ioctl'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] }),
    '/linux/seccomp/syscalls/0/args/0/index: must be less than 6 (got 6)',
  ],
  [
    'empty syscall name',
    (d) => (d.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read', ''], action: 'SCMP_ACT_ERRNO' }] }),
    '/linux/seccomp/syscalls/0/names/1: must not be empty',
  ],
  // network devices
  [
    'network devices without a network namespace',
    (d) => {
      d.linux.namespaces = ns('pid', 'mount', 'uts');
      d.linux.netDevices = { eth1: {} };
    },
    '/linux/netDevices: needs a network namespace (add {"type": "network"} to /linux/namespaces)',
  ],
  ['network device name with a slash', (d) => (d.linux.netDevices = { 'a/b': {} }), '/linux/netDevices/a~1b: invalid network device name: must not contain "/", ":" or whitespace'],
  ['new network device name too long', (d) => (d.linux.netDevices = { eth1: { name: 'a-very-long-name' } }), '/linux/netDevices/eth1/name: invalid network device name: must be at most 15 bytes'],
  // memory policy, RDT, cgroupsPath
  ['MPOL_BIND without nodes', (d) => (d.linux.memoryPolicy = { mode: 'MPOL_BIND' }), '/linux/memoryPolicy/nodes: is required for MPOL_BIND'],
  ['MPOL_DEFAULT with nodes', (d) => (d.linux.memoryPolicy = { mode: 'MPOL_DEFAULT', nodes: '0' }), '/linux/memoryPolicy/nodes: must be empty for MPOL_DEFAULT'],
  ['node list beyond MAX_NUMNODES', (d) => (d.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0-1024' }), '/linux/memoryPolicy/nodes: invalid node list "0-1024": 1024 is above the highest allowed, 1023'],
  ['SCHED_ISO', (d) => (d.process.scheduler = { policy: 'SCHED_ISO' }), '/process/scheduler/policy: SCHED_ISO is not implemented by Linux'],
  ['CPU list backwards', (d) => (d.process.execCPUAffinity = { initial: '0', final: '3-1' }), '/process/execCPUAffinity/final: invalid CPU list "3-1": range 3-1 ends before it starts'],
  [
    'two network devices under one name',
    (d) => (d.linux.netDevices = { lo: { name: 'eth1' }, eth9: { name: 'eth1' } }),
    '/linux/netDevices/eth9: would be named "eth1" in the container, as lo would',
  ],
  ['closID with a slash', (d) => (d.linux.intelRdt = { closID: 'a/b' }), '/linux/intelRdt/closID: must be "/" or a single directory name (got "a/b")'],
  ['cgroupsPath climbing out', (d) => (d.linux.cgroupsPath = '/default/../../etc'), '/linux/cgroupsPath: must not contain ".." (got "/default/../../etc")'],
  // hooks
  ['hook argument with NUL', (d) => (d.hooks = { poststop: [{ path: '/bin/true' }, { path: '/bin/x', args: ['x', 'a\0'] }] }), '/hooks/poststop/1/args/1: must not contain a NUL byte'],
  // namespace paths (checked on this host)
  [
    'namespace path of the wrong type',
    (d) => (d.linux.namespaces = [...ns('pid', 'mount', 'uts'), { type: 'network', path: '/proc/self/ns/pid' }]),
    '/linux/namespaces/3/path: namespace path "/proc/self/ns/pid" is a PID namespace, not a network namespace',
  ],
  [
    'namespace path that does not exist',
    (d) => (d.linux.namespaces = [...ns('pid', 'mount', 'uts'), { type: 'ipc', path: '/proc/self/ns/nonexistent' }]),
    '/linux/namespaces/3/path: namespace path "/proc/self/ns/nonexistent": no such file or directory',
  ],
  ['Intel RDT without resctrl', (d) => (d.linux.intelRdt = { closID: '/' }), '/linux/intelRdt: Intel RDT is not available on this host (no resctrl filesystem mounted at /sys/fs/resctrl)'],
  ['memory policy on a node this host lacks', (d) => (d.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0,7' }), '/linux/memoryPolicy/nodes: NUMA node 7 is not online on this host (online: 0)'],
  ['network device the host lacks', (d) => (d.linux.netDevices = { 'tsrc-nodev0': {} }), '/linux/netDevices/tsrc-nodev0: no network device of that name on the host'],
  [
    'net sysctl in the runtime\'s own network namespace',
    (d) => {
      d.linux.namespaces = [...ns('pid', 'mount', 'uts'), { type: 'network', path: '/proc/self/ns/net' }];
      d.linux.sysctl = { 'net.core.somaxconn': '256' };
    },
    '/linux/sysctl/net.core.somaxconn: not allowed: /proc/self/ns/net is the runtime\'s own network namespace',
  ],
];

t.test('each semantic rejection: the exact pointer and rule', async (t) => {
  for (const [what, mutate, expected] of rejected) {
    const doc = read('runc-default.json');
    mutate(doc);
    t.equal(verdict(doc), `config.json: ${expected}`, what);
  }
});

const accepted: Array<[string, (d: Doc) => void]> = [
  ['0.x config (the spec\'s own examples)', (d) => (d.ociVersion = '0.1.0')],
  ['a later 1.x config', (d) => (d.ociVersion = '1.9.0')],
  ['user namespace with mappings', (d) => userns(d)],
  ['user namespace with split ranges', (d) => userns(d, [{ containerID: 0, hostID: 1000, size: 1 }, { containerID: 1, hostID: 100000, size: 65535 }])],
  [
    'time namespace with offsets',
    (d) => {
      d.linux.namespaces.push({ type: 'time' });
      d.linux.timeOffsets = { monotonic: { secs: -5, nanosecs: 999999999 }, boottime: { secs: 86400 } };
    },
  ],
  ['empty timeOffsets without a time namespace', (d) => (d.linux.timeOffsets = {})],
  ['empty hostname without a UTS namespace', (d) => ((d.hostname = ''), (d.linux.namespaces = ns('pid', 'mount')))],
  ['namespaced sysctls with their namespaces', (d) => (d.linux.sysctl = { 'net.ipv4.ip_forward': '1', 'net/ipv4/conf/eth0.100/rp_filter': '0', 'kernel.shm_rmid_forced': '1', 'kernel.msgmax': '8192', 'kernel.sem': '250 32000 32 128', 'fs.mqueue.queues_max': '256', 'kernel.domainname': 'example.com' })],
  ['joined namespaces of the right type', (d) => (d.linux.namespaces = [{ type: 'pid', path: '/proc/self/ns/pid_for_children' }, { type: 'ipc', path: '/proc/self/ns/ipc' }, ...ns('mount', 'uts', 'network')])],
  ['seccomp errno actions with errno', (d) => (d.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, syscalls: [{ names: ['ptrace'], action: 'SCMP_ACT_TRACE', errnoRet: 1 }] })],
  ['device rules with null major/minor', (d) => (d.linux.resources.devices = [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 136, minor: null, access: 'rwm' }])],
  ['memory swap unlimited', (d) => (d.linux.resources.memory = { limit: 1000, swap: -1 })],
  ['cpu burst with unlimited quota', (d) => (d.linux.resources.cpu = { quota: -1, burst: 1000 })],
  ['MPOL_PREFERRED without nodes', (d) => (d.linux.memoryPolicy = { mode: 'MPOL_PREFERRED' })],
  ['idmap mount with the container\'s user namespace', (d) => (userns(d), d.mounts.push({ destination: '/data', source: '/srv', options: ['rbind', 'idmap'] }))],
  ['scheduler for SCHED_DEADLINE', (d) => (d.process.scheduler = { policy: 'SCHED_DEADLINE', runtime: 10, deadline: 20, period: 30 })],
  ['cgroupsPath in systemd form', (d) => (d.linux.cgroupsPath = 'system.slice:docker:abc')],
  ['no process (create requires it, the config does not)', (d) => delete d.process],
];

t.test('valid configs near the edges pass', async (t) => {
  for (const [what, mutate] of accepted) {
    const doc = read('runc-default.json');
    mutate(doc);
    t.equal(verdict(doc), 'ok', what);
  }
});

t.test('warnings: what the spec says to log rather than refuse', async (t) => {
  const caps = read('runc-default.json');
  caps.process.capabilities.bounding.push('CAP_BOGUS', 'NOT_A_CAP');
  caps.process.capabilities.ambient = ['CAP_BOGUS'];
  t.same(warnings(caps), ['config.json: /process/capabilities: ignoring unknown capabilities: CAP_BOGUS, NOT_A_CAP']);

  const rel = read('runc-default.json');
  rel.mounts[0].destination = 'proc';
  t.same(warnings(rel), ['config.json: /mounts/0/destination: relative path "proc" is deprecated; using "/proc"']);

  const pers = read('runc-default.json');
  pers.linux.personality = { domain: 'LINUX32', flags: ['ADDR_NO_RANDOMIZE'] };
  t.same(warnings(pers), ['config.json: /linux/personality/flags: ignored: no personality flags are supported (got ADDR_NO_RANDOMIZE)']);

  const joined = read('runc-default.json');
  joined.linux.namespaces.push({ type: 'user', path: '/proc/self/ns/user' });
  joined.linux.uidMappings = [{ containerID: 0, hostID: 0, size: 1 }];
  t.same(warnings(joined), ['config.json: /linux/uidMappings: ignored: the user namespace is joined from its path, whose mappings are already set']);
});

t.test('requireProcess: create needs something to run', async (t) => {
  const spec = parseSpec(readFileSync(join(fixtures, 'runc-default.json'), 'utf8'));
  t.equal(requireProcess(spec), spec.process, 'returns the process');
  const without = (mutate: (d: Doc) => void): Spec => {
    const d = read('runc-default.json');
    mutate(d);
    return parseSpec(JSON.stringify(d));
  };
  t.throws(() => requireProcess(without((d) => delete d.process)), { message: 'config.json: /process: is required to create a container', pointer: '/process' });
  t.throws(() => requireProcess(without((d) => delete d.process.args)), { message: 'config.json: /process/args: is required (the program to run and its arguments)' });
  t.throws(() => requireProcess(without((d) => (d.process.args = []))), { message: 'config.json: /process/args: must not be empty (the first entry is the program to run)' });
  t.throws(() => requireProcess(without((d) => (d.process.args = ['', 'x']))), { message: 'config.json: /process/args/0: must not be empty (it is the program to run)' });
  // ctr's own default spec has no args: containerd always adds the image's command.
  t.throws(() => requireProcess(parseSpec(JSON.stringify({ ...read('containerd-base.json'), process: { ...read('containerd-base.json').process, args: undefined } }))));
});

t.test('checkProcess: an exec\'s process.json', async (t) => {
  const proc: Process = { user: { uid: 0, gid: 0 }, args: ['sh'], cwd: '/', env: ['PATH=/bin'], capabilities: { bounding: ['CAP_KILL', 'CAP_NOPE'] } };
  t.same(checkProcess(proc, '/tmp/runc-process1'), ['/tmp/runc-process1: /capabilities: ignoring unknown capabilities: CAP_NOPE']);
  t.throws(() => checkProcess({ ...proc, args: [] }, 'p.json'), { message: 'p.json: /args: must not be empty (the first entry is the program to run)' });
  t.throws(() => checkProcess({ ...proc, env: ['X'] }, 'p.json'), { message: 'p.json: /env/0: must have the form NAME=VALUE (got "X")' });
  // Against the container's user namespace.
  const d = read('runc-rootless.json');
  const spec = parseSpec(JSON.stringify(d));
  t.same(checkProcess({ ...proc, user: { uid: 0, gid: 0 } }, 'p.json', spec), ['p.json: /capabilities: ignoring unknown capabilities: CAP_NOPE']);
  t.throws(() => checkProcess({ ...proc, user: { uid: 1000, gid: 0 } }, 'p.json', spec), { message: 'p.json: /user/uid: uid 1000 is not mapped by /linux/uidMappings' });
});

t.test('checkNamespacePath on this host', async (t) => {
  t.doesNotThrow(() => checkNamespacePath('network', '/proc/self/ns/net'));
  t.doesNotThrow(() => checkNamespacePath('mount', '/proc/self/ns/mnt'));
  t.doesNotThrow(() => checkNamespacePath('pid', `/proc/${process.pid}/ns/pid`));
  t.doesNotThrow(() => checkNamespacePath('pid', '/proc/self/ns/pid_for_children'));
  t.doesNotThrow(() => checkNamespacePath('user', '/proc/self/ns/user'));
  t.doesNotThrow(() => checkNamespacePath('cgroup', '/proc/self/ns/cgroup'));
  t.doesNotThrow(() => checkNamespacePath('time', '/proc/self/ns/time_for_children'));

  t.throws(() => checkNamespacePath('uts', '/proc/self/ns/ipc'), { message: 'namespace path "/proc/self/ns/ipc" is an IPC namespace, not a UTS namespace' });
  t.throws(() => checkNamespacePath('network', '/nonexistent/netns'), { message: 'namespace path "/nonexistent/netns": no such file or directory' });
  const dir = t.testdir({ file: 'not a namespace' });
  t.throws(() => checkNamespacePath('network', join(dir, 'file')), { message: `namespace path "${join(dir, 'file')}" is not a namespace file` });
  t.throws(() => checkNamespacePath('network', dir), { message: `namespace path "${dir}" is not a namespace file` });
  t.throws(() => checkNamespacePath('network', '/dev/null'), { message: 'namespace path "/dev/null" is not a namespace file' });
  // A FIFO would block open(2) forever: it must be refused without opening it.
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  t.throws(() => checkNamespacePath('network', join(dir, 'fifo')), { message: `namespace path "${join(dir, 'fifo')}" is not a namespace file` });
  // A namespace bind-mounted elsewhere is judged by the file, not its name (the root-only
  // integration test bind-mounts some); /proc/thread-self is another path to the same files.
  t.doesNotThrow(() => checkNamespacePath('network', '/proc/thread-self/ns/net'));

  const spec = parseSpec(JSON.stringify({ ...read('runc-default.json'), linux: { namespaces: [{ type: 'mount' }, { type: 'uts', path: '/proc/self/ns/net' }] } }));
  t.throws(() => checkNamespacePaths(spec), { message: 'config.json: /linux/namespaces/1/path: namespace path "/proc/self/ns/net" is a network namespace, not a UTS namespace' });
  t.doesNotThrow(() => checkSemantics({ ...spec, hostname: undefined }, { checkPaths: false }), 'checkPaths: false skips the host check');
});

t.test('sysctl names and their namespaces', async (t) => {
  t.equal(normalizeSysctlName('net.ipv4.ip_forward'), 'net.ipv4.ip_forward');
  t.equal(normalizeSysctlName('net/ipv4/ip_forward'), 'net.ipv4.ip_forward');
  t.equal(normalizeSysctlName('net/ipv4/conf/eth0.100/rp_filter'), 'net.ipv4.conf.eth0/100.rp_filter');
  t.equal(normalizeSysctlName('net.ipv4.conf.eth0/100.rp_filter'), 'net.ipv4.conf.eth0/100.rp_filter');
  const expect: Record<string, string | null> = {
    'net.core.somaxconn': 'network',
    'kernel.shmmax': 'ipc',
    'kernel.shm_next_id': 'ipc',
    'kernel.msgmnb': 'ipc',
    'kernel.sem': 'ipc',
    'fs.mqueue.msg_max': 'ipc',
    'kernel.hostname': 'uts',
    'kernel.domainname': 'uts',
    'user.max_user_namespaces': 'user',
    'kernel.pid_max': null,
    'vm.swappiness': null,
    'fs.file-max': null,
    'network.x': null,
  };
  for (const [name, type] of Object.entries(expect)) t.equal(sysctlNamespace(name), type, name);
});

t.test('network device names (dev_valid_name)', async (t) => {
  for (const ok of ['eth0', 'veth1234567890a', 'container_eth%d']) t.equal(netdevNameProblem(ok), null, ok);
  t.equal(netdevNameProblem(''), 'must not be empty');
  t.equal(netdevNameProblem('.'), 'must not be "." or ".."');
  t.equal(netdevNameProblem('a b'), 'must not contain "/", ":" or whitespace');
  t.equal(netdevNameProblem('eth0:1'), 'must not contain "/", ":" or whitespace');
  t.equal(netdevNameProblem('0123456789abcdef'), 'must be at most 15 bytes');
});

t.test('checkRootDirectory: root.path must be a directory', async (t) => {
  const bundle = t.testdir({ rootfs: {}, file: 'x' });
  const spec = (path: string): Spec => parseSpec(JSON.stringify({ ociVersion: '1.0.0', root: { path } }));
  t.equal(checkRootDirectory(spec('rootfs'), bundle), join(bundle, 'rootfs'), 'relative to the bundle');
  t.equal(checkRootDirectory(spec(join(bundle, 'rootfs')), '/elsewhere'), join(bundle, 'rootfs'), 'absolute as is');
  t.throws(() => checkRootDirectory(spec('missing'), bundle), { message: `config.json: /root/path: "${join(bundle, 'missing')}": no such file or directory` });
  t.throws(() => checkRootDirectory(spec('file'), bundle), { message: `config.json: /root/path: "${join(bundle, 'file')}" is not a directory` });
  t.throws(() => checkRootDirectory(parseSpec('{"ociVersion":"1.0.0"}'), bundle), { message: 'config.json: /root: is required on Linux' });
});
