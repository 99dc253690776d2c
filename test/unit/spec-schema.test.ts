// The JSON Schemas (schemas/*.schema.json), through the precompiled validators: what they accept,
// the exact pointer and words of each rejection, unknown properties, the state and features
// schemas, and that run time loads no ajv and compiles no schema.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parseSpec } from '../../lib/spec/load.js';
import { PATTERN_WORDS } from '../../lib/spec/schema-errors.js';
import { checkSemantics } from '../../lib/spec/semantic.js';
import { compareSemver, validateFeatures, validateState } from '../../lib/spec/validate-output.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const fixtures = join(root, 'test', 'fixtures', 'configs');
const GOOD = ['runc-default.json', 'runc-rootless.json', 'containerd-base.json', 'docker.json', 'spec-example.json'];

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const read = (name: string): Doc => JSON.parse(readFileSync(join(fixtures, name), 'utf8'));

/** parseSpec's error message for `doc`, or "ok". */
function verdict(doc: unknown): string {
  try {
    parseSpec(JSON.stringify(doc));
    return 'ok';
  } catch (e) {
    return (e as Error).message;
  }
}

t.test('the configs callers write are valid', async (t) => {
  for (const name of GOOD) t.equal(verdict(read(name)), 'ok', name);
});

// Maps whose keys are data (names of sysctls, clocks, devices...), not properties of a struct.
const MAPS = new Set(['annotations', 'sysctl', 'unified', 'rdma', 'timeOffsets', 'netDevices', 'hooks']);

/** Adds an unknown property to every struct object in the document (not to maps' keys). */
function addUnknown(node: unknown, key = ''): number {
  let n = 0;
  if (Array.isArray(node)) {
    for (const v of node) n += addUnknown(v);
  } else if (node && typeof node === 'object') {
    const obj = node as Doc;
    for (const [k, v] of Object.entries(obj)) n += addUnknown(v, MAPS.has(key) ? '' : k);
    if (!MAPS.has(key)) {
      obj['org.example.unknown'] = { nested: [1, 'two', null], flag: true };
      n++;
    }
  }
  return n;
}

t.test('unknown properties are accepted everywhere (config.md Extensibility)', async (t) => {
  for (const name of GOOD) {
    const doc = read(name);
    const added = addUnknown(doc);
    t.ok(added > 10, `${name}: added ${added} unknown properties`);
    t.equal(verdict(doc), 'ok', `${name} with unknown properties`);
    t.same(checkSemantics(parseSpec(JSON.stringify(doc)), { checkPaths: false }), [], `${name}: semantic checks ignore them too`);
  }
  // Unknown hook names and platform sections are unknown properties too.
  const doc = read('runc-default.json');
  doc.hooks = { futureHook: [{ whatever: 1 }], prestart: [] };
  doc.windows = { layerFolders: [] };
  doc.vm = { hypervisor: { path: '/x' } };
  t.equal(verdict(doc), 'ok');
});

type Mutation = [string, (d: Doc) => void, string];

const rejected: Mutation[] = [
  ['ociVersion missing', (d) => delete d.ociVersion, '/ociVersion: is required'],
  ['ociVersion not SemVer', (d) => (d.ociVersion = '1.0'), '/ociVersion: must be a SemVer 2.0.0 version such as "1.0.2" (got "1.0")'],
  ['ociVersion a number', (d) => (d.ociVersion = 1), '/ociVersion: must be a string (got 1)'],
  ['root.path missing', (d) => delete d.root.path, '/root/path: is required'],
  ['root.readonly a string', (d) => (d.root.readonly = 'yes'), '/root/readonly: must be a boolean (got "yes")'],
  ['mount without destination', (d) => delete d.mounts[0].destination, '/mounts/0/destination: is required'],
  ['mount options a string', (d) => (d.mounts[1].options = 'ro'), '/mounts/1/options: must be an array (got "ro")'],
  [
    'mount uidMappings without gidMappings',
    (d) => (d.mounts[0].uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]),
    '/mounts/0/gidMappings: is required when "uidMappings" is set',
  ],
  ['process null', (d) => (d.process = null), '/process: must be an object (got null)'],
  ['process.cwd missing', (d) => delete d.process.cwd, '/process/cwd: is required'],
  ['process.cwd relative', (d) => (d.process.cwd = 'home/user'), '/process/cwd: must be an absolute path (got "home/user")'],
  ['process.user missing', (d) => delete d.process.user, '/process/user: is required'],
  ['process.user.uid missing', (d) => delete d.process.user.uid, '/process/user/uid: is required'],
  ['process.user.uid fractional', (d) => (d.process.user.uid = 1.5), '/process/user/uid: must be an integer (got 1.5)'],
  ['process.user.uid beyond uint32', (d) => (d.process.user.uid = 4294967296), '/process/user/uid: must be at most 4294967295 (got 4294967296)'],
  ['process.user.additionalGids negative', (d) => (d.process.user.additionalGids = [5, -1]), '/process/user/additionalGids/1: must be at least 0 (got -1)'],
  ['rlimit hard negative', (d) => (d.process.rlimits[0].hard = -1), '/process/rlimits/0/hard: must be at least 0 (got -1)'],
  ['rlimit soft beyond uint64', (d) => (d.process.rlimits[0].soft = 2e19), '/process/rlimits/0/soft: must be at most 18446744073709551615 (got 20000000000000000000)'],
  ['rlimit without type', (d) => delete d.process.rlimits[0].type, '/process/rlimits/0/type: is required'],
  ['env not an array', (d) => (d.process.env = 'PATH=/bin'), '/process/env: must be an array (got "PATH=/bin")'],
  ['env entry not a string', (d) => (d.process.env = [1]), '/process/env/0: must be a string (got 1)'],
  ['args entry an object', (d) => (d.process.args = ['sh', {}]), '/process/args/1: must be a string (got an object)'],
  ['consoleSize without width', (d) => (d.process.consoleSize = { height: 10 }), '/process/consoleSize/width: is required'],
  [
    'ioPriority class unknown',
    (d) => (d.process.ioPriority = { class: 'IOPRIO_CLASS_NONE', priority: 1 }),
    '/process/ioPriority/class: must be one of IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE (got "IOPRIO_CLASS_NONE")',
  ],
  ['ioPriority priority 8', (d) => (d.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 8 }), '/process/ioPriority/priority: must be at most 7 (got 8)'],
  [
    'scheduler policy unknown',
    (d) => (d.process.scheduler = { policy: 'SCHED_FAST' }),
    '/process/scheduler/policy: must be one of SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_ISO, SCHED_IDLE, SCHED_DEADLINE (got "SCHED_FAST")',
  ],
  ['capabilities set not an array', (d) => (d.process.capabilities.bounding = 'CAP_KILL'), '/process/capabilities/bounding: must be an array (got "CAP_KILL")'],
  ['noNewPrivileges a string', (d) => (d.process.noNewPrivileges = 'true'), '/process/noNewPrivileges: must be a boolean (got "true")'],
  ['hook path relative', (d) => (d.hooks = { prestart: [{ path: 'bin/hook' }] }), '/hooks/prestart/0/path: must be an absolute path (got "bin/hook")'],
  ['hook without path', (d) => (d.hooks = { createRuntime: [{}] }), '/hooks/createRuntime/0/path: is required'],
  ['hook timeout 0', (d) => (d.hooks = { poststop: [{ path: '/x', timeout: 0 }] }), '/hooks/poststop/0/timeout: must be greater than 0 (got 0)'],
  ['hooks list not an array', (d) => (d.hooks = { poststart: {} }), '/hooks/poststart: must be an array (got an object)'],
  ['annotation with an empty key', (d) => (d.annotations = { '': 'x' }), '/annotations/: property name must not be empty'],
  ['annotation value a number', (d) => (d.annotations = { 'a/b': 1 }), '/annotations/a~1b: must be a string (got 1)'],
  ['hostname a number', (d) => (d.hostname = 5), '/hostname: must be a string (got 5)'],
  ['linux an array', (d) => (d.linux = []), '/linux: must be an object (got an array)'],
  ['namespace without type', (d) => (d.linux.namespaces[0] = {}), '/linux/namespaces/0/type: is required'],
  [
    'namespace type unknown',
    (d) => (d.linux.namespaces[2].type = 'net'),
    '/linux/namespaces/2/type: must be one of pid, network, mount, ipc, uts, user, cgroup, time (got "net")',
  ],
  ['namespace path relative', (d) => (d.linux.namespaces[0].path = 'proc/1/ns/pid'), '/linux/namespaces/0/path: must be an absolute path (got "proc/1/ns/pid")'],
  ['uid mapping without size', (d) => (d.linux.uidMappings = [{ containerID: 0, hostID: 0 }]), '/linux/uidMappings/0/size: is required'],
  ['device without major', (d) => (d.linux.devices = [{ type: 'c', path: '/dev/x', minor: 1 }]), '/linux/devices/0/major: is required'],
  ['device type unknown', (d) => (d.linux.devices = [{ type: 'x', path: '/dev/x' }]), '/linux/devices/0/type: must be one of c, b, u, p (got "x")'],
  ['device path relative', (d) => (d.linux.devices = [{ type: 'p', path: 'dev/fifo' }]), '/linux/devices/0/path: must be an absolute path (got "dev/fifo")'],
  [
    'device cgroup access bad',
    (d) => (d.linux.resources.devices[0].access = 'rwx'),
    '/linux/resources/devices/0/access: must be a combination of "r", "w" and "m" (got "rwx")',
  ],
  ['device cgroup allow missing', (d) => delete d.linux.resources.devices[0].allow, '/linux/resources/devices/0/allow: is required'],
  ['swappiness 101', (d) => (d.linux.resources.memory = { swappiness: 101 }), '/linux/resources/memory/swappiness: must be at most 100 (got 101)'],
  ['memory limit a float', (d) => (d.linux.resources.memory = { limit: 1.5 }), '/linux/resources/memory/limit: must be an integer (got 1.5)'],
  [
    'weightDevice without weights',
    (d) => (d.linux.resources.blockIO = { weightDevice: [{ major: 8, minor: 0 }] }),
    '/linux/resources/blockIO/weightDevice/0: must have "weight" or "leafWeight"',
  ],
  [
    'throttle device without rate',
    (d) => (d.linux.resources.blockIO = { throttleReadBpsDevice: [{ major: 8, minor: 0 }] }),
    '/linux/resources/blockIO/throttleReadBpsDevice/0/rate: is required',
  ],
  [
    'hugepage size without unit',
    (d) => (d.linux.resources.hugepageLimits = [{ pageSize: '2M', limit: 1 }]),
    '/linux/resources/hugepageLimits/0/pageSize: must be a page size such as "64KB", "2MB" or "1GB" (got "2M")',
  ],
  ['rdma entry empty', (d) => (d.linux.resources.rdma = { mlx5_1: {} }), '/linux/resources/rdma/mlx5_1: must have "hcaHandles" or "hcaObjects"'],
  ['cpus not a list', (d) => (d.linux.resources.cpu = { cpus: '0,a' }), '/linux/resources/cpu/cpus: must be a list of numbers and ranges such as "0-3,7" (got "0,a")'],
  ['pids limit a string', (d) => (d.linux.resources.pids = { limit: 'max' }), '/linux/resources/pids/limit: must be an integer (got "max")'],
  [
    'rootfsPropagation unknown',
    (d) => (d.linux.rootfsPropagation = 'recursive'),
    '/linux/rootfsPropagation: must be one of shared, slave, private, unbindable, rshared, rslave, rprivate, runbindable (got "recursive")',
  ],
  ['seccomp without defaultAction', (d) => (d.linux.seccomp = {}), '/linux/seccomp/defaultAction: is required'],
  [
    'seccomp syscall without names',
    (d) => (d.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] }),
    '/linux/seccomp/syscalls/0/names: must not be empty',
  ],
  [
    'seccomp listenerMetadata without listenerPath',
    (d) => (d.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerMetadata: 'x' }),
    '/linux/seccomp/listenerPath: is required when "listenerMetadata" is set',
  ],
  [
    'seccomp operator unknown',
    (d) => (d.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'EQ' }] }] }),
    '/linux/seccomp/syscalls/0/args/0/op: must be one of SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ (got "EQ")',
  ],
  [
    'seccomp flag unknown',
    (d) => (d.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_NEW_LISTENER'] }),
    '/linux/seccomp/flags/0: must be one of SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (got "SECCOMP_FILTER_FLAG_NEW_LISTENER")',
  ],
  ['personality domain unknown', (d) => (d.linux.personality = { domain: 'LINUX64' }), '/linux/personality/domain: must be one of LINUX, LINUX32 (got "LINUX64")'],
  ['intelRdt memBwSchema', (d) => (d.linux.intelRdt = { memBwSchema: 'L3:0=7f' }), '/linux/intelRdt/memBwSchema: must start with "MB:" and be a single line (got "L3:0=7f")'],
  ['masked path relative', (d) => (d.linux.maskedPaths = ['/proc/kcore', 'proc/keys']), '/linux/maskedPaths/1: must be an absolute path (got "proc/keys")'],
  ['sysctl value a number', (d) => (d.linux.sysctl = { 'net.ipv4.ip_forward': 1 }), '/linux/sysctl/net.ipv4.ip_forward: must be a string (got 1)'],
  ['time offset secs a string', (d) => (d.linux.timeOffsets = { monotonic: { secs: '1' } }), '/linux/timeOffsets/monotonic/secs: must be an integer (got "1")'],
  ['memoryPolicy without mode', (d) => (d.linux.memoryPolicy = { nodes: '0' }), '/linux/memoryPolicy/mode: is required'],
  ['netDevice name a number', (d) => (d.linux.netDevices = { eth0: { name: 1 } }), '/linux/netDevices/eth0/name: must be a string (got 1)'],
  ['platform section not an object', (d) => (d.windows = 'yes'), '/windows: must be an object (got "yes")'],
];

t.test('each violation: the exact pointer and rule', async (t) => {
  for (const [what, mutate, expected] of rejected) {
    const doc = read('runc-default.json');
    mutate(doc);
    t.equal(verdict(doc), `config.json: ${expected}`, what);
  }
});

t.test('valid edge values', async (t) => {
  const accepted: Array<[string, (d: Doc) => void]> = [
    ['FIFO device without major/minor', (d) => (d.linux.devices = [{ type: 'p', path: '/dev/fifo' }])],
    ['device cgroup with null major/minor (Go nil pointers)', (d) => (d.linux.resources.devices = [{ allow: true, type: 'c', major: null, minor: null, access: 'rwm' }])],
    ['uint64 maximum as JSON writes it', (d) => (d.process.rlimits[0].hard = 18446744073709551615)],
    ['memory -1 (unlimited)', (d) => (d.linux.resources.memory = { limit: -1, swap: -1 })],
    ['pre-release ociVersion', (d) => (d.ociVersion = '1.1.0-rc.1+build.5')],
    ['empty cpus (unset)', (d) => (d.linux.resources.cpu = { cpus: '' })],
    ['relative mount destination (deprecated, allowed on Linux)', (d) => (d.mounts[0].destination = 'proc')],
    ['relative root path', (d) => (d.root.path = 'rootfs')],
    ['absolute root path', (d) => (d.root.path = '/var/lib/x/merged')],
    ['empty annotations', (d) => (d.annotations = {})],
    ['empty hooks (Docker)', (d) => (d.hooks = {})],
    ['recursive rootfsPropagation (CRI)', (d) => (d.linux.rootfsPropagation = 'rslave')],
  ];
  for (const [what, mutate] of accepted) {
    const doc = read('runc-default.json');
    mutate(doc);
    t.equal(verdict(doc), 'ok', what);
  }
});

t.test('every pattern in the schemas has words', async (t) => {
  const patterns = new Set<string>();
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      for (const [k, v] of Object.entries(n)) {
        if (k === 'pattern' && typeof v === 'string') patterns.add(v);
        walk(v);
      }
    }
  };
  for (const f of readdirSync(join(root, 'schemas'))) walk(JSON.parse(readFileSync(join(root, 'schemas', f), 'utf8')));
  t.ok(patterns.size >= 8, `${patterns.size} patterns`);
  for (const p of patterns) t.ok(PATTERN_WORDS[p], `words for ${p}`);
});

t.test('schemas are draft-07, with ids the build script expects, and write no additionalProperties:false for config', async (t) => {
  for (const f of readdirSync(join(root, 'schemas'))) {
    const s = JSON.parse(readFileSync(join(root, 'schemas', f), 'utf8'));
    t.equal(s.$schema, 'http://json-schema.org/draft-07/schema#', f);
    t.equal(s.$id, `https://tsrc.invalid/schemas/${f}`, f);
    if (f.startsWith('config') || f.startsWith('defs')) t.notMatch(readFileSync(join(root, 'schemas', f), 'utf8'), /"additionalProperties"\s*:\s*false/, `${f} allows unknown properties`);
  }
});

t.test('state: what tsrc state / list print', async (t) => {
  const state = {
    ociVersion: '1.0.2-dev',
    id: 'test',
    pid: 4242,
    status: 'running',
    bundle: '/run/bundle',
    rootfs: '/run/bundle/rootfs',
    created: '2026-11-25T15:12:11.123456789Z',
    owner: '',
    annotations: { 'com.example': 'x' },
  };
  t.same(validateState(state), []);
  t.same(validateState({ ...state, status: 'creating', pid: undefined }), [], 'creating needs no pid');
  t.same(validateState({ ociVersion: '1.0.0', id: 'x', status: 'stopped', pid: 0, bundle: '/b' }), [], 'stopped with pid 0 (runc)');
  t.same(validateState({ ...state, status: 'paused' }), [], 'paused (runc)');
  t.same(validateState({ ...state, extra: { any: 1 } }), [], 'additional properties are allowed');
  t.same(validateState({ ...state, created: '2026-11-25T15:12:11+02:00' }), []);

  t.same(validateState({ ...state, status: 'exited' }), ['/status: must be one of creating, created, running, stopped, paused (got "exited")']);
  t.same(validateState({ ...state, pid: undefined }), ['/pid: is required']);
  t.same(validateState({ ...state, status: 'created', pid: 0 }), ['/pid: must be at least 1 (got 0)']);
  t.same(validateState({ ...state, bundle: 'bundle' }), ['/bundle: must be an absolute path (got "bundle")']);
  t.same(validateState({ ...state, id: 'a/b' }), ['/id: must be a container ID (only A-Z a-z 0-9 _ + - .) (got "a/b")']);
  t.same(validateState({ ...state, created: 'yesterday' }), ['/created: must be an RFC 3339 time such as "2006-01-02T15:04:05Z" (got "yesterday")']);
  t.same(validateState({ id: 'x', status: 'running', pid: 1.5 }).sort(), [
    '/bundle: is required',
    '/ociVersion: is required',
    '/pid: must be an integer (got 1.5)',
  ], 'every problem is listed, once');
  t.same(validateState([]), ['must be an object (got an array)']);
});

t.test('features: what tsrc features prints', async (t) => {
  const runc = read('runc-1.1.5-features.json');
  t.same(validateFeatures(runc), [], 'runc 1.1.5 features output');
  const minimal = { ociVersionMin: '1.0.0', ociVersionMax: '1.3.0' };
  t.same(validateFeatures(minimal), []);
  t.same(validateFeatures({ ...minimal, hooks: null, mountOptions: null, linux: null, annotations: null, potentiallyUnsafeConfigAnnotations: null }), [], 'null means unknown');
  t.same(validateFeatures({ ...minimal, linux: { cgroup: { v1: true, v2: null }, seccomp: null, namespaces: ['pid', 'time'] } }), []);

  t.same(validateFeatures({ ociVersionMin: '1.0.0' }), ['/ociVersionMax: is required']);
  t.same(validateFeatures({ ...minimal, extra: 1 }), ['/extra: is not a property defined by the spec']);
  t.same(validateFeatures({ ...minimal, linux: { cgroup: { v3: true } } }), ['/linux/cgroup/v3: is not a property defined by the spec']);
  t.same(validateFeatures({ ...minimal, hooks: ['prestart', 'preStop'] }), [
    '/hooks/1: must be one of prestart, createRuntime, createContainer, startContainer, poststart, poststop (got "preStop")',
  ]);
  t.same(validateFeatures({ ...minimal, linux: { namespaces: ['net'] } }), [
    '/linux/namespaces/0: must be one of pid, network, mount, ipc, uts, user, cgroup, time (got "net")',
  ]);
  t.same(validateFeatures({ ...minimal, linux: { capabilities: ['KILL'] } }), ['/linux/capabilities/0: must be a capability name such as "CAP_CHOWN" (got "KILL")']);
  t.same(validateFeatures({ ociVersionMin: '1.1.0', ociVersionMax: '1.0.2-dev' }), ['/ociVersionMax: must not be less than ociVersionMin (1.1.0)']);
  t.same(validateFeatures({ ...minimal, linux: { seccomp: { knownFlags: ['SECCOMP_FILTER_FLAG_LOG'], supportedFlags: ['SECCOMP_FILTER_FLAG_TSYNC'] } } }), [
    '/linux/seccomp/supportedFlags/0: SECCOMP_FILTER_FLAG_TSYNC is not in knownFlags',
  ]);
});

t.test('SemVer precedence', async (t) => {
  const ordered = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.2-dev', '1.0.2', '1.3.0', '2.0.0'];
  for (let i = 0; i + 1 < ordered.length; i++) {
    t.ok(compareSemver(ordered[i], ordered[i + 1]) < 0, `${ordered[i]} < ${ordered[i + 1]}`);
    t.ok(compareSemver(ordered[i + 1], ordered[i]) > 0, `${ordered[i + 1]} > ${ordered[i]}`);
  }
  t.equal(compareSemver('1.0.0+a', '1.0.0+b'), 0, 'build metadata does not count');
});

t.test('run time loads no ajv and compiles no schema', async (t) => {
  const generated = join(root, 'lib', 'spec', 'generated');
  for (const f of ['config-validators.js', 'output-validators.js']) {
    const code = readFileSync(join(generated, f), 'utf8');
    t.notMatch(code, /\brequire\s*\(|^\s*import\s|\bimport\s*\(/m, `${f} imports nothing`);
    t.notMatch(code, /new Function|\beval\s*\(/, `${f} builds no code at run time`);
  }

  // The compiled tree, as bin/tsrc runs it; built by `node scripts/build.mjs ts`.
  const dist = join(root, 'dist', 'spec');
  t.ok(existsSync(join(dist, 'generated', 'config-validators.js')), 'dist/spec/generated was written by the build');
  t.ok(existsSync(join(dist, 'load.js')), 'dist/spec was compiled (run `node scripts/build.mjs ts`)');
  if (!existsSync(join(dist, 'load.js'))) return;

  // A child process records every module it resolves while loading and checking a big config.
  const dir = t.testdir({});
  // Without its AppArmor profile, which this host (no AppArmor) refuses (lsm.ts).
  const docker = read('docker.json');
  delete docker.process.apparmorProfile;
  writeFileSync(join(dir, 'config.json'), JSON.stringify(docker));
  const record = join(dir, 'resolved.txt');
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(record)}, r.url + '\\n');
  return r;
}
`,
  );
  const register = join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module'; register(${JSON.stringify('file://' + hooks)});\n`);
  const main = join(dir, 'main.mjs');
  writeFileSync(
    main,
    `const t0 = performance.now();
const { loadSpec } = await import(${JSON.stringify(join(dist, 'load.js'))});
const { checkSemantics, requireProcess } = await import(${JSON.stringify(join(dist, 'semantic.js'))});
const spec = loadSpec(${JSON.stringify(dir)});
checkSemantics(spec);
requireProcess(spec);
console.log(JSON.stringify({ ms: performance.now() - t0, syscalls: spec.linux.seccomp.syscalls.length }));
`,
  );
  const out = execFileSync(process.execPath, ['--import', register, main], { encoding: 'utf8' });
  const result = JSON.parse(out.trim());
  t.equal(result.syscalls, 13, 'the Docker config (with its seccomp profile) loaded and checked');
  t.comment(`load + check of docker.json in a fresh process (with a resolve hook): ${result.ms.toFixed(1)} ms`);
  const resolved = readFileSync(record, 'utf8').trim().split('\n');
  t.ok(resolved.some((u) => u.endsWith('/dist/spec/generated/config-validators.js')), 'the precompiled validators were loaded');
  t.same(resolved.filter((u) => /node_modules|\/ajv\//.test(u)), [], 'nothing from node_modules (no ajv) was loaded');
});
