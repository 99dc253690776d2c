// The systemd driver's D-Bus side, end to end without systemd: our client (AUTH EXTERNAL, Hello,
// AddMatch, method calls, JobRemoved) against a fake systemd bus on a temp unix socket, plus the
// wire format against bytes made by GLib's independent encoder, and (where installed) the
// reference dbus-daemon accepting our messages.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CgroupManager, CgroupStats } from '../../lib/cgroups/api.js';
import type { CgroupLayout } from '../../lib/cgroups/layout.js';
import { parseBusAddress, systemBusAddress } from '../../lib/cgroups/systemd/dbus/address.js';
import { DBusConnection, DBusError } from '../../lib/cgroups/systemd/dbus/connection.js';
import { Reader, Variant, Writer } from '../../lib/cgroups/systemd/dbus/marshal.js';
import { decodeMessage, encodeMessage, messageLength, MSG, type Message } from '../../lib/cgroups/systemd/dbus/message.js';
import { parseSignature } from '../../lib/cgroups/systemd/dbus/signature.js';
import { createSystemdManager, loadSystemdManager } from '../../lib/cgroups/systemd/manager.js';
import { JOB_REMOVED_MATCH, parseSystemdVersion, Systemd } from '../../lib/cgroups/systemd/systemd1.js';
import type { Resources } from '../../lib/spec/types.js';

const dir = mkdtempSync(join(tmpdir(), 'tsrc-sd-dbus-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const hostRoot = join(dir, 'root');
// A fake host root where systemd "is running" (sd_booted looks for run/systemd/system).
spawnSync('mkdir', ['-p', join(hostRoot, 'run/systemd/system')]);
const v2Layout: CgroupLayout = { mode: 'v2', hybrid: false, v1: new Map(), unified: { mountpoint: '/sys/fs/cgroup', root: '/', own: '/' } };
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// ---------------------------------------------------------------- wire format

t.test('signatures parse into complete types and back', async (t) => {
  t.equal(parseSignature('ssa(sv)a(sa(sv))').length, 4);
  t.same(parseSignature('a{sv}'), [{ kind: 'array', elem: { kind: 'dict', key: { kind: 'basic', code: 's' }, value: { kind: 'variant' } } }]);
  for (const bad of ['a', '(', '()', 'a{vs}', 'a{sss}', 'z', '(s', 'a{s}']) t.throws(() => parseSignature(bad), { message: /invalid D-Bus signature/ }, bad);
});

t.test('Hello, as every client sends it first: exact bytes', async (t) => {
  const m = encodeMessage({ type: MSG.MethodCall, flags: 0, serial: 1, destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'Hello', signature: '', body: [] });
  // GLib's Gio.DBusMessage.new_from_blob decodes it as path, interface, member, destination, no
  // body; note the header's padding to 8 bytes even without a body.
  t.equal(
    m.toString('hex'),
    '6c01000100000000010000006d00000001016f00150000002f6f72672f667265656465736b746f702f4442757300000002017300140000006f72672e667265656465736b746f702e4442757300000000030173000500000048656c6c6f00000006017300140000006f72672e667265656465736b746f702e4442757300000000',
  );
});

t.test("signals and errors made by GLib (both byte orders) decode", async (t) => {
  const le = hex(
    '6c04010145000000630000008b00000007017300040000003a312e310000000001016f00190000002f6f72672f667265656465736b746f702f73797374656d64310000000000000002017300200000006f72672e667265656465736b746f702e73797374656d64312e4d616e6167657200000000000000000801670004756f737300000000000000030173000a0000004a6f6252656d6f766564000000000000070000001f0000002f6f72672f667265656465736b746f702f73797374656d64312f6a6f622f37000d000000747372632d63312e73636f706500000004000000646f6e6500',
  );
  const be = hex(
    '4204010100000045000000630000008b07017300000000043a312e310000000001016f00000000192f6f72672f667265656465736b746f702f73797374656d64310000000000000002017300000000206f72672e667265656465736b746f702e73797374656d64312e4d616e6167657200000000000000000801670004756f737300000000000000030173000000000a4a6f6252656d6f766564000000000000000000070000001f2f6f72672f667265656465736b746f702f73797374656d64312f6a6f622f37000000000d747372632d63312e73636f706500000000000004646f6e6500',
  );
  for (const [name, blob] of [['little', le], ['big', be]] as const) {
    t.equal(messageLength(blob), blob.length, `${name}-endian length from the fixed header`);
    t.match(decodeMessage(blob), {
      type: MSG.Signal,
      serial: 99,
      sender: ':1.1',
      path: '/org/freedesktop/systemd1',
      interface: 'org.freedesktop.systemd1.Manager',
      member: 'JobRemoved',
      signature: 'uoss',
      body: [7, '/org/freedesktop/systemd1/job/7', 'tsrc-c1.scope', 'done'],
    }, `${name}-endian JobRemoved`);
  }
  const err = decodeMessage(
    hex('42030101000000230000000c0000004004017300000000236f72672e667265656465736b746f702e73797374656d64312e4e6f53756368556e69740000000000080167000173000005017500000000030000001e556e697420747372632d63312e73636f7065206e6f74206c6f616465642e00'),
  );
  t.match(err, { type: MSG.Error, replySerial: 3, errorName: 'org.freedesktop.systemd1.NoSuchUnit', body: ['Unit tsrc-c1.scope not loaded.'] });
  t.equal(messageLength(le.subarray(0, 15)), undefined, 'less than the fixed header: wait for more');
  t.throws(() => decodeMessage(le.subarray(0, le.length - 3)), { message: /truncated/ });
});

t.test('every type round-trips, with alignment', async (t) => {
  const sig = 'ybnqiuxtdsogvaia{sv}aya(ss)';
  const values = [
    255, true, -2, 65535, -7, 0xffffffff, -(1n << 62n), (1n << 64n) - 1n, 1.5, 'héllo', '/a/b_1', 'a{sv}',
    new Variant('au', [1, 2]), [3, 4], [['k', new Variant('s', 'v')], ['n', new Variant('t', 5n)]], Buffer.from([1, 2, 3]), [],
  ];
  const w = new Writer();
  w.writeAll(sig, values);
  const back = new Reader(w.finish(), true).readAll(sig);
  t.same(back.slice(0, 12), values.slice(0, 12));
  t.same((back[12] as Variant).signature, 'au');
  t.same((back[12] as Variant).value, [1, 2]);
  t.same(back[13], [3, 4]);
  t.same((back[14] as Array<[string, Variant]>).map(([k, v]) => [k, v.signature, v.value]), [['k', 's', 'v'], ['n', 't', 5n]]);
  t.same([...(back[15] as Buffer)], [1, 2, 3]);
  t.same(back[16], []);
  // An empty array of 8-aligned structs still pads to its first element's alignment.
  const e = new Writer();
  e.writeAll('ya(ss)', [1, []]);
  t.equal(e.finish().toString('hex'), '01000000000000000000000000000000'.slice(0, 16), 'y, pad, u32 length 0, pad to 8');
  for (const [s, v] of [['u', -1], ['y', 256], ['t', -1n], ['o', 'no/slash'], ['s', 'a\0b'], ['b', 1], ['(ss)', ['a']], ['v', 'x']] as const) {
    t.throws(() => new Writer().writeAll(s, [v]), { message: /^D-Bus: / }, `${s} ${String(v)}`);
  }
});

t.test('bus addresses: unix path/abstract entries, escapes, the system bus default', async (t) => {
  t.same(parseBusAddress('unix:path=/run/dbus/system_bus_socket'), [{ path: '/run/dbus/system_bus_socket', address: 'unix:path=/run/dbus/system_bus_socket' }]);
  t.same(parseBusAddress('tcp:host=x,port=1;unix:abstract=/tmp/dbus-1,guid=ab;unix:path=/a%20b').map((s) => s.path), ['\0/tmp/dbus-1', '/a b']);
  t.throws(() => parseBusAddress('tcp:host=x,port=1'), { message: /no unix socket to connect to/ });
  t.throws(() => parseBusAddress('nocolon'), { message: /no transport/ });
  t.throws(() => parseBusAddress('unix:path=/x%zz'), { message: /two hex digits/ });
  t.equal(systemBusAddress({}), 'unix:path=/run/dbus/system_bus_socket');
  t.equal(systemBusAddress({ DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/x' }), 'unix:path=/x');
  t.equal(parseSystemdVersion('252.38-1~deb12u1'), 252);
  t.equal(parseSystemdVersion('"v245.4-1.fc32"'), 245);
  t.throws(() => parseSystemdVersion('x'), { message: /cannot parse its version/ });
});

// ---------------------------------------------------------------- a fake systemd bus

interface FakeOptions {
  /** Result of every job; null: never send JobRemoved. */
  jobResult?: string | null;
  /** Send JobRemoved before the method return (it must still be matched). */
  signalFirst?: boolean;
  /** Answer the first StartTransientUnit with this D-Bus error. */
  startErrorOnce?: string;
  /** Answer StopUnit with this error. */
  stopError?: string;
  /** Reply to AUTH with this line instead of OK. */
  authReply?: string;
  /** A peer (like /run/systemd/private): no bus driver. */
  peer?: boolean;
  version?: string;
}

class FakeSystemd {
  readonly server: Server;
  /** Every method call received, decoded, with its raw bytes. */
  readonly calls: Array<Message & { raw: Buffer }> = [];
  readonly authLines: string[] = [];
  private job = 0;
  private sockets = new Set<Socket>();

  constructor(
    readonly path: string,
    private readonly o: FakeOptions = {},
  ) {
    this.server = createServer((s) => this.serve(s));
  }

  listen(): Promise<void> {
    return new Promise((r) => this.server.listen(this.path, r));
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }

  members(): string[] {
    return this.calls.map((c) => c.member!);
  }

  private serve(s: Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => {});
    let buf: Buffer = Buffer.alloc(0);
    let authed = false;
    s.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (!authed) {
        const end = buf.indexOf('\r\n');
        if (end < 0) return;
        const line = buf.subarray(0, end).toString('latin1');
        buf = buf.subarray(end + 2);
        this.authLines.push(line);
        if (line.startsWith('\0AUTH ')) s.write(this.o.authReply ?? 'OK 0123456789abcdef0123456789abcdef\r\n');
        else if (line === 'BEGIN') authed = true;
      }
      for (;;) {
        const n = messageLength(buf);
        if (n === undefined || buf.length < n) return;
        const raw = Buffer.from(buf.subarray(0, n));
        buf = buf.subarray(n);
        const m = decodeMessage(raw);
        this.calls.push({ ...m, raw });
        this.answer(s, m);
      }
    });
  }

  private serial = 1000;
  private send(s: Socket, m: Omit<Message, 'serial' | 'flags'>): void {
    s.write(encodeMessage({ flags: 1, serial: ++this.serial, sender: this.o.peer ? undefined : ':1.1', ...m }));
  }
  private reply(s: Socket, call: Message, signature = '', body: unknown[] = []): void {
    this.send(s, { type: MSG.MethodReturn, replySerial: call.serial, signature, body });
  }
  private error(s: Socket, call: Message, name: string, text: string): void {
    this.send(s, { type: MSG.Error, replySerial: call.serial, errorName: name, signature: 's', body: [text] });
  }
  private startJob(s: Socket, call: Message, unit: string): void {
    const job = `/org/freedesktop/systemd1/job/${++this.job}`;
    const signal = (): void => {
      if (this.o.jobResult === null) return;
      this.send(s, { type: MSG.Signal, path: '/org/freedesktop/systemd1', interface: 'org.freedesktop.systemd1.Manager', member: 'JobRemoved', signature: 'uoss', body: [this.job, job, unit, this.o.jobResult ?? 'done'] });
    };
    if (this.o.signalFirst) signal();
    this.reply(s, call, 'o', [job]);
    if (!this.o.signalFirst) signal();
  }

  private answer(s: Socket, m: Message): void {
    if (m.destination === 'org.freedesktop.DBus' && !this.o.peer) {
      if (m.member === 'Hello') return this.reply(s, m, 's', [':1.42']);
      if (m.member === 'AddMatch') return this.reply(s, m);
    }
    if (m.interface === 'org.freedesktop.DBus.Properties' && m.member === 'Get') return this.reply(s, m, 'v', [new Variant('s', this.o.version ?? '252.38-1~deb12u1')]);
    if (m.interface !== 'org.freedesktop.systemd1.Manager') return this.error(s, m, 'org.freedesktop.DBus.Error.UnknownMethod', `Unknown method ${m.member}`);
    const unit = m.body[0] as string;
    switch (m.member) {
      case 'StartTransientUnit':
        if (this.o.startErrorOnce) {
          const e = this.o.startErrorOnce;
          this.o.startErrorOnce = undefined;
          return this.error(s, m, e, `Unit ${unit} already exists.`);
        }
        return this.startJob(s, m, unit);
      case 'StopUnit':
        if (this.o.stopError) return this.error(s, m, this.o.stopError, `Unit ${unit} not loaded.`);
        return this.startJob(s, m, unit);
      case 'ResetFailedUnit':
        return this.error(s, m, 'org.freedesktop.systemd1.NoSuchUnit', `Unit ${unit} not loaded.`);
      case 'SetUnitProperties':
        return this.reply(s, m);
    }
    this.error(s, m, 'org.freedesktop.DBus.Error.UnknownMethod', `Unknown method ${m.member}`);
  }
}

let nextSock = 0;
async function fake(t: Tap.Test, o: FakeOptions = {}): Promise<FakeSystemd> {
  const f = new FakeSystemd(join(dir, `bus-${nextSock++}`), o);
  await f.listen();
  t.teardown(() => f.close());
  return f;
}

/** A cgroupfs manager that records what the systemd manager asks of it. */
function recordingFs(mode: 'v1' | 'v2' = 'v2'): CgroupManager & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    mode,
    paths: { '': '/sys/fs/cgroup/system.slice/tsrc-c1.scope' },
    created: [],
    warnings: [],
    create: () => void log.push('create'),
    apply: (r) => void log.push(`apply ${JSON.stringify(r)}`),
    join: (pid) => void log.push(`join ${pid}`),
    destroy: () => void log.push('destroy'),
    pids: () => [],
    exists: () => true,
    freeze: () => void log.push('freeze'),
    thaw: () => void log.push('thaw'),
    isFrozen: () => false,
    stats: () => ({}) as CgroupStats,
    killAll: () => {},
  };
}

const RESOURCES: Resources = {
  memory: { limit: 64 << 20 },
  cpu: { shares: 1024, quota: 50000, period: 100000, cpus: '0-1' },
  pids: { limit: 32 },
};

// StartTransientUnit("tsrc-c1.scope", "replace", <props for RESOURCES on v2, pid 1234>, []) as the
// 4th message of a connection. Its body is byte-for-byte what GLib's encoder makes for the same
// values (checked with Gio.DBusMessage.new_from_blob + to_blob); GLib decodes the whole message to:
// ('tsrc-c1.scope', 'replace', [('Description', <'tsrc container c1'>), ('Slice', <'system.slice'>),
//  ('Delegate', <true>), ('PIDs', <[uint32 1234]>), ('MemoryAccounting', <true>), ('CPUAccounting',
//  <true>), ('IOAccounting', <true>), ('TasksAccounting', <true>), ('DefaultDependencies', <false>),
//  ('MemoryMax', <uint64 67108864>), ('CPUWeight', <uint64 100>), ('CPUQuotaPeriodUSec', <uint64 100000>),
//  ('CPUQuotaPerSecUSec', <uint64 500000>), ('TasksMax', <uint64 32>), ('AllowedCPUs', <[byte 0x03]>)], @a(sa(sv)) [])
const START_HEX = [
  '6c0100011002000004000000b600000001016f00190000002f6f72672f667265656465736b746f702f73797374656d6431000000000000000201730020000000',
  '6f72672e667265656465736b746f702e73797374656d64312e4d616e616765720000000000000000030173001200000053746172745472616e7369656e74556e',
  '697400000000000006017300180000006f72672e667265656465736b746f702e73797374656d6431000000000000000008016700107373612873762961287361',
  '28737629290000000d000000747372632d63312e73636f7065000000070000007265706c61636500e1010000000000000b0000004465736372697074696f6e00',
  '01730000110000007473726320636f6e7461696e65722063310000000000000005000000536c696365000173000000000c00000073797374656d2e736c696365',
  '00000000000000000800000044656c65676174650001620001000000000000000400000050494473000261750000000004000000d2040000100000004d656d6f',
  '72794163636f756e74696e670001620001000000000000000d0000004350554163636f756e74696e670001620000000001000000000000000c000000494f4163',
  '636f756e74696e6700016200010000000f0000005461736b734163636f756e74696e67000162000001000000000000001300000044656661756c74446570656e',
  '64656e63696573000162000000000000090000004d656d6f72794d61780001740000000000000000000000040000000009000000435055576569676874000174',
  '000000000000000064000000000000001200000043505551756f7461506572696f645553656300017400000000000000a0860100000000001200000043505551',
  '756f7461506572536563555365630001740000000000000020a1070000000000080000005461736b734d61780001740020000000000000000b000000416c6c6f',
  '776564435055730002617900010000000300000000000000',
].join('');

t.test('start(pid): AUTH EXTERNAL, Hello, AddMatch, Version, StartTransientUnit (exact bytes), JobRemoved; then cgroupfs', async (t) => {
  const f = await fake(t);
  const fs = recordingFs();
  const m = createSystemdManager({ id: 'c1', hostRoot, layout: v2Layout, busAddress: `unix:path=${f.path}`, privateSocket: null, timeoutMs: 2000, fs });
  m.create();
  m.apply(RESOURCES);
  t.same(fs.log, [], 'nothing happens before start: systemd makes the cgroup');
  await m.start(1234);
  const uidHex = Buffer.from(String(process.getuid!())).toString('hex');
  t.same(f.authLines, [`\0AUTH EXTERNAL ${uidHex}`, 'BEGIN'], 'SASL EXTERNAL with our uid in hex');
  t.same(f.members(), ['Hello', 'AddMatch', 'Get', 'StartTransientUnit']);
  t.same(f.calls[1].body, [JOB_REMOVED_MATCH], 'subscribes to JobRemoved before starting the job');
  t.equal(JOB_REMOVED_MATCH, "type='signal',sender='org.freedesktop.systemd1',path='/org/freedesktop/systemd1',interface='org.freedesktop.systemd1.Manager',member='JobRemoved'");
  t.same(f.calls[2].body, ['org.freedesktop.systemd1.Manager', 'Version']);
  const start = f.calls[3];
  t.match(start, { destination: 'org.freedesktop.systemd1', path: '/org/freedesktop/systemd1', interface: 'org.freedesktop.systemd1.Manager', signature: 'ssa(sv)a(sa(sv))' });
  t.equal(start.raw.toString('hex'), START_HEX, 'StartTransientUnit bytes');
  t.same(fs.log, ['create', 'join 1234', `apply ${JSON.stringify(RESOURCES)}`], 'after the unit: cgroupfs create, join, every limit');
  t.same(m.warnings, []);

  fs.log.length = 0;
  await m.update({ pids: { limit: 5 }, memory: { limit: -1 } });
  const set = f.calls.at(-1)!;
  t.equal(set.member, 'SetUnitProperties');
  t.same([set.body[0], set.body[1]], ['tsrc-c1.scope', true], 'runtime properties');
  t.same((set.body[2] as Array<[string, Variant]>).map(([k, v]) => [k, v.signature, v.value]), [
    ['MemoryMax', 't', (1n << 64n) - 1n],
    ['MemorySwapMax', 't', (1n << 64n) - 1n], // limit -1 alone lifts swap too (runc's ConvertMemorySwapToCgroupV2Value)
    ['TasksMax', 't', 5n],
  ]);
  t.same(fs.log, ['apply {"pids":{"limit":5},"memory":{"limit":-1}}']);

  fs.log.length = 0;
  const before = f.calls.length;
  await m.stop();
  t.same(f.calls.slice(before).map((c) => c.member), ['Hello', 'AddMatch', 'StopUnit', 'ResetFailedUnit']);
  t.same(f.calls.at(-2)!.body, ['tsrc-c1.scope', 'replace']);
  t.same(fs.log, ['destroy'], 'then the cgroupfs leftovers');
});

t.test('device rules: systemd enforces them on v2 (no cgroupfs rules there); v1 writes both, as runc', async (t) => {
  const devices = [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }];
  for (const mode of ['v2', 'v1'] as const) {
    const f = await fake(t);
    const fs = recordingFs(mode);
    const layout: CgroupLayout = mode === 'v2' ? v2Layout : { mode: 'v1', hybrid: false, v1: new Map([['devices', { mountpoint: '/sys/fs/cgroup/devices', root: '/', own: '/' }]]) };
    const m = createSystemdManager({ id: 'c1', hostRoot, layout, busAddress: `unix:path=${f.path}`, privateSocket: null, timeoutMs: 2000, fs });
    m.apply({ devices, pids: { limit: 3 } });
    await m.start(5);
    const props = (f.calls.find((c) => c.member === 'StartTransientUnit')!.body[2] as Array<[string, Variant]>).map(([k, v]) => [k, v.value]);
    t.same(props.filter(([k]) => k.startsWith('Device')), [['DeviceAllow', []], ['DevicePolicy', 'strict'], ['DeviceAllow', [['/dev/char/1:3', 'rwm']]]], `${mode}: DevicePolicy/DeviceAllow sent`);
    t.same(fs.log[2], `apply ${JSON.stringify(mode === 'v2' ? { pids: { limit: 3 } } : { devices, pids: { limit: 3 } })}`, `${mode}: what cgroupfs writes`);
  }
});

t.test('JobRemoved that arrives before the method return is still matched', async (t) => {
  const f = await fake(t, { signalFirst: true });
  const fs = recordingFs();
  const m = createSystemdManager({ id: 'c1', hostRoot, layout: v2Layout, busAddress: `unix:path=${f.path}`, privateSocket: null, timeoutMs: 2000, fs });
  await m.start(9);
  t.same(fs.log.slice(0, 2), ['create', 'join 9']);
});

t.test('no JobRemoved: times out with runc\'s text, resets the unit, touches no cgroupfs', async (t) => {
  const f = await fake(t, { jobResult: null });
  const fs = recordingFs();
  const m = createSystemdManager({ id: 'c1', hostRoot, layout: v2Layout, busAddress: `unix:path=${f.path}`, privateSocket: null, timeoutMs: 300, fs });
  const t0 = Date.now();
  await t.rejects(m.start(5), { name: 'CgroupError', message: /^Timeout waiting for systemd to create tsrc-c1\.scope \(no JobRemoved for \/org\/freedesktop\/systemd1\/job\/1 within 300 ms\)$/ });
  t.ok(Date.now() - t0 >= 290, 'waited for the timeout');
  t.equal(f.members().at(-1), 'ResetFailedUnit');
  t.same(fs.log, []);
});

t.test('a failed job: runc\'s "error creating systemd unit" text', async (t) => {
  const f = await fake(t, { jobResult: 'failed' });
  const m = createSystemdManager({ id: 'c1', hostRoot, layout: v2Layout, busAddress: `unix:path=${f.path}`, privateSocket: null, timeoutMs: 2000, fs: recordingFs() });
  await t.rejects(m.start(5), { message: 'error creating systemd unit `tsrc-c1.scope`: got `failed`' });
});

t.test('UnitExists: reset the leftover unit once and retry (as runc)', async (t) => {
  const f = await fake(t, { startErrorOnce: 'org.freedesktop.systemd1.UnitExists' });
  const fs = recordingFs();
  const m = createSystemdManager({ id: 'c1', hostRoot, layout: v2Layout, busAddress: `unix:path=${f.path}`, privateSocket: null, timeoutMs: 2000, fs });
  await m.start(5);
  t.same(f.members().slice(3), ['StartTransientUnit', 'ResetFailedUnit', 'StartTransientUnit']);
  t.same(fs.log.slice(0, 1), ['create']);
  const other = await fake(t, { startErrorOnce: 'org.freedesktop.DBus.Error.AccessDenied' });
  const m2 = createSystemdManager({ id: 'c1', hostRoot, layout: v2Layout, busAddress: `unix:path=${other.path}`, privateSocket: null, timeoutMs: 2000, fs: recordingFs() });
  await t.rejects(m2.start(5), { message: 'systemd: cannot start unit tsrc-c1.scope: Unit tsrc-c1.scope already exists. (org.freedesktop.DBus.Error.AccessDenied)' });
});

t.test('stop(): a unit that is already gone is fine; a saved manager stops by name', async (t) => {
  const f = await fake(t, { stopError: 'org.freedesktop.systemd1.NoSuchUnit' });
  const fs = recordingFs();
  const m = loadSystemdManager({ unit: 'tsrc-c1.scope' }, fs, { busAddress: `unix:path=${f.path}`, privateSocket: null, timeoutMs: 2000 });
  await m.stop();
  t.same(f.members().slice(2), ['StopUnit', 'ResetFailedUnit']);
  t.same(fs.log, ['destroy']);
  await t.rejects(m.start(1), { message: /loaded from state; it cannot be started again/ });
});

t.test('no system bus: a clear one-line error naming the socket; cgroupfs still cleaned on stop', async (t) => {
  const missing = join(dir, 'no-such-bus');
  const m = createSystemdManager({ id: 'c1', hostRoot, layout: v2Layout, busAddress: `unix:path=${missing}`, privateSocket: join(dir, 'no-private'), timeoutMs: 1000, fs: recordingFs() });
  const tried = process.geteuid!() === 0 ? `; ${join(dir, 'no-private')}: No such file or directory (ENOENT)` : '';
  const want = `failed to connect to dbus (is systemd's D-Bus system bus running?): ${missing}: No such file or directory (ENOENT)${tried}`;
  await t.rejects(m.start(1), { name: 'CgroupError', message: want }, process.geteuid!() === 0 ? 'root also tries /run/systemd/private' : 'only root tries the private socket');
  const fs = recordingFs();
  const loaded = loadSystemdManager({ unit: 'tsrc-c1.scope' }, fs, { busAddress: `unix:path=${missing}`, privateSocket: null, timeoutMs: 1000 });
  await t.rejects(loaded.stop(), { message: /^failed to connect to dbus/ });
  t.same(fs.log, ['destroy'], 'cgroupfs directories are removed even when systemd cannot be reached (as runc)');
  const notSocket = join(dir, 'plain-file');
  writeFileSync(notSocket, '');
  await t.rejects(Systemd.connect({ busAddress: `unix:path=${notSocket}`, privateSocket: null, timeoutMs: 1000 }), { message: /plain-file: Connection refused \(ECONNREFUSED\)$/ });
});

t.test('as root, an unreachable bus falls back to systemd\'s private socket (no Hello, no AddMatch)', { skip: process.geteuid!() !== 0 ? 'only root tries /run/systemd/private' : false }, async (t) => {
  const f = await fake(t, { peer: true });
  const fs = recordingFs();
  const m = createSystemdManager({ id: 'c1', hostRoot, layout: v2Layout, busAddress: `unix:path=${join(dir, 'none')}`, privateSocket: f.path, timeoutMs: 2000, fs });
  await m.start(77);
  t.same(f.members(), ['Get', 'StartTransientUnit']);
  t.same(fs.log.slice(0, 2), ['create', 'join 77']);
});

t.test('authentication refused, or the server hangs up: clear errors', async (t) => {
  const f = await fake(t, { authReply: 'REJECTED EXTERNAL\r\n' });
  await t.rejects(Systemd.connect({ busAddress: `unix:path=${f.path}`, privateSocket: null, timeoutMs: 1000 }), {
    message: new RegExp(`${f.path}: D-Bus authentication as uid \\d+ was refused: REJECTED EXTERNAL$`),
  });
  // A server that accepts the connection and says nothing: the connect timeout.
  const silent = createServer((s) => s.on('error', () => {}));
  const path = join(dir, 'silent');
  await new Promise<void>((r) => silent.listen(path, r));
  t.teardown(() => new Promise<void>((r) => silent.close(() => r())));
  const sockets: Socket[] = [];
  silent.on('connection', (s) => sockets.push(s));
  await t.rejects(DBusConnection.open(path, { hello: true, timeoutMs: 200 }), { message: `${path}: timed out after 200 ms` });
  for (const s of sockets) s.destroy();
});

t.test('DBusConnection: error replies are DBusError with the D-Bus name', async (t) => {
  const f = await fake(t);
  const c = await DBusConnection.open(f.path, { hello: true, timeoutMs: 1000 });
  t.equal(c.uniqueName, ':1.42');
  const e = await c.call({ destination: 'org.freedesktop.systemd1', path: '/x', interface: 'org.example.Nope', member: 'Nope' }).catch((x) => x);
  t.ok(e instanceof DBusError);
  t.equal(e.name, 'org.freedesktop.DBus.Error.UnknownMethod');
  t.equal(e.message, 'Unknown method Nope');
  c.close();
  await t.rejects(c.call({ path: '/', member: 'X' }), { message: 'D-Bus connection closed' });
});

// ---------------------------------------------------------------- the reference bus daemon

const daemon = spawnSync('sh', ['-c', 'command -v dbus-daemon'], { encoding: 'utf8' }).stdout.trim();
t.test('the reference dbus-daemon accepts our authentication and messages', { skip: daemon ? false : 'dbus-daemon is not installed (Debian package dbus-daemon)' }, async (t) => {
  const sock = join(dir, 'ref-bus');
  const conf = join(dir, 'ref-bus.conf');
  writeFileSync(
    conf,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>custom</type><listen>unix:path=${sock}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/><allow user="*"/></policy></busconfig>`,
  );
  const d = spawn(daemon, [`--config-file=${conf}`, '--nofork', '--nopidfile'], { stdio: 'ignore' });
  t.teardown(() => {
    d.kill('SIGTERM');
  });
  for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
  const sd = await Systemd.connect({ busAddress: `unix:path=${sock}`, privateSocket: null, timeoutMs: 3000 });
  // The daemon validates every message before routing it: a malformed one would get us
  // disconnected; a well-formed one to a name nobody owns gets ServiceUnknown.
  const { unitProperties, resourceProperties } = await import('../../lib/cgroups/systemd/properties.js');
  const { parseSystemdCgroupsPath } = await import('../../lib/cgroups/systemd/unit-name.js');
  const props = [
    ...unitProperties(parseSystemdCgroupsPath(undefined, 'c1'), 1234, 'v2'),
    ...resourceProperties({ ...RESOURCES, devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }], unified: { 'memory.high': '1000' } }, { mode: 'v2', version: 253, atStart: true }).props,
  ];
  await t.rejects(sd.startTransientUnit('tsrc-c1.scope', props), { message: /^systemd: cannot start unit tsrc-c1\.scope: .*\(org\.freedesktop\.DBus\.Error\.ServiceUnknown\)$/ });
  await t.rejects(sd.version(), { name: 'org.freedesktop.DBus.Error.ServiceUnknown' });
  sd.close();
});
