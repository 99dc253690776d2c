// Runs commands through the compiled measure.c helper: wall time and wait4 peak RSS per call.
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorLine } from './util.mjs';

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), '..', 'measure.c');

export class Measurer {
  /** Compiles the helper into `tmp`; throws with the compiler's message if that fails. */
  constructor(tmp) {
    this.bin = join(tmp, 'measure');
    this.stderrPath = join(tmp, 'last-stderr');
    this.stdoutPath = join(tmp, 'last-stdout');
    const cc = spawnSync('cc', ['-O2', '-o', this.bin, SOURCE], { encoding: 'utf8' });
    if (cc.error || cc.status !== 0) {
      throw new Error(`cannot compile bench/measure.c (need a C compiler: apt-get install gcc): ${cc.error?.message ?? cc.stderr.trim()}`);
    }
  }

  /**
   * Runs argv (n copies at once when n > 1, "{}" in an argument becomes the copy index).
   * stdin and stdout are /dev/null unless `captureStdout`; stderr goes to a file, not a pipe, because
   * a created container's init inherits it and would otherwise hold a pipe open.
   * `env` replaces the environment (default: this process's).
   * Returns { ms, maxRssKiB, ok, failed, error, stdout }.
   */
  run(argv, { n = 1, timeoutS = 60, captureStdout = false, env = process.env } = {}) {
    const err = openSync(this.stderrPath, 'w');
    const out = captureStdout ? openSync(this.stdoutPath, 'w') : 'ignore';
    let r;
    try {
      r = spawnSync(this.bin, ['-n', String(n), '-t', String(timeoutS), '--', ...argv], {
        stdio: ['ignore', out, err, 'pipe'],
        encoding: 'utf8',
        env,
        timeout: (timeoutS + 30) * 1000,
      });
    } finally {
      closeSync(err);
      if (captureStdout) closeSync(out);
    }
    const stderr = readFileSync(this.stderrPath, 'utf8');
    const stdout = captureStdout ? readFileSync(this.stdoutPath, 'utf8') : '';
    const line = (r.output?.[3] ?? '').trim();
    const m = /^(\d+) (\d+) (\d+) (\S+)$/.exec(line);
    if (r.error || !m) {
      return { ms: NaN, maxRssKiB: NaN, ok: false, failed: n, error: `measure helper failed: ${r.error?.message ?? (line || stderr.trim())}`, stdout };
    }
    const failed = Number(m[3]);
    const what = m[4];
    let error = '';
    if (failed > 0) {
      const msg = errorLine(stderr);
      const how = what === 'timeout' ? `timed out after ${timeoutS}s` : what.replace(':', ' ');
      error = n > 1 ? `${failed}/${n} failed (${how})${msg ? `: ${msg}` : ''}` : msg ? `${msg} (${how})` : how;
    }
    return { ms: Number(m[1]) / 1e6, maxRssKiB: Number(m[2]), ok: failed === 0, failed, error, stdout };
  }
}
