// One scenario list, run once per runtime: `runc` (Debian's, the control) and `tsrc`. Each
// scenario is a tap subtest named `<runtime>: <scenario>`. A tsrc scenario that needs a feature tsrc
// does not have yet is marked todo with the reason from the test file's table, but it still RUNS:
// tap skips the body of a `{ todo }` subtest, so instead every failing assertion inside is turned
// into a todo failure (reported, not counted), and the scenario reports whether it would pass, so
// a mark can be removed as soon as the feature lands. The runc control never uses todo.
import { existsSync } from 'node:fs';
import type { Test } from 'tap';
import { TSRC_LAUNCHER } from '../../test/helpers/tsrc.js';

export type RuntimeName = 'runc' | 'tsrc';

export interface Runtime {
  name: RuntimeName;
  /** Absolute path of the runc-compatible binary. */
  binary: string;
}

/**
 * Debian's runc (the control) and the tsrc CLI from this checkout. CONFORMANCE_RUNTIMES=runc (or
 * =tsrc) narrows the list while developing; CI runs both.
 */
export function runtimes(): Runtime[] {
  const runc = ['/usr/sbin/runc', '/usr/bin/runc', '/usr/local/sbin/runc'].find((p) => existsSync(p));
  if (!runc) throw new Error("runc not found: install the Debian package 'runc' (the control runtime)");
  const all: Runtime[] = [
    { name: 'runc', binary: runc },
    // Callers get build/tsrc (README): the native fast path (Node for other calls), with no dependence on PATH.
    { name: 'tsrc', binary: TSRC_LAUNCHER },
  ];
  const only = process.env.CONFORMANCE_RUNTIMES?.split(',').filter(Boolean);
  if (only?.length && process.env.CI !== 'true') return all.filter((r) => only.includes(r.name));
  return all;
}

export interface Scenario<C> {
  name: string;
  /** Seconds for the whole scenario (default 60). */
  timeout?: number;
  run(t: Test, ctx: C): Promise<void>;
}

export interface ScenarioOptions<C> {
  /** tsrc todo marks: scenario name → why it cannot pass yet. */
  todo: Readonly<Record<string, string>>;
  /** Builds the per-runtime context once, before that runtime's first scenario. */
  context(rt: Runtime): C | Promise<C>;
  /** Runs after each scenario (pass or fail), e.g. to remove its containers. */
  after?(t: Test, ctx: C, scenario: Scenario<C>): Promise<void>;
}

/** Whether the todo marks name only scenarios that exist (a stale mark would hide nothing). */
export function checkTodoTable<C>(t: Test, scenarios: Scenario<C>[], todo: Readonly<Record<string, string>>): void {
  const names = new Set(scenarios.map((s) => s.name));
  t.same(Object.keys(todo).filter((k) => !names.has(k)), [], 'every todo mark names an existing scenario');
  t.equal(names.size, scenarios.length, 'scenario names are unique');
}

/**
 * Turns t into a todo test that still runs: failures are reported as `not ok … # TODO reason` and
 * do not fail the file. Returns a function telling whether anything failed.
 */
function markTodo(t: Test, reason: string): () => boolean {
  let failed = false;
  // The parent prints this subtest's own result line with the test's options: mark it todo there.
  (t.options as { todo?: string }).todo = reason;
  const fail = t.fail.bind(t);
  (t as unknown as { fail: typeof t.fail }).fail = ((message?: string, extra?: object) => {
    failed = true;
    return fail(message ?? 'failed', { ...(extra ?? {}), todo: reason });
  }) as typeof t.fail;
  return () => failed;
}

/** Runs every scenario for every runtime, as subtests `<runtime>: <scenario>`. */
export async function runScenarios<C>(t: Test, rts: Runtime[], scenarios: Scenario<C>[], opts: ScenarioOptions<C>): Promise<void> {
  const wouldPass: string[] = [];
  const stillFailing: string[] = [];
  for (const rt of rts) {
    let ctx: C | undefined;
    for (const s of scenarios) {
      const reason = rt.name === 'tsrc' ? opts.todo[s.name] : undefined;
      await t.test(`${rt.name}: ${s.name}`, { timeout: (s.timeout ?? 60) * 1000 }, async (st) => {
        const failed = reason ? markTodo(st, reason) : undefined;
        try {
          ctx ??= await opts.context(rt);
          await s.run(st, ctx);
        } finally {
          if (ctx && opts.after) await opts.after(st, ctx, s);
          if (failed) {
            if (failed()) stillFailing.push(s.name);
            else wouldPass.push(s.name);
            st.comment(failed() ? `todo (${reason}): still failing` : `todo (${reason}): PASSES now, the mark can be removed`);
          }
        }
      });
    }
  }
  if (wouldPass.length) t.comment(`tsrc todo scenarios that pass now (remove their marks): ${wouldPass.join(', ')}`);
  if (stillFailing.length) t.comment(`tsrc todo scenarios still failing: ${stillFailing.join(', ')}`);
}

/** A short, id-safe slug of a scenario name. */
export const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 24);
