// Test processes for cgroup tests: a shell held at its first line until it has been put in a
// cgroup, and polling for a condition.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

export type Gated = ChildProcess & { go(): void; text(): string; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> };

/** A shell that waits for a line on stdin before running `script`, so it can be put in a cgroup first. */
export function gated(script: string): Gated {
  const c = spawn('sh', ['-c', `read _go; ${script}`], { stdio: ['pipe', 'pipe', 'pipe'] }) as Gated;
  let out = '';
  c.stdout!.on('data', (d) => (out += d));
  c.stderr!.on('data', (d) => (out += d));
  // 'close', not 'exit': all output has arrived (children holding the pipes are gone too).
  c.done = new Promise((resolve) => c.on('close', (code, signal) => resolve({ code, signal, out })));
  c.go = () => c.stdin!.end('go\n');
  c.text = () => out;
  return c;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every `every` ms until it holds; throws after `ms`. */
export async function waitFor(what: string, cond: () => boolean, ms: number, every: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}
