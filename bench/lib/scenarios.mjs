// What one iteration does with one runtime. Every function records into ctx.results, cleans up the
// containers it made, and turns a failing step into an error entry instead of an exception.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { readPid, waitGone } from './runtimes.mjs';
import { rotate, tick, vmRssKiB } from './util.mjs';

/** Runs `args`, records time (and peak RSS unless noRss) under `metric`; returns the result. */
function timed(ctx, rt, metric, args, { noRss = false, ...opts } = {}) {
  const r = rt.call(args, opts);
  if (r.ok) {
    ctx.results.add(`t:${metric}`, rt.name, r.ms);
    if (!noRss) ctx.results.add(`rss:${metric}`, rt.name, r.maxRssKiB);
  }
  return r;
}

/** Marks `metrics` failed for this iteration, with the failing step named in the others' message. */
function failFrom(ctx, rt, scenario, step, metrics, message) {
  const i = metrics.indexOf(step);
  ctx.results.scenarioFailed(scenario, rt.name, [metrics[i]], message);
  for (const m of metrics.slice(i + 1)) ctx.results.fail(m, rt.name, message, step.replace(/^(t|rss):/, ''));
}

/** The status field of `state` output, or an explanation of why there is none. */
function statusOf(stdout) {
  try {
    return JSON.parse(stdout).status ?? '(no status field)';
  } catch {
    return `(not JSON: ${stdout.trim().slice(0, 60)})`;
  }
}

const LIFECYCLE = ['t:create', 'rss:init', 't:state', 't:start', 't:exec', 't:kill', 't:delete'];

/** create → (init RSS) → state → start → exec /bin/true → kill KILL → wait for exit → delete, each call timed. */
export function lifecycle(ctx, rt) {
  if (ctx.results.gaveUp('lifecycle', rt.name)) return;
  const id = ctx.newId(rt, 'l');
  const pidFile = join(ctx.tmp, `${id}.pid`);
  const fail = (step, msg) => {
    failFrom(ctx, rt, 'lifecycle', step, LIFECYCLE, msg);
    rt.forceDelete(id);
  };
  try {
    rt.live.add(id);
    let r = timed(ctx, rt, 'create', ['create', '--bundle', ctx.bundles.sleep, '--pid-file', pidFile, id]);
    if (!r.ok) return fail('t:create', r.error);
    const pid = readPid(pidFile);
    const rss = pid && vmRssKiB(pid);
    if (!rss) return fail('rss:init', `no live init pid in --pid-file (read ${pid})`);
    ctx.results.add('rss:init', rt.name, rss);

    r = timed(ctx, rt, 'state', ['state', id], { captureStdout: true });
    if (!r.ok) return fail('t:state', r.error);
    if (statusOf(r.stdout) !== 'created') return fail('t:state', `state said status ${statusOf(r.stdout)}, expected created`);

    r = timed(ctx, rt, 'start', ['start', id]);
    if (!r.ok) return fail('t:start', r.error);
    r = timed(ctx, rt, 'exec', ['exec', id, '/bin/true']);
    if (!r.ok) return fail('t:exec', r.error);
    r = timed(ctx, rt, 'kill', ['kill', id, 'KILL']);
    if (!r.ok) return fail('t:kill', r.error);
    if (!waitGone(pid)) return fail('t:delete', `init ${pid} still alive 10 s after kill KILL`);
    r = timed(ctx, rt, 'delete', ['delete', id]);
    if (!r.ok) return fail('t:delete', r.error);
    rt.deleted(id);
  } finally {
    rmSync(pidFile, { force: true });
  }
}

/** `run` of /bin/true: create, start, wait and delete in one call. */
export function runTrue(ctx, rt) {
  if (ctx.results.gaveUp('run', rt.name)) return;
  const id = ctx.newId(rt, 'r');
  rt.live.add(id);
  const r = timed(ctx, rt, 'run', ['run', '--bundle', ctx.bundles.true, id]);
  if (!r.ok) ctx.results.scenarioFailed('run', rt.name, ['t:run'], r.error);
  rt.forceDelete(id); // `run` deletes the container itself; this only catches failures
}

/** create + start + delete of /bin/true: the sum of the three calls, not the wait for exit between. */
export function createStartDelete(ctx, rt) {
  if (ctx.results.gaveUp('csd', rt.name)) return;
  const id = ctx.newId(rt, 'c');
  const pidFile = join(ctx.tmp, `${id}.pid`);
  const fail = (msg, step = '') => {
    ctx.results.scenarioFailed('csd', rt.name, ['t:csd'], step ? `${step}: ${msg}` : msg);
    rt.forceDelete(id);
  };
  try {
    rt.live.add(id);
    const c = rt.call(['create', '--bundle', ctx.bundles.true, '--pid-file', pidFile, id]);
    if (!c.ok) return fail(c.error, 'create');
    const pid = readPid(pidFile);
    const s = rt.call(['start', id]);
    if (!s.ok) return fail(s.error, 'start');
    if (pid && !waitGone(pid)) return fail(`/bin/true (pid ${pid}) still running after 10 s`);
    const d = rt.call(['delete', id]);
    if (!d.ok) return fail(d.error, 'delete');
    rt.deleted(id);
    ctx.results.add('t:csd', rt.name, c.ms + s.ms + d.ms);
  } finally {
    rmSync(pidFile, { force: true });
  }
}

/** This environment without NODE_* variables: what build/tsrc gives the Node it execs. */
export const CLEAN_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NODE_')));

/**
 * `node -e 0` through the same helper: the start-up floor of any call that reaches Node, in the
 * environment every runtime is run with, and without its NODE_* variables (NODE_EXTRA_CA_CERTS makes
 * node parse a certificate bundle at start-up; build/tsrc drops them for its Node).
 */
export function nodeFloor(ctx) {
  for (const [metric, env] of [['floor', process.env], ['floor-clean', CLEAN_ENV]]) {
    const r = ctx.measurer.run([ctx.node, '-e', '0'], { env });
    if (r.ok) {
      ctx.results.add(`t:${metric}`, 'node', r.ms);
      ctx.results.add(`rss:${metric}`, 'node', r.maxRssKiB);
    } else {
      ctx.results.fail(`t:${metric}`, 'node', r.error);
    }
  }
}

/** Deletes `n` containers named pattern-0..n-1 at once, then one by one where that failed. */
function deleteBatch(ctx, rt, pattern, n) {
  const ids = Array.from({ length: n }, (_, i) => pattern.replace('{}', String(i)));
  const existing = ids.filter((id) => rt.hasState(id));
  const r = existing.length === n ? rt.call(['delete', '--force', pattern], { n, timeoutS: 120 }) : { ok: false };
  for (const id of ids) {
    if (r.ok) rt.deleted(id);
    else rt.forceDelete(id);
  }
}

export const CONCURRENCY = 20;

/** Wall time of CONCURRENCY creates started at once (all must succeed), then delete them all. */
export function concurrentCreates(ctx, rt) {
  if (ctx.results.gaveUp('concurrent', rt.name)) return;
  const pattern = `${ctx.newId(rt, 'p')}-{}`;
  for (let i = 0; i < CONCURRENCY; i++) rt.live.add(pattern.replace('{}', String(i)));
  const r = rt.call(['create', '--bundle', ctx.bundles.sleep, pattern], { n: CONCURRENCY, timeoutS: 120 });
  if (r.ok) ctx.results.add('t:concurrent', rt.name, r.ms);
  else ctx.results.scenarioFailed('concurrent', rt.name, ['t:concurrent'], r.error);
  deleteBatch(ctx, rt, pattern, CONCURRENCY);
}

const FILL_BATCH = 10; // creates at once while filling a runtime with waiting containers

/**
 * list and state with N waiting containers present, for each N in `levels`. Runtimes that fit
 * together (N × runtimes ≤ togetherLimit) hold their containers at the same time and are measured
 * interleaved; larger levels run one runtime at a time to bound memory (runc's waiting init is ~9 MB).
 */
export async function scale(ctx, levels, iterations, { togetherLimit = 400 } = {}) {
  const pools = new Map(ctx.runtimes.map((rt) => [rt.name, { batches: [], count: 0, first: null, broken: '' }]));

  const fill = (rt, level) => {
    const pool = pools.get(rt.name);
    while (!pool.broken && pool.count < level) {
      const n = Math.min(FILL_BATCH, level - pool.count);
      const pattern = `${ctx.newId(rt, 's')}-{}`;
      for (let i = 0; i < n; i++) rt.live.add(pattern.replace('{}', String(i)));
      pool.batches.push({ pattern, n });
      const r = rt.call(['create', '--bundle', ctx.bundles.sleep, pattern], { n, timeoutS: 300 });
      if (!r.ok) pool.broken = `creating ${level} container(s) for list/state: ${r.error}`;
      pool.first ??= pattern.replace('{}', '0');
      pool.count += n;
    }
    return !pool.broken;
  };
  const drain = (rt) => {
    const pool = pools.get(rt.name);
    for (const b of pool.batches) deleteBatch(ctx, rt, b.pattern, b.n);
    pools.set(rt.name, { batches: [], count: 0, first: null, broken: pool.broken });
  };

  try {
    for (const level of levels) {
      const together = level * ctx.runtimes.length <= togetherLimit;
      const groups = together ? [ctx.runtimes] : ctx.runtimes.map((rt) => [rt]);
      for (const group of groups) {
        const ready = [];
        for (const rt of group) {
          ctx.progress(`scale: ${rt.name} → ${level} containers`);
          if (fill(rt, level)) ready.push(rt);
          else for (const m of [`t:list@${level}`, `t:state@${level}`]) ctx.results.fail(m, rt.name, pools.get(rt.name).broken);
          await tick();
          ctx.checkAbort();
        }
        for (let i = 0; i < iterations; i++) {
          for (const rt of rotate(ready, i)) {
            const l = timed(ctx, rt, `list@${level}`, ['list'], { noRss: level !== 1, timeoutS: 300 });
            if (!l.ok) ctx.results.fail(`t:list@${level}`, rt.name, l.error);
            const s = timed(ctx, rt, `state@${level}`, ['state', pools.get(rt.name).first], { noRss: true });
            if (!s.ok) ctx.results.fail(`t:state@${level}`, rt.name, s.error);
          }
          await tick();
          ctx.checkAbort();
        }
        if (!together) for (const rt of group) drain(rt);
      }
    }
  } finally {
    for (const rt of ctx.runtimes) drain(rt);
  }
}
