// Runtime diagnostics. containerd reads the last {"level":"error",...} line of --log, so the json
// format must be exactly {"level","msg","time"} with an RFC3339 time; text mirrors logrus.
import { appendFileSync } from 'node:fs';

export type LogFormat = 'text' | 'json';
export type Level = 'debug' | 'info' | 'warning' | 'error';

export interface LogOptions {
  file?: string;
  format: LogFormat;
  debug: boolean;
}

let opts: LogOptions = { format: 'text', debug: false };

export function configureLog(o: LogOptions): void {
  opts = o;
}

/** RFC3339 with seconds precision and a numeric-or-Z offset, parseable by Go's time.RFC3339. */
export function rfc3339(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function formatLine(level: Level, msg: string, format: LogFormat, d = new Date()): string {
  if (format === 'json') return JSON.stringify({ level, msg, time: rfc3339(d) }) + '\n';
  return `time="${rfc3339(d)}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

function write(level: Level, msg: string): void {
  if (!opts.file) return;
  try {
    appendFileSync(opts.file, formatLine(level, msg, opts.format));
  } catch {
    // A broken log must never turn a success into a failure.
  }
}

export const log = {
  /** --debug: what each step did, to the log, or to stderr without one (as runc). */
  debug(msg: string): void {
    if (!opts.debug) return;
    if (opts.file) write('debug', msg);
    else process.stderr.write(formatLine('debug', msg, opts.format));
  },

  info(msg: string): void {
    write('info', msg);
  },
  /** Warnings go to the log only: on create, stderr is the container's. */
  warn(msg: string): void {
    write('warning', msg);
  },
  /** The final error, as runc reports it: with --log, a log line plus the bare message on stderr; without, a log line on stderr. */
  error(msg: string): void {
    if (opts.file) {
      write('error', msg);
      process.stderr.write(msg + '\n');
    } else {
      process.stderr.write(formatLine('error', msg, opts.format));
    }
  },
};
