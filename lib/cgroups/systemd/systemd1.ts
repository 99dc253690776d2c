// The few org.freedesktop.systemd1.Manager calls the systemd cgroup driver makes, over our own
// D-Bus client: StartTransientUnit / StopUnit and waiting for their jobs (JobRemoved signal),
// ResetFailedUnit, SetUnitProperties and the Version property. Error texts follow runc's.
import { CgroupError } from '../api.js';
import { parseBusAddress, systemBusAddress } from './dbus/address.js';
import { DBusConnection, DBusError } from './dbus/connection.js';
import type { Message } from './dbus/message.js';
import type { Property } from './properties.js';

const DEST = 'org.freedesktop.systemd1';
const PATH = '/org/freedesktop/systemd1';
const MANAGER = 'org.freedesktop.systemd1.Manager';
/** systemd's private socket: a direct connection to PID 1 when there is no bus daemon. */
export const SYSTEMD_PRIVATE_SOCKET = '/run/systemd/private';
/** runc waits 30 s for a unit job. */
export const DEFAULT_JOB_TIMEOUT_MS = 30_000;

export const JOB_REMOVED_MATCH = `type='signal',sender='${DEST}',path='${PATH}',interface='${MANAGER}',member='JobRemoved'`;

export interface SystemdConnectOptions {
  /** D-Bus address of the system bus (default: DBUS_SYSTEM_BUS_ADDRESS, else /run/dbus/system_bus_socket). */
  busAddress?: string;
  /**
   * Direct socket to systemd, tried when the bus cannot be reached and we are root (go-systemd,
   * and so runc, does the same). null: never. Default /run/systemd/private.
   */
  privateSocket?: string | null;
  /** Limit for connecting, each call, and each job. Default 30 s. */
  timeoutMs?: number;
}

export function isDBusError(e: unknown, name: string): boolean {
  return e instanceof DBusError && e.name === name;
}

/** systemd's version number from its Version property ("252.38-1~deb12u1" -> 252), as runc parses it. */
export function parseSystemdVersion(text: string): number {
  const m = /^(\d+)/.exec(text.replace(/^["v]+/, ''));
  if (!m) throw new CgroupError(`systemd: cannot parse its version ${JSON.stringify(text)}`);
  return Number(m[1]);
}

export class Systemd {
  private readonly finished = new Map<string, string>();
  private readonly waiting = new Map<string, (result: string) => void>();
  private versionCache?: number;

  private constructor(
    private readonly conn: DBusConnection,
    readonly timeoutMs: number,
  ) {
    conn.onSignal = (m) => this.signal(m);
  }

  /** Connect to systemd: the system bus, else (as root) its private socket. */
  static async connect(o: SystemdConnectOptions = {}): Promise<Systemd> {
    const timeoutMs = o.timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
    const address = o.busAddress ?? systemBusAddress();
    const failures: string[] = [];
    let sockets;
    try {
      sockets = parseBusAddress(address);
    } catch (e) {
      throw new CgroupError(`failed to connect to dbus: ${(e as Error).message}`);
    }
    for (const s of sockets) {
      try {
        const conn = await DBusConnection.open(s.path, { hello: true, timeoutMs });
        const sd = new Systemd(conn, timeoutMs);
        // Ask the bus for systemd's job signals before starting any job.
        await conn.call({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'AddMatch', signature: 's', body: [JOB_REMOVED_MATCH] });
        return sd;
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
    const priv = o.privateSocket === undefined ? SYSTEMD_PRIVATE_SOCKET : o.privateSocket;
    if (priv && process.geteuid?.() === 0) {
      try {
        // A peer connection: no bus daemon, so no Hello and no match rules; systemd sends its
        // signals to every private connection.
        return new Systemd(await DBusConnection.open(priv, { hello: false, timeoutMs }), timeoutMs);
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
    throw new CgroupError(`failed to connect to dbus (is systemd's D-Bus system bus running?): ${failures.join('; ')}`);
  }

  private signal(m: Message): void {
    if (m.interface !== MANAGER || m.member !== 'JobRemoved' || m.signature !== 'uoss') return;
    const [, job, , result] = m.body as [number, string, string, string];
    const w = this.waiting.get(job);
    if (w) {
      this.waiting.delete(job);
      w(result);
    } else {
      this.finished.set(job, result);
    }
  }

  /** The result ("done", "failed", "canceled", "timeout", "dependency", "skipped") of a job, or undefined on timeout. */
  private waitJob(job: string, timeoutMs: number): Promise<string | undefined> {
    const done = this.finished.get(job);
    if (done !== undefined) {
      this.finished.delete(job);
      return Promise.resolve(done);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(job);
        resolve(undefined);
      }, timeoutMs);
      this.waiting.set(job, (result) => {
        clearTimeout(timer);
        resolve(result);
      });
    });
  }

  private call(member: string, signature: string, body: unknown[]): Promise<Message> {
    return this.conn.call({ destination: DEST, path: PATH, interface: MANAGER, member, signature, body });
  }

  /**
   * StartTransientUnit(name, "replace", properties, []) and wait for its job. A leftover unit of
   * the same name (UnitExists) is reset once and the start retried, as runc does.
   */
  async startTransientUnit(name: string, props: Property[]): Promise<void> {
    let job: string;
    try {
      job = (await this.call('StartTransientUnit', 'ssa(sv)a(sa(sv))', [name, 'replace', props, []])).body[0] as string;
    } catch (e) {
      if (!isDBusError(e, 'org.freedesktop.systemd1.UnitExists')) throw unitError(name, 'start', e);
      await this.resetFailedUnit(name).catch(() => undefined);
      try {
        job = (await this.call('StartTransientUnit', 'ssa(sv)a(sa(sv))', [name, 'replace', props, []])).body[0] as string;
      } catch (e2) {
        throw unitError(name, 'start', e2);
      }
    }
    const result = await this.waitJob(job, this.timeoutMs);
    if (result === 'done') return;
    await this.resetFailedUnit(name).catch(() => undefined);
    if (result === undefined) throw new CgroupError(`Timeout waiting for systemd to create ${name} (no JobRemoved for ${job} within ${this.timeoutMs} ms)`);
    throw new CgroupError(`error creating systemd unit \`${name}\`: got \`${result}\``);
  }

  /**
   * StopUnit(name, "replace"), wait for the job, then ResetFailedUnit. A unit that is already gone
   * is fine. Returns a warning for a job that ended other than "done" (runc logs and continues).
   */
  async stopUnit(name: string): Promise<string | undefined> {
    let warning: string | undefined;
    try {
      const job = (await this.call('StopUnit', 'ss', [name, 'replace'])).body[0] as string;
      const result = await this.waitJob(job, this.timeoutMs);
      if (result === undefined) throw new CgroupError(`Timed out while waiting for systemd to remove ${name}`);
      if (result !== 'done') warning = `error removing unit \`${name}\`: got \`${result}\`. Continuing...`;
    } catch (e) {
      if (!isDBusError(e, 'org.freedesktop.systemd1.NoSuchUnit')) throw e instanceof CgroupError ? e : unitError(name, 'stop', e);
    }
    await this.resetFailedUnit(name).catch(() => undefined);
    return warning;
  }

  async resetFailedUnit(name: string): Promise<void> {
    await this.call('ResetFailedUnit', 's', [name]);
  }

  /** SetUnitProperties(name, runtime, properties): change a running unit's settings. */
  async setUnitProperties(name: string, props: Property[], runtime = true): Promise<void> {
    if (props.length === 0) return;
    try {
      await this.call('SetUnitProperties', 'sba(sv)', [name, runtime, props]);
    } catch (e) {
      throw unitError(name, 'set properties of', e);
    }
  }

  /** systemd's version (Manager.Version), read once per connection. */
  async version(): Promise<number> {
    if (this.versionCache === undefined) {
      const reply = await this.conn.call({
        destination: DEST,
        path: PATH,
        interface: 'org.freedesktop.DBus.Properties',
        member: 'Get',
        signature: 'ss',
        body: [MANAGER, 'Version'],
      });
      const v = reply.body[0] as { signature: string; value: unknown };
      if (!v || v.signature !== 's') throw new CgroupError('systemd: its Version property is not a string');
      this.versionCache = parseSystemdVersion(v.value as string);
    }
    return this.versionCache;
  }

  close(): void {
    this.conn.close();
  }
}

function unitError(name: string, what: string, e: unknown): CgroupError {
  const detail = e instanceof DBusError ? `${e.message} (${e.name})` : (e as Error).message;
  return new CgroupError(`systemd: cannot ${what} unit ${name}: ${detail}`);
}
