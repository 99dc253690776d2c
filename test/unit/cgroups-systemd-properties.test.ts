// The unit properties tsrc sends to systemd for a container: the fixed ones, and the resources
// systemd can express, with runc's conversions and version gates.
import t from 'tap';
import type { Resources } from '../../lib/spec/types.js';
import { Variant } from '../../lib/cgroups/systemd/dbus/marshal.js';
import { deviceProperties } from '../../lib/cgroups/systemd/devices.js';
import { rangeToBits, resourceProperties, U64_MAX, unitProperties, type Property } from '../../lib/cgroups/systemd/properties.js';
import { parseSystemdCgroupsPath } from '../../lib/cgroups/systemd/unit-name.js';

/** [name, signature, value] triples: easy to read and compare. */
const plain = (props: Property[]): Array<[string, string, unknown]> =>
  props.map(([n, v]) => [n, v.signature, v.value instanceof Buffer ? [...v.value] : v.value]);

t.test('fixed properties of a scope (v2 and v1) and of a slice', async (t) => {
  const scope = parseSystemdCgroupsPath('system.slice:docker:abc', 'x');
  t.same(plain(unitProperties(scope, 4242, 'v2')), [
    ['Description', 's', 'tsrc container abc'],
    ['Slice', 's', 'system.slice'],
    ['Delegate', 'b', true],
    ['PIDs', 'au', [4242]],
    ['MemoryAccounting', 'b', true],
    ['CPUAccounting', 'b', true],
    ['IOAccounting', 'b', true],
    ['TasksAccounting', 'b', true],
    ['DefaultDependencies', 'b', false],
  ]);
  t.same(
    plain(unitProperties(scope, 7, 'v1')).map((p) => p[0]),
    ['Description', 'Slice', 'Delegate', 'PIDs', 'MemoryAccounting', 'CPUAccounting', 'BlockIOAccounting', 'TasksAccounting', 'DefaultDependencies'],
    'v1 accounts block IO under its v1 name',
  );
  const slice = parseSystemdCgroupsPath('machine.slice:x:machine-pod.slice', 'x');
  t.same(plain(unitProperties(slice, 7, 'v2')).slice(0, 3), [
    ['Description', 's', 'tsrc container machine-pod.slice'],
    ['Wants', 'as', ['machine.slice']],
    ['PIDs', 'au', [7]],
  ], 'a slice: Wants= its parent, no Slice=/Delegate=');
});

t.test('rangeToBits: cpuset lists as systemd byte masks (runc RangeToBits table)', async (t) => {
  const ok: Array<[string, number[]]> = [
    ['0', [1]],
    ['1', [2]],
    ['0-1', [3]],
    ['0,1', [3]],
    [',0,1,', [3]],
    ['0-3', [0x0f]],
    ['0,1,2-3', [0x0f]],
    ['4-7', [0xf0]],
    ['0-7', [0xff]],
    ['0-15', [0xff, 0xff]],
    ['16', [0, 0, 1]],
    ['0-3,32-33', [0x0f, 0, 0, 0, 3]],
    ['1, 2, 1-2', [6]],
    ['    , 1   , 3  ,  5-7,\t', [0xea]],
    ['128-130,1', [2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7]],
  ];
  for (const [input, want] of ok) t.same([...rangeToBits(input, 'cpu.cpus')], want, JSON.stringify(input));
  for (const bad of ['', '-', '1-', '-3', '54-53', '1 - 2', 'a']) {
    t.throws(() => rangeToBits(bad, 'cpu.cpus'), { name: 'CgroupError', message: /^linux\.resources\.cpu\.cpus: / }, JSON.stringify(bad));
  }
});

const v2 = { mode: 'v2' as const, version: 252, atStart: true };
const v1 = { mode: 'v1' as const, version: 252, atStart: true };

t.test('v2 resources -> MemoryMax, MemoryLow, MemorySwapMax, CPUWeight, CPU quota, TasksMax, AllowedCPUs', async (t) => {
  const r: Resources = {
    memory: { limit: 64 << 20, reservation: 32 << 20, swap: 128 << 20 },
    cpu: { shares: 1024, quota: 50000, period: 100000, cpus: '0-1', mems: '0' },
    pids: { limit: 32 },
  };
  const got = resourceProperties(r, v2);
  t.same(plain(got.props), [
    ['MemoryMax', 't', 67108864n],
    ['MemoryLow', 't', 33554432n],
    ['MemorySwapMax', 't', 67108864n], // memory+swap 128M - memory 64M
    ['CPUWeight', 't', 100n], // shares 1024 -> weight 100
    ['CPUQuotaPeriodUSec', 't', 100000n],
    ['CPUQuotaPerSecUSec', 't', 500000n],
    ['TasksMax', 't', 32n],
    ['AllowedCPUs', 'ay', [3]],
    ['AllowedMemoryNodes', 'ay', [1]],
  ]);
  t.equal(got.resources, r, 'nothing to adjust: the same resources go to cgroupfs');
  t.same(got.warnings, []);
});

t.test('v1 resources -> MemoryLimit, CPUShares, BlockIOWeight (v1 names)', async (t) => {
  const got = resourceProperties({ memory: { limit: -1 }, cpu: { shares: 512 }, blockIO: { weight: 300 }, pids: { limit: -1 } }, v1);
  t.same(plain(got.props), [
    ['MemoryLimit', 't', U64_MAX],
    ['CPUShares', 't', 512n],
    ['BlockIOWeight', 't', 300n],
    ['TasksMax', 't', U64_MAX],
  ]);
  t.same(plain(resourceProperties({ unified: { 'memory.high': '5' } }, v1).props), [], 'unified keys are not systemd properties on v1');
});

t.test('CPU quota: rounded up to whole percents like systemd, and cgroupfs gets the same value (runc addCPUQuota)', async (t) => {
  const cases: Array<[{ quota?: number; period?: number }, Array<[string, bigint]>, number | undefined]> = [
    [{ quota: 12345, period: 100000 }, [['CPUQuotaPeriodUSec', 100000n], ['CPUQuotaPerSecUSec', 130000n]], 13000],
    [{ quota: 50000 }, [['CPUQuotaPerSecUSec', 500000n]], 50000], // default period 100 ms
    [{ quota: 1000, period: 300000 }, [['CPUQuotaPeriodUSec', 300000n], ['CPUQuotaPerSecUSec', 10000n]], 3000],
    [{ quota: -1 }, [['CPUQuotaPerSecUSec', U64_MAX]], -1], // unlimited = infinity
    [{ period: 50000 }, [['CPUQuotaPeriodUSec', 50000n], ['CPUQuotaPerSecUSec', U64_MAX]], undefined],
  ];
  for (const [cpu, want, quota] of cases) {
    const got = resourceProperties({ cpu }, v2);
    t.same(plain(got.props).map(([n, , v]) => [n, v]), want, JSON.stringify(cpu));
    t.equal(got.resources?.cpu?.quota, quota, `${JSON.stringify(cpu)}: cgroupfs quota`);
  }
  const old = resourceProperties({ cpu: { quota: 20000, period: 50000, cpus: '1' } }, { ...v2, version: 241 });
  t.same(plain(old.props).map((p) => p[0]), ['CPUQuotaPerSecUSec'], 'systemd 241 has neither CPUQuotaPeriodUSec nor AllowedCPUs');
  t.match(old.warnings, [/systemd 241 cannot set CPUQuotaPeriodUSec \(needs 242\)/, /systemd 241 cannot set AllowedCPUs\/AllowedMemoryNodes \(needs 244\)/]);
});

t.test('TasksMax, swap and idle edge cases', async (t) => {
  t.same(plain(resourceProperties({ pids: { limit: 0 } }, v2).props), [['TasksMax', 't', 1n]], 'systemd refuses TasksMax=0: runc asks for 1');
  t.same(plain(resourceProperties({ memory: { limit: 100, swap: 100 } }, v2).props), [['MemoryMax', 't', 100n]], 'swap == limit: no MemorySwapMax (runc skips 0)');
  t.same(plain(resourceProperties({ memory: { limit: 100, swap: -1 } }, v2).props), [['MemoryMax', 't', 100n], ['MemorySwapMax', 't', U64_MAX]]);
  t.throws(() => resourceProperties({ memory: { limit: 100, swap: 50 } }, v2), { message: /^linux\.resources\.memory\.swap: memory\+swap limit 50 must not be below the memory limit 100$/ });
  const idle = resourceProperties({ cpu: { idle: 1, shares: 1024 } }, v2);
  t.same(plain(idle.props), [['CPUWeight', 't', 0n]], 'cpu.idle=1 is CPUWeight=0 (systemd 252+)');
  t.match(idle.warnings, [/cannot take both a CPU weight and cpu.idle/]);
  t.same(plain(resourceProperties({ cpu: { idle: 1 } }, { ...v2, version: 251 }).props), [], 'older systemd: cgroupfs only');
  t.throws(() => resourceProperties({ cpu: { shares: 1.5 } }, v2), { message: /^linux\.resources\.cpu\.shares: must be an integer/ });
  t.throws(() => resourceProperties({ cpu: { cpus: '3-1' } }, v2), { message: /^linux\.resources\.cpu\.cpus: "3-1": range 3-1 goes backwards$/ });
});

t.test('linux.resources.unified on v2 -> the properties runc derives from it', async (t) => {
  const got = resourceProperties(
    {
      unified: {
        'memory.high': '1000000',
        'memory.min': 'max',
        'pids.max': '0',
        'cpu.max': '25000 50000',
        'cpu.weight': '300',
        'cpuset.cpus': '2',
        'memory.oom.group': '1',
        'io.max': '8:0 rbps=1',
      },
    },
    { ...v2, version: 253 },
  );
  t.same(plain(got.props), [
    ['MemoryHigh', 't', 1000000n],
    ['MemoryMin', 't', U64_MAX],
    ['TasksMax', 't', 1n],
    ['CPUQuotaPeriodUSec', 't', 50000n],
    ['CPUQuotaPerSecUSec', 't', 500000n],
    ['CPUWeight', 't', 300n],
    ['AllowedCPUs', 'ay', [4]],
    ['OOMPolicy', 's', 'kill'],
  ]);
  t.same(
    plain(resourceProperties({ unified: { 'memory.oom.group': '1' } }, { ...v2, version: 253, atStart: false }).props),
    [],
    'OOMPolicy only at unit start (systemd refuses it later)',
  );
  t.same(plain(resourceProperties({ unified: { 'memory.oom.group': '0' } }, { ...v2, version: 252 }).props), [], 'OOMPolicy needs systemd 253');
  t.same(plain(resourceProperties({ unified: { 'cpu.idle': '1', 'cpu.weight': '5' } }, v2).props), [['CPUWeight', 't', 0n]]);
  for (const [k, v, re] of [
    ['a/b', '1', /^linux\.resources\.unified: "a\/b" must be a file name/],
    ['nodot', '1', /must be in the form CONTROLLER\.PARAMETER/],
    ['memory.max', 'lots', /^linux\.resources\.unified\["memory\.max"\]: "lots" is not a number or "max"$/],
    ['cpu.max', '1 2 3', /^linux\.resources\.unified\["cpu\.max"\]: "1 2 3" is not "<quota\|max> \[period\]"$/],
  ] as const) {
    t.throws(() => resourceProperties({ unified: { [k]: v } }, v2), { message: re }, `${k}=${v}`);
  }
});

t.test('device rules -> DevicePolicy=strict + DeviceAllow (runc systemdProperties)', async (t) => {
  const warns: string[] = [];
  const rules = [
    { allow: false, access: 'rwm' }, // deny all
    { allow: true, type: 'c', major: null, minor: null, access: 'm' },
    { allow: true, type: 'b', major: null, minor: null, access: 'm' },
    { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
    { allow: true, type: 'c', major: 136, minor: null, access: 'rwm' },
    { allow: true, type: 'c', major: 5, minor: 2, access: 'rw' },
    { allow: true, type: 'c', major: 5, minor: 2, access: 'm' }, // merges with the one above
    { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' },
    { allow: false, type: 'c', major: 10, minor: 200, access: 'w' }, // takes w back
    { allow: true, type: 'b', major: 8, minor: 0, access: 'r' },
  ];
  const got = deviceProperties(rules, 252, (m) => warns.push(m));
  t.same(plain(got), [
    ['DeviceAllow', 'a(ss)', []],
    ['DevicePolicy', 's', 'strict'],
    [
      'DeviceAllow',
      'a(ss)',
      [
        // sorted by major, minor, type (as runc), wildcards (-1) first
        ['block-*', 'm'],
        ['char-*', 'm'],
        ['/dev/char/1:3', 'rwm'],
        ['/dev/char/5:2', 'rwm'],
        ['/dev/block/8:0', 'r'],
        ['/dev/char/10:200', 'rm'],
        ['char-136', 'rwm'],
      ],
    ],
  ]);
  t.same(warns, []);

  // systemd < 240: "major:*" needs the group name from /proc/devices; exact nodes must exist.
  const old = deviceProperties([{ allow: true, type: 'c', major: 136, minor: null, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, { allow: true, type: 'c', major: 99, minor: 9, access: 'r' }], 239, (m) => warns.push(m), {
    procDevices: () => 'Character devices:\n  1 mem\n136 pts\n\nBlock devices:\n  8 sd\n',
    exists: (p) => p === '/dev/char/1:3',
  });
  t.same(plain(old)[2][2], [['/dev/char/1:3', 'rwm'], ['char-pts', 'rwm']]);

  // Allow-all: DevicePolicy=auto with no list; a wildcard-major rule cannot be expressed.
  t.same(plain(deviceProperties([{ allow: true, access: 'rwm' }], 252, () => {})), [['DeviceAllow', 'a(ss)', []], ['DevicePolicy', 's', 'auto']]);
  const w: string[] = [];
  t.same(plain(deviceProperties([{ allow: true, type: 'c', major: null, minor: 5, access: 'r' }], 252, (m) => w.push(m)))[2][2], []);
  t.match(w, [/systemd cannot express "c \*:5 r"/]);
  const w2: string[] = [];
  t.same(plain(deviceProperties([{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'rwm' }], 252, (m) => w2.push(m))), [['DeviceAllow', 'a(ss)', []], ['DevicePolicy', 's', 'strict']]);
  t.match(w2, [/cannot express deny rules on top of allow-all/]);

  t.throws(() => deviceProperties([{ allow: true, type: 'c', major: null, minor: null, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'r' }], 252, () => {}), {
    message: /^linux\.resources\.devices\[1\]: rule "c 1:3 r" would punch a hole in the wider rule "c \*:\* rwm"/,
  });
  t.throws(() => deviceProperties([{ allow: true, type: 'x', access: 'r' }], 252, () => {}), { message: /^linux\.resources\.devices\[0\]\.type: must be "a", "b" or "c"/ });
  t.throws(() => deviceProperties([{ allow: 'yes' as unknown as boolean, access: 'r' }], 252, () => {}), { message: /^linux\.resources\.devices\[0\]\.allow: is required/ });
  t.ok(resourceProperties({ devices: rules }, v2).props[0][1] instanceof Variant, 'resourceProperties puts device properties first, as runc');
});
