// Small helpers shared by the benchmark modules: synchronous sleep, statistics, text trimming.
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread; the benchmark is a sequence of synchronous process runs anyway. */
export function sleepMs(ms) {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** Lets pending signal handlers run between synchronous steps. */
export function tick() {
  return new Promise((resolve) => setImmediate(resolve));
}

export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Rotates `xs` by `i`, so each runtime takes every position in turn across iterations. */
export function rotate(xs, i) {
  if (xs.length === 0) return xs;
  const k = i % xs.length;
  return [...xs.slice(k), ...xs.slice(0, k)];
}

/** The absolute path of `cmd` on PATH, or null. */
export function which(cmd) {
  if (cmd.includes('/')) return cmd;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* keep looking */
    }
  }
  return null;
}

/** The most telling line of a runtime's stderr: the last non-empty one, logfmt/JSON unwrapped. */
export function errorLine(text) {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length === 0) return '';
  // Prefer an explicit error line over trailing noise such as usage text or stack frames.
  const picked = lines.find((l) => /level=error|"level":"error"|^error|Error:/i.test(l)) ?? lines[lines.length - 1];
  let msg = picked;
  try {
    const j = JSON.parse(picked);
    if (typeof j.msg === 'string') msg = j.msg;
  } catch {
    const m = /msg="((?:[^"\\]|\\.)*)"/.exec(picked);
    if (m) msg = m[1].replace(/\\"/g, '"');
  }
  return msg.length > 160 ? `${msg.slice(0, 157)}...` : msg;
}

/** VmRSS of a live process in KiB, or null when it is gone. */
export function vmRssKiB(pid) {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** True when `pid` has exited (gone or a zombie awaiting its reaper). */
export function processGone(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}
