// A bounded, seeded fuzz of what tsrc reads from its callers: thousands of mutated config.json and
// process.json documents (truncated or garbage JSON, wrong types, huge and negative numbers, deep
// nesting, long strings, odd unicode, deleted and unknown keys) through the same validation and
// planning create and exec run, then a sample of them through the real `tsrc create`. Never a
// stack trace, crash or hang: always one line naming the file (and the field, where there is one),
// or a container that delete removes; nothing left behind.
import t from 'tap';
import type { Test } from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSpec } from '../../lib/spec/load.js';
import { parseProcess } from '../../lib/spec/load-process.js';
import { checkProcess, checkSemantics, requireProcess } from '../../lib/spec/semantic.js';
import { buildPlan } from '../../lib/plan/build-plan.js';
import { SpecError } from '../../lib/spec/errors.js';
import { TsrcError } from '../../lib/util/errors.js';
import { errorMessage, Harness, haveRoot } from '../helpers/tsrc.js';
import type { Config } from '../helpers/tsrc.js';

/** mulberry32: the same documents on every run, so a failure can be replayed by its index. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function mutator(rand: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const deep = (n: number): Json => {
    let v: Json = 'leaf';
    for (let i = 0; i < n; i++) v = rand() < 0.5 ? [v] : { k: v };
    return v;
  };
  const VALUES: Array<() => Json> = [
    () => null,
    () => true,
    () => 0,
    () => -1,
    () => 1e308,
    () => -1e308,
    () => 2 ** 53 + 1,
    () => -(2 ** 63),
    () => 4294967296,
    () => 0.5,
    () => '',
    () => 'x'.repeat(1 + Math.floor(rand() * 100_000)),
    () => '\u0000nul',
    () => '\ud800',
    () => 'é🚀\u202e',
    () => '/../../../etc/passwd',
    () => [],
    () => [null, 1, 'a'],
    () => ({}),
    () => ({ unknown: 1 }),
    () => deep(1 + Math.floor(rand() * 2000)),
  ];
  /** Every (container, key) pair of the tree, to pick a place to change. */
  const places = (v: Json, out: Array<[Json[] | { [k: string]: Json }, string | number]> = []) => {
    if (Array.isArray(v)) v.forEach((x, i) => (out.push([v, i]), places(x, out)));
    else if (v && typeof v === 'object') for (const k of Object.keys(v)) out.push([v, k]), places(v[k], out);
    return out;
  };
  return (doc: Json): string => {
    const d = structuredClone(doc);
    const n = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < n; i++) {
      const all = places(d);
      if (!all.length) break;
      const [parent, key] = pick(all);
      const r = rand();
      if (r < 0.15 && !Array.isArray(parent)) delete (parent as Record<string, Json>)[key as string];
      else if (r < 0.25 && !Array.isArray(parent)) (parent as Record<string, Json>)[`x${Math.floor(rand() * 1e6)}`] = pick(VALUES)();
      else (parent as Record<string | number, Json>)[key] = pick(VALUES)();
    }
    let text = JSON.stringify(d);
    const r = rand();
    if (r < 0.08) text = text.slice(0, Math.floor(rand() * text.length)); // truncated
    else if (r < 0.12) text = Buffer.from(Array.from({ length: 64 }, () => Math.floor(rand() * 256))).toString('latin1'); // garbage
    else if (r < 0.14) text = `${text} trailing`;
    return text;
  };
}

/** The error is one line that names the file, or else the test fails with what it was. */
function judge(t: Test, e: unknown, file: string, what: string): boolean {
  const ok = (e instanceof SpecError || e instanceof TsrcError) && !e.message.includes('\n') && e.message.startsWith(`${file}:`);
  if (!ok) t.fail(`${what}: ${(e as Error)?.stack ?? String(e)}`);
  return ok;
}


if (haveRoot(t)) {
  const h = new Harness('fuzz');
  t.teardown(() => h.cleanup());

  t.test('thousands of mutated config.json and process.json: one line naming the file, or a plan', async (t) => {
    const b = await h.bundle('true');
    const base = JSON.parse(JSON.stringify(await import('../../dist/cli/default-spec.js').then((m) => m.defaultSpec()))) as Json;
    const mutate = mutator(prng(0x75736e));
    const ctx = { bundle: b.dir, execFifo: join(h.work, 'exec.fifo'), preserveFds: 0, noPivot: false, noNewKeyring: false, waitForExit: false, warn: () => {}, cgroup: { mode: 'v1' as const, paths: {} } };
    let refused = 0;
    let planned = 0;
    const started = Date.now();
    for (let i = 0; i < 3000; i++) {
      const text = mutate(base);
      try {
        const spec = parseSpec(text);
        checkSemantics(spec);
        requireProcess(spec);
        buildPlan(spec, ctx);
        planned++;
      } catch (e) {
        if (!judge(t, e, 'config.json', `config #${i}`)) break;
        refused++;
      }
    }
    const proc = (base as { process: Json }).process;
    for (let i = 0; i < 2000; i++) {
      const text = mutate(proc);
      try {
        checkProcess(parseProcess(text, 'process.json'), 'process.json');
        planned++;
      } catch (e) {
        if (!judge(t, e, 'process.json', `process #${i}`)) break;
        refused++;
      }
    }
    t.ok(refused > 1000 && planned > 100, `${refused} refused with one line, ${planned} accepted, in ${Date.now() - started} ms`);
  });

  t.test('a sample through `tsrc create`: one line and nothing left, or a container delete removes', async (t) => {
    const mutate = mutator(prng(0x637265));
    const template = await h.bundle('true');
    const base = JSON.parse(JSON.stringify(await import('../../dist/cli/default-spec.js').then((m) => m.defaultSpec()))) as Config;
    base.process.args = ['true'];
    base.process.terminal = false;
    let created = 0;
    for (let i = 0; i < 60; i++) {
      const id = `fz-${process.pid}-${i}`;
      const dir = join(h.work, id);
      mkdirSync(dir);
      // The rootfs of the template, and a mutated config.json.
      writeFileSync(join(dir, 'config.json'), mutate({ ...base, root: { path: join(template.dir, 'rootfs') }, linux: { ...base.linux, cgroupsPath: `/tsrc-test/${id}` } } as Json));
      const r = h.tsrc(['create', '--bundle', dir, id], { timeout: 30_000 });
      if (r.status === 0) {
        created++;
        t.equal(h.tsrc(['delete', '--force', id]).status, 0, `#${i}: a container that delete removes`);
      } else {
        const msg = errorMessage(r.stderr);
        t.ok(r.status === 1 && msg !== undefined && !msg.includes('\n') && !/\n\s+at /.test(r.stderr), `#${i}: one error line (${msg})`);
      }
      t.same(h.leftovers(id, `/tsrc-test/${id}`), [], `#${i}: nothing left behind`);
    }
    t.comment(`${created} of 60 were containers`);
  });
}
