// Hooks that run in the runtime namespace (prestart, createRuntime, poststart, poststop): the
// hook gets the container state on stdin; a non-zero exit or a timeout is a failure.
import { spawn } from 'node:child_process';
import type { Hook } from '../plan/types.js';
import { TsrcError } from '../util/errors.js';
import { log } from '../util/log.js';

function envPair(kv: string): [string, string] {
  const i = kv.indexOf('=');
  return i < 0 ? [kv, ''] : [kv.slice(0, i), kv.slice(i + 1)];
}

export async function runHook(kind: string, index: number, hook: Hook, state: string): Promise<void> {
  const child = spawn(hook.path, hook.args.slice(1), {
    argv0: hook.args[0] ?? hook.path,
    env: Object.fromEntries(hook.env.map(envPair)),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  child.stdin.on('error', () => {}); // a hook may exit without reading its stdin
  child.stdin.end(state);
  const what = `${kind} hook #${index} (${hook.path})`;
  const result = await new Promise<{ code: number | null; signal: string | null; timedOut: boolean; err?: Error }>((done) => {
    let timedOut = false;
    const timer =
      hook.timeout > 0
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, hook.timeout * 1000)
        : undefined;
    child.on('error', (err) => {
      clearTimeout(timer);
      done({ code: null, signal: null, timedOut, err });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, timedOut });
    });
  });
  const tail = output.trim() ? `: ${output.trim().split('\n').slice(-3).join(' | ')}` : '';
  if (result.err) throw new TsrcError(`${what}: ${result.err.message}`);
  if (result.timedOut) throw new TsrcError(`${what}: timed out after ${hook.timeout}s`);
  if (result.code !== 0) throw new TsrcError(`${what}: ${result.signal ? `killed by ${result.signal}` : `exit status ${result.code}`}${tail}`);
  log.debug(`${what}: exit status 0`);
}

export async function runHooks(kind: string, hooks: readonly Hook[], state: string): Promise<void> {
  for (const [i, h] of hooks.entries()) await runHook(kind, i, h, state);
}

/** poststart and poststop: runtime.md says a failure is logged as a warning and the remaining hooks still run. */
export async function runHooksWarnOnFailure(kind: string, hooks: readonly Hook[], state: string): Promise<void> {
  for (const [i, h] of hooks.entries()) {
    try {
      await runHook(kind, i, h, state);
    } catch (e) {
      log.warn((e as Error).message);
    }
  }
}
