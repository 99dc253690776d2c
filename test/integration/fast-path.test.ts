// build/tsrc's native fast path (native/fast) against the Node CLI: on the same containers, in
// every status, both print the same bytes; the calls it serves act on the kernel as the
// TypeScript ones do; the calls it does not serve reach Node with Node's errors. TSRC_FAST=only
// makes a call the fast path would hand to Node fail with 125, TSRC_FAST=0 sends every call to Node.
import t from 'tap';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Harness, TSRC_LAUNCHER, haveRoot } from '../helpers/tsrc.js';
import type { Config, Result, TestBundle } from '../helpers/tsrc.js';
import { waitFor } from '../helpers/gated.js';
import { validateStateFile } from '../../lib/spec/generated/output-validators.js';
import { listSchemaProblems } from '../../lib/spec/schema-errors.js';
import { validateState } from '../../lib/spec/validate-output.js';

if (haveRoot(t)) {
  const h = new Harness('fast');
  t.teardown(() => h.cleanup());
  const env = (fast: string) => ({ ...process.env, TSRC_FAST: fast });
  /** Served by the fast path, or the result says 125. */
  const fast = (args: string[], global: string[] = []): Result => h.tsrc(args, { bin: TSRC_LAUNCHER, env: env('only'), global });
  /** The same call answered by Node. */
  const viaNode = (args: string[], global: string[] = []): Result => h.tsrc(args, { bin: TSRC_LAUNCHER, env: env('0'), global });
  /** What callers get: fast path, or Node where it does not serve the call. */
  const launcher = (args: string[], global: string[] = []): Result => h.tsrc(args, { bin: TSRC_LAUNCHER, global });

  const bundle = (script: string, patch: (c: Config) => void = () => {}) =>
    h.bundle(script, (c) => {
      c.root.readonly = false;
      patch(c);
    });
  const savedState = (id: string) => JSON.parse(readFileSync(join(h.root, id, 'state.json'), 'utf8'));
  const create = (b: TestBundle) => {
    const r = h.tsrc(['create', '--bundle', b.dir, b.id]);
    if (r.status !== 0) throw new Error(`create ${b.id}: ${r.stderr}`);
  };
  const status = (id: string) => JSON.parse(viaNode(['state', id]).stdout).status as string;

  t.test('state and list print what the Node CLI prints, in every status', async (t) => {
    const annotations = { a: 'b', 'quote"s': 'back\\slash\nnew line\ttab\u0001', 'ünï': '😀 emoji', empty: '' };
    const created = await bundle('exec sleep 1000', (c) => (c.annotations = annotations));
    const running = await bundle('exec sleep 1000', (c) => (c.annotations = {}));
    const paused = await bundle('exec sleep 1000', (c) => delete c.annotations);
    const stopped = await bundle('true');
    for (const b of [created, running, paused, stopped]) create(b);
    for (const b of [running, paused, stopped]) t.equal(viaNode(['start', b.id]).status, 0);
    t.equal(viaNode(['pause', paused.id]).status, 0);
    await waitFor('the container to stop', () => status(stopped.id) === 'stopped', 10_000, 20);

    for (const [b, want] of [[created, 'created'], [running, 'running'], [paused, 'paused'], [stopped, 'stopped']] as const) {
      t.same(listSchemaProblems(validateStateFile, savedState(b.id)), [], `${b.id}/state.json matches schemas/state-file.schema.json`);
      const f = fast(['state', b.id]);
      t.equal(f.status, 0, f.stderr);
      t.equal(f.stdout, viaNode(['state', b.id]).stdout, `state of a ${want} container: same bytes`);
      const st = JSON.parse(f.stdout);
      t.equal(st.status, want);
      t.same(validateState(st), []);
    }
    t.same(JSON.parse(fast(['state', created.id]).stdout).annotations, annotations, 'annotations survive escaping');
    for (const args of [['list'], ['list', '--format', 'json'], ['ls', '-f', 'json'], ['list', '-q'], ['list', '--quiet=true', '-f=table']]) {
      const f = fast(args);
      t.equal(f.status, 0, f.stderr);
      t.equal(f.stdout, viaNode(args).stdout, `${args.join(' ')}: same bytes`);
    }
    t.equal(fast(['state', running.id], [`--root=${h.root}`]).status, 0, '--root=value');
    t.equal(viaNode(['resume', paused.id]).status, 0);
    for (const b of [created, running, paused, stopped]) t.equal(viaNode(['delete', '--force', b.id]).status, 0);
    const empty = fast(['list', '-f', 'json']);
    t.equal(empty.stdout, 'null\n', 'no containers: null, as runc');
    t.equal(fast(['list']).stdout, viaNode(['list']).stdout);
  });

  t.test('start, kill, pause, resume and delete act without Node', async (t) => {
    const b = await bundle('n=0; trap \'n=$((n+1)); echo $n > /usr1\' USR1; while :; do sleep 0.05; done');
    create(b);
    const r = fast(['start', b.id]);
    t.equal(r.status, 0, r.stderr);
    t.equal(r.stdout + r.stderr, '');
    t.equal(status(b.id), 'running');
    t.notOk(existsSync(join(h.root, b.id, 'exec.fifo')), 'start removed the exec fifo');
    const usr1 = join(b.dir, 'rootfs', 'usr1');
    const spellings = ['usr1', 'SIGUSR1', 'SigUsr1', '10'];
    for (const [i, sig] of spellings.entries()) {
      t.equal(fast(['kill', b.id, sig]).status, 0, `kill ${sig}`);
      await waitFor(`signal ${i + 1}`, () => existsSync(usr1) && readFileSync(usr1, 'utf8').trim() === String(i + 1), 10_000, 20);
    }
    t.pass('every spelling of the signal reached the init');

    const cg = savedState(b.id).cgroup.paths as Record<string, string>;
    const frozen = () => (cg.freezer ? readFileSync(join(cg.freezer, 'freezer.state'), 'utf8').trim() : readFileSync(join(cg[''], 'cgroup.freeze'), 'utf8').trim());
    t.equal(fast(['pause', b.id]).status, 0);
    t.match(frozen(), /^(FROZEN|1)$/, 'pause froze the cgroup');
    t.equal(status(b.id), 'paused');
    t.equal(fast(['resume', b.id]).status, 0);
    t.match(frozen(), /^(THAWED|0)$/, 'resume thawed it');
    t.equal(status(b.id), 'running');

    const pid = savedState(b.id).pid as number;
    t.equal(fast(['kill', b.id, 'KILL']).status, 0);
    await waitFor('the init to die', () => status(b.id) === 'stopped', 10_000, 20);
    t.notOk(existsSync(`/proc/${pid}/cmdline`) && readFileSync(`/proc/${pid}/cmdline`).length > 0, 'the init is gone');
    t.equal(fast(['delete', b.id]).status, 0);
    t.same(h.leftovers(b.id, b.cgroupsPath), [], 'delete removed the state and every cgroup directory');
  });

  t.test('delete of created and (with --force) running containers kills them', async (t) => {
    for (const start of [false, true]) {
      const b = await bundle('exec sleep 1000');
      create(b);
      if (start) t.equal(fast(['start', b.id]).status, 0);
      const pid = savedState(b.id).pid as number;
      const r = fast(start ? ['delete', '--force', b.id] : ['delete', b.id]);
      t.equal(r.status, 0, r.stderr);
      t.notOk(existsSync(`/proc/${pid}/cmdline`) && readFileSync(`/proc/${pid}/cmdline`).length > 0, `the ${start ? 'running' : 'created'} init was killed`);
      t.same(h.leftovers(b.id, b.cgroupsPath), [], 'nothing left behind');
    }
    t.equal(fast(['delete', '--force', 'never-created']).status, 0, 'delete --force of a missing container succeeds (runc)');
  });

  t.test('calls it does not serve reach Node, with its errors', async (t) => {
    const b = await bundle('exec sleep 1000');
    create(b);
    const expectNode = (args: string[], message: RegExp, status = 1) => {
      t.equal(fast(args).status, 125, `${args.join(' ')}: not served by the fast path`);
      const r = launcher(args);
      t.equal(r.status, status, args.join(' '));
      t.match(r.stderr, message);
    };
    expectNode(['state', 'missing'], /container \\"missing\\" does not exist/);
    expectNode(['delete', 'missing'], /container \\"missing\\" does not exist/);
    expectNode(['state', 'bad/id'], /invalid container ID format/);
    expectNode(['kill', b.id, 'NOSUCHSIG'], /unknown signal \\"NOSUCHSIG\\"/);
    expectNode(['kill', b.id, '65'], /invalid signal: 65/);
    expectNode(['state', b.id, '--bogus'], /bogus/);
    t.equal(fast(['start', b.id]).status, 0);
    expectNode(['start', b.id], /cannot start an already running container/);
    expectNode(['delete', b.id], /that is not stopped: running/);
    // kill --all needs the cgroup manager: Node.
    t.equal(fast(['kill', '--all', b.id, 'KILL']).status, 125);
    t.equal(launcher(['kill', '--all', b.id, 'KILL']).status, 0);
    await waitFor('the init to die', () => status(b.id) === 'stopped', 10_000, 20);
    expectNode(['kill', b.id], /container not running/);
    const log = join(h.work, 'fast.log');
    const r = launcher(['kill', b.id], ['--log', log, '--log-format', 'json']);
    t.equal(r.status, 1);
    const last = JSON.parse(readFileSync(log, 'utf8').trim().split('\n').pop()!);
    t.match(last, { level: 'error', msg: 'container not running' }, 'the error is the last --log line, as containerd reads it');
    t.equal(fast(['delete', b.id]).status, 0);
    t.same(h.leftovers(b.id, b.cgroupsPath), []);
  });

  t.test('a state file not in the schema: list skips it on both sides, state names the file', async (t) => {
    const b = await bundle('exec sleep 1000');
    create(b);
    const bad = join(h.root, 'not-a-state');
    mkdirSync(bad);
    writeFileSync(join(bad, 'state.json'), '{"id":"not-a-state"}');
    t.equal(fast(['list', '-q']).status, 125, 'the fast path hands an unreadable state to Node');
    t.equal(launcher(['list', '-q']).stdout, `${b.id}\n`, 'Node lists the others');
    const r = launcher(['state', 'not-a-state']);
    t.equal(r.status, 1);
    t.match(r.stderr, "not-a-state/state.json: not in tsrc's state format (schemas/state-file.schema.json)");
    rmSync(bad, { recursive: true });
    t.equal(fast(['delete', '--force', b.id]).status, 0);
    t.same(h.leftovers(b.id, b.cgroupsPath), []);
  });

  t.test('hooks are run by Node', async (t) => {
    const out = join(h.work, 'hooks.out');
    const hook = join(h.work, 'hook.sh');
    writeFileSync(hook, `#!/bin/sh\necho "$1 $(cat | head -c 200 | grep -o '"status":"[a-z]*"')" >> ${out}\n`);
    chmodSync(hook, 0o755);
    const b = await bundle('exec sleep 1000', (c) => {
      c.hooks = { poststart: [{ path: hook, args: ['hook', 'poststart'] }], poststop: [{ path: hook, args: ['hook', 'poststop'] }] };
    });
    create(b);
    t.equal(fast(['start', b.id]).status, 125, 'start with poststart hooks: Node');
    t.equal(launcher(['start', b.id]).status, 0);
    t.equal(fast(['state', b.id]).status, 0, 'state still served');
    t.equal(launcher(['delete', '--force', b.id]).status, 0);
    t.equal(readFileSync(out, 'utf8'), 'poststart "status":"running"\npoststop "status":"stopped"\n');
    t.same(h.leftovers(b.id, b.cgroupsPath), []);
  });

  t.test('features and --version are fixed at build time and answered natively', async (t) => {
    for (const args of [['features'], ['--version'], ['-v']]) {
      const f = h.tsrc(args, { bin: TSRC_LAUNCHER, env: env('only'), global: [] });
      t.equal(f.status, 0, `${args[0]}: served by the fast path`);
      t.equal(f.stdout, viaNode(args).stdout, `${args[0]}: same bytes as the Node CLI`);
    }
  });

  t.test('--log is created by every call, as runc does', async (t) => {
    const log = join(h.work, 'created.log');
    t.equal(fast(['list'], ['--log', log]).status, 0);
    t.ok(existsSync(log));
    t.equal(readFileSync(log, 'utf8'), '', 'nothing logged on success');
  });
}
