// One client connection to a D-Bus server over a unix socket: SASL EXTERNAL authentication (the
// kernel vouches for our uid), then method calls matched to their replies by serial, and signals
// handed to a listener. No unix-fd passing, no method calls served (we are only a client).
import { createConnection, type Socket } from 'node:net';
import { decodeMessage, encodeMessage, messageLength, MSG, type Message } from './message.js';

/** An ERROR reply: `name` is the D-Bus error name (org.freedesktop.systemd1.NoSuchUnit, …). */
export class DBusError extends Error {
  constructor(
    readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

export interface CallRequest {
  destination?: string;
  path: string;
  interface?: string;
  member: string;
  signature?: string;
  body?: unknown[];
}

export interface ConnectOptions {
  /** Send org.freedesktop.DBus.Hello (a message bus needs it; a direct peer like /run/systemd/private does not). */
  hello: boolean;
  /** Limit for connect + authenticate + Hello, and the default for each call. */
  timeoutMs: number;
}

function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const known: Record<string, string> = {
    ENOENT: 'No such file or directory',
    ECONNREFUSED: 'Connection refused',
    EACCES: 'Permission denied',
    ENOTSOCK: 'Socket operation on non-socket',
  };
  return err.code && known[err.code] ? `${known[err.code]} (${err.code})` : err.message;
}

export class DBusConnection {
  private serial = 0;
  private buf: Buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, { resolve(m: Message): void; reject(e: Error): void }>();
  private closedError?: Error;
  /** Our unique bus name (":1.42"), after Hello. */
  uniqueName?: string;
  /** Called for every signal received. */
  onSignal: (m: Message) => void = () => {};

  private constructor(
    private readonly sock: Socket,
    readonly timeoutMs: number,
  ) {}

  /** Connect to a unix socket path (abstract: leading NUL) and authenticate. */
  static async open(path: string, opts: ConnectOptions): Promise<DBusConnection> {
    const shown = path.startsWith('\0') ? `@${path.slice(1)}` : path;
    const sock = createConnection({ path });
    const timer = setTimeout(() => sock.destroy(new Error(`timed out after ${opts.timeoutMs} ms`)), opts.timeoutMs);
    try {
      await new Promise<void>((resolve, reject) => {
        sock.once('connect', resolve);
        sock.once('error', reject);
      });
      const leftover = await authenticate(sock);
      const conn = new DBusConnection(sock, opts.timeoutMs);
      conn.start(leftover);
      if (opts.hello) {
        const reply = await conn.call({ destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'Hello' });
        conn.uniqueName = reply.body[0] as string;
      }
      return conn;
    } catch (e) {
      sock.destroy();
      throw new Error(`${shown}: ${errnoText(e)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  private start(leftover: Buffer): void {
    this.sock.on('data', (chunk: Buffer) => this.receive(chunk));
    this.sock.resume();
    this.sock.on('error', (e) => this.fail(new Error(`D-Bus connection: ${errnoText(e)}`)));
    this.sock.on('close', () => this.fail(new Error('D-Bus connection closed by the server')));
    if (leftover.length) this.receive(leftover);
  }

  private fail(e: Error): void {
    if (this.closedError) return;
    this.closedError = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private receive(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      let m: Message;
      try {
        const n = messageLength(this.buf);
        if (n === undefined || this.buf.length < n) return;
        m = decodeMessage(this.buf.subarray(0, n));
        this.buf = this.buf.subarray(n);
      } catch (e) {
        this.fail(new Error(`D-Bus connection: bad message from the server: ${(e as Error).message}`));
        this.sock.destroy();
        return;
      }
      this.dispatch(m);
    }
  }

  private dispatch(m: Message): void {
    if (m.type === MSG.MethodReturn || m.type === MSG.Error) {
      const p = m.replySerial === undefined ? undefined : this.pending.get(m.replySerial);
      if (!p) return;
      this.pending.delete(m.replySerial!);
      if (m.type === MSG.MethodReturn) p.resolve(m);
      else {
        const text = typeof m.body[0] === 'string' ? (m.body[0] as string) : m.errorName ?? 'error';
        p.reject(new DBusError(m.errorName ?? 'org.freedesktop.DBus.Error.Failed', text));
      }
    } else if (m.type === MSG.Signal) {
      this.onSignal(m);
    }
    // Method calls to us (e.g. Peer.Ping) go unanswered: nothing on a system bus needs them from a
    // short-lived client.
  }

  /** Send a method call; resolves with the reply, rejects with DBusError for an error reply. */
  call(req: CallRequest, timeoutMs = this.timeoutMs): Promise<Message> {
    if (this.closedError) return Promise.reject(this.closedError);
    const serial = ++this.serial;
    const msg: Message = {
      type: MSG.MethodCall,
      flags: 0,
      serial,
      path: req.path,
      interface: req.interface,
      member: req.member,
      destination: req.destination,
      signature: req.signature ?? '',
      body: req.body ?? [],
    };
    const bytes = encodeMessage(msg);
    return new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(serial);
        reject(new Error(`D-Bus: no reply to ${req.interface ?? ''}.${req.member} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(serial, {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.sock.write(bytes);
    });
  }

  close(): void {
    this.fail(new Error('D-Bus connection closed'));
    this.sock.destroy();
  }
}

/**
 * The client side of the SASL exchange: NUL, AUTH EXTERNAL <uid as hex of its decimal text>, OK,
 * BEGIN. Returns any bytes that arrived after the server's OK line (the start of a message).
 */
async function authenticate(sock: Socket): Promise<Buffer> {
  const uid = process.getuid?.() ?? 0;
  const hexUid = Buffer.from(String(uid), 'ascii').toString('hex');
  sock.write(`\0AUTH EXTERNAL ${hexUid}\r\n`);
  let got: Buffer = Buffer.alloc(0);
  const line = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      got = Buffer.concat([got, chunk]);
      const end = got.indexOf('\r\n');
      if (end < 0) {
        if (got.length > 4096) finish(new Error('D-Bus authentication: no line from the server'));
        return;
      }
      const text = got.subarray(0, end).toString('ascii');
      got = got.subarray(end + 2);
      finish(undefined, text);
    };
    const onClose = (): void => finish(new Error('D-Bus authentication: the server closed the connection'));
    const onError = (e: Error): void => finish(e);
    const finish = (e?: Error, text?: string): void => {
      // Hold further data until the connection's own reader is attached.
      sock.pause();
      sock.off('data', onData);
      sock.off('close', onClose);
      sock.off('error', onError);
      if (e) reject(e);
      else resolve(text!);
    };
    sock.on('data', onData);
    sock.on('close', onClose);
    sock.on('error', onError);
  });
  if (!line.startsWith('OK ')) throw new Error(`D-Bus authentication as uid ${uid} was refused: ${line}`);
  sock.write('BEGIN\r\n');
  return got;
}
