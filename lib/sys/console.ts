// Terminals, the runtime's side. The C init allocates the pty inside the container and sends the
// master over a console socket (runc's protocol: one message, SCM_RIGHTS, the name as payload).
// A caller with --console-socket (containerd) receives it itself; for a foreground `run` without
// one, tsrc listens on a socket of its own (listenConsole), passes its path as consoleSocket,
// and proxies between its own stdio and the master (proxyConsole), the caller's tty in raw mode.
import { closeSync, mkdtempSync, rmSync, write } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceptRecvFd, listenUnix, pollRead, setWinsize, shutdownSocket } from './native.js';

/** How long to wait for the master by default: containerd's shim waits 30 s too. */
export const CONSOLE_TIMEOUT_MS = 30_000;

export interface ConsoleReceiver {
  /** The listening socket's path: the plan's consoleSocket. */
  readonly path: string;
  /**
   * The pty master fd (close-on-exec; the caller owns it). Rejects with ETIMEDOUT when nothing
   * arrived in time and ECANCELED after close(). Rejections need not be handled.
   */
  readonly master: Promise<number>;
  /** Stops listening and removes the socket (and the directory listenConsole made); idempotent. */
  close(): void;
}

/**
 * Listens on `path` (or, without one, on console.sock in a fresh private directory under the
 * system temp dir) for one console master. The socket is bound before this returns, so the path
 * can go straight into a plan; it is removed once the master arrived or on close().
 */
export function listenConsole(path?: string, timeoutMs = CONSOLE_TIMEOUT_MS): ConsoleReceiver {
  const dir = path === undefined ? mkdtempSync(join(tmpdir(), 'tsrc-console-')) : undefined;
  const sockPath = path ?? join(dir as string, 'console.sock');
  let fd: number;
  try {
    fd = listenUnix(sockPath);
  } catch (e) {
    if (dir) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  let cancelled = false;
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    rmSync(dir ?? sockPath, { recursive: true, force: true });
  };
  // The listening fd is closed only once the worker is done with it.
  const master = acceptRecvFd(fd, timeoutMs).then(
    (r) => {
      closeSync(fd);
      remove();
      if (!cancelled) return r.fd;
      closeSync(r.fd);
      throw cancelledError();
    },
    (e: unknown) => {
      closeSync(fd);
      remove();
      throw e;
    },
  );
  master.catch(() => {}); // a receiver closed early is not an unhandled rejection
  let settled = false;
  void master.finally(() => (settled = true)).catch(() => {});
  return {
    path: sockPath,
    master,
    close() {
      if (cancelled || settled) return;
      cancelled = true;
      remove();
      shutdownSocket(fd); // wakes the worker, which then fails with ECANCELED
    },
  };
}

function cancelledError(): NodeJS.ErrnoException {
  const e = new Error('ECANCELED: operation canceled, accept') as NodeJS.ErrnoException;
  e.code = 'ECANCELED';
  e.syscall = 'accept';
  return e;
}

/** One master from the socket at socketPath, which this binds (synchronously) and removes again. */
export function receiveConsole(socketPath: string, timeoutMs = CONSOLE_TIMEOUT_MS): Promise<number> {
  return listenConsole(socketPath, timeoutMs).master;
}

export interface ConsoleIO {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };
}

export interface ConsoleProxy {
  /**
   * Resolves once the pty has no writer left (every process holding the slave has exited; the
   * kernel then answers EIO) and all of its output was passed on.
   */
  readonly done: Promise<void>;
  /** Restores the caller's terminal, stops reading stdin and closes the master; idempotent. */
  close(): void;
}

/** How often a read of the master gives up waiting, so close() takes effect. */
const READ_POLL_MS = 200;

/**
 * Copies stdin to the master and the master to stdout. A TTY stdin is put in raw mode (keys,
 * ^C included, go to the container's terminal, which does its own echo and signals), and a TTY
 * stdout's size is given to the pty now and on every resize. Takes ownership of master.
 */
export function proxyConsole(master: number, io: ConsoleIO = { stdin: process.stdin, stdout: process.stdout }): ConsoleProxy {
  const { stdin, stdout } = io;
  const raw = stdin.isTTY === true && typeof stdin.setRawMode === 'function';
  if (raw) stdin.setRawMode?.(true);
  const resize = () => {
    if (stdout.rows && stdout.columns) setWinsize(master, stdout.rows, stdout.columns);
  };
  if (stdout.isTTY) {
    resize();
    stdout.on('resize', resize);
  }

  // Both directions go through the thread pool: reads until the master says EIO (libuv's own
  // stream reading would take the slave's hang-up for the end and drop the last output), writes
  // so that a container that does not read its input cannot block the event loop.
  let closed = false;
  let busy = 0; // reads and writes in flight: the fd is closed only when none is
  let fdClosed = false;
  let finish!: () => void;
  const done = new Promise<void>((res) => (finish = res));

  const closeFd = () => {
    if (fdClosed || busy > 0) return;
    fdClosed = true;
    closeSync(master);
  };
  const close = () => {
    if (closed) return;
    closed = true;
    stdin.removeListener('data', onInput);
    stdin.pause();
    if (raw) stdin.setRawMode?.(false);
    if (stdout.isTTY) stdout.removeListener('resize', resize);
    closeFd();
    finish();
  };

  const onInput = (chunk: Buffer | string) => {
    if (closed) return;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    busy++;
    stdin.pause();
    const writeAll = (off: number) =>
      write(master, buf, off, buf.length - off, null, (err, n) => {
        if (!err && off + n < buf.length && !closed) return writeAll(off + n);
        busy--;
        if (closed) closeFd();
        else if (err) close();
        else stdin.resume();
      });
    writeAll(0);
  };
  stdin.on('data', onInput);
  stdin.resume();

  const readLoop = async () => {
    while (!closed) {
      busy++;
      let chunk: Buffer | null;
      try {
        chunk = await pollRead(master, 65536, READ_POLL_MS);
      } catch {
        chunk = Buffer.alloc(0); // EIO: every slave fd is closed and the output is all read
      } finally {
        busy--;
      }
      if (closed) break;
      if (chunk === null) continue;
      if (chunk.length === 0) break;
      if (!stdout.write(chunk)) await new Promise((r) => stdout.once('drain', r));
    }
    // Let stdout take the last chunk before reporting the end.
    await new Promise<void>((r) => stdout.write('', () => r()));
    close();
    closeFd();
  };
  void readLoop();
  return { done, close };
}
