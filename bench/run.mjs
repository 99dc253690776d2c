#!/usr/bin/env node
// tsrc benchmark: times tsrc, runc and crun side by side, interleaved, and prints a markdown table
// of medians and ratios. Usage: node bench/run.mjs --help
//
// The process re-executes itself under `unshare -m --propagation private` and unmounts the hybrid
// host's cgroup2 mount (/sys/fs/cgroup/unified) there, for every runtime alike: crun refuses hybrid
// mode, and runc and tsrc then see the same pure-v1 view.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeBundle, makeRootfs } from './lib/bundles.mjs';
import { exists, isCgroup2Mount, killLeftovers, removeCgroups, unmountUnder } from './lib/cleanup.mjs';
import { PrivateContainerd } from './lib/containerd.mjs';
import { describeMachine } from './lib/machine.mjs';
import { Measurer } from './lib/measure.mjs';
import { Report } from './lib/report.mjs';
import { Results } from './lib/results.mjs';
import { Runtime } from './lib/runtimes.mjs';
import { concurrentCreates, createStartDelete, lifecycle, nodeFloor, runTrue, scale } from './lib/scenarios.mjs';
import { rotate, sleepMs, tick, which } from './lib/util.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..');
const KNOWN = ['tsrc', 'runc', 'crun'];
const UNIFIED = '/sys/fs/cgroup/unified';

const USAGE = `usage: node bench/run.mjs [options]     (as root)

  --iterations N      iterations of the per-call scenarios (default 30; --quick: 5)
  --quick             few iterations, for a smoke run (seconds with runc and crun)
  --full              also measure list/state with 1000 containers present (slow)
  --runtimes LIST     comma-separated subset of tsrc,runc,crun (default: all three)
  --tsrc PATH         tsrc command (default: <repo>/build/tsrc, what callers are given)
  --compare NAME=PATH one more runtime column: another tsrc build (e.g. before a change), measured
                      in the same interleaved run (repeatable)
  --no-containerd     skip the \`ctr run --rm\` section
  --out FILE          markdown output (default: bench/results.md; raw samples go to FILE minus .md + .json)
  --update-readme     also replace the results section of bench/README.md
  -h, --help          this text`;

function options(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        iterations: { type: 'string' },
        quick: { type: 'boolean', default: false },
        full: { type: 'boolean', default: false },
        runtimes: { type: 'string', default: KNOWN.join(',') },
        tsrc: { type: 'string', default: join(REPO, 'build', 'tsrc') },
        compare: { type: 'string', multiple: true, default: [] },
        'no-containerd': { type: 'boolean', default: false },
        out: { type: 'string', default: join(HERE, 'results.md') },
        'update-readme': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    fatal(`${e.message}\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const names = values.runtimes.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !KNOWN.includes(n));
  if (bad.length || names.length === 0) fatal(`--runtimes: unknown runtime ${bad.join(',') || '(none given)'}; choose from ${KNOWN.join(',')}`);
  // Extra builds: measured like the others, after them in column order (tsrc/NAME is then the
  // ratio of this build to that one).
  const compare = new Map();
  for (const c of values.compare) {
    const m = /^([a-z][a-z0-9._-]*)=(.+)$/.exec(c);
    if (!m || KNOWN.includes(m[1]) || compare.has(m[1])) fatal(`--compare: expected a new NAME=PATH (NAME in [a-z0-9._-], not ${KNOWN.join('/')}), got ${JSON.stringify(c)}`);
    compare.set(m[1], resolve(m[2]));
  }
  let main = values.quick ? 5 : 30;
  if (values.iterations !== undefined) {
    main = Number(values.iterations);
    if (!Number.isInteger(main) || main < 1) fatal(`--iterations: expected a positive integer, got ${JSON.stringify(values.iterations)}`);
  }
  const iterations = values.quick
    ? { main, scale: main, concurrent: 2, ctr: 3 }
    : { main, scale: Math.max(3, Math.ceil(main / 2)), concurrent: Math.max(2, Math.ceil(main / 3)), ctr: Math.max(2, Math.ceil(main / 3)) };
  if (values['no-containerd']) iterations.ctr = 0;
  return {
    names: [...new Set(names), ...compare.keys()],
    compare,
    iterations,
    levels: values.full ? [1, 100, 1000] : [1, 100],
    tsrc: resolve(values.tsrc),
    containerd: !values['no-containerd'],
    out: resolve(values.out),
    updateReadme: values['update-readme'],
  };
}

function fatal(msg) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(2);
}

const started = Date.now();
function progress(msg) {
  const s = Math.round((Date.now() - started) / 1000);
  process.stderr.write(`[bench ${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}] ${msg}\n`);
}

/** Outer process: checks, then runs this script again inside a private mount namespace. */
function reexec(argv) {
  options(argv); // report bad arguments before anything else
  if (process.getuid() !== 0) fatal('run as root: the runtimes create namespaces and cgroups');
  if (!which('unshare')) fatal('unshare not found (Debian package util-linux)');
  const child = spawn('unshare', ['-m', '--propagation', 'private', process.execPath, fileURLToPath(import.meta.url), ...argv], {
    stdio: 'inherit',
    env: { ...process.env, TSRC_BENCH_INNER: '1' },
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      try {
        child.kill(sig);
      } catch {
        /* already gone */
      }
    });
  }
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (signal === 'SIGINT' ? 2 : 15)));
}

/** Inner process: the benchmark itself, with cleanup on every exit path. */
async function benchmark(argv) {
  const opts = options(argv);
  const prefix = `tb${process.pid}-`;
  const tmp = mkdtempSync('/tmp/tsrc-bench-');
  const notes = [];
  const results = new Results();
  let runtimes = [];
  let containerd = null;
  let interrupted = null;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      if (!interrupted) progress(`${sig}: stopping after the current step, then cleaning up`);
      interrupted = sig;
    });
  }
  let counter = 0;
  const ctx = {
    results,
    tmp,
    prefix,
    progress,
    node: process.execPath,
    newId: (rt, tag) => `${prefix}${rt.name}-${tag}${counter++}`,
    checkAbort: () => {
      if (interrupted) throw new Error(`interrupted by ${interrupted}`);
    },
  };
  const step = async () => {
    await tick();
    ctx.checkAbort();
  };

  try {
    // Hybrid cgroups: hide cgroup2 in this (private) mount namespace so crun accepts the host.
    let cgroupNote;
    if (isCgroup2Mount('/sys/fs/cgroup')) cgroupNote = 'cgroup v2 (unified)';
    else if (isCgroup2Mount(UNIFIED)) {
      const u = spawnSync('umount', [UNIFIED], { encoding: 'utf8' });
      if (u.status !== 0) throw new Error(`cannot unmount ${UNIFIED} in the private mount namespace: ${u.stderr.trim()}`);
      cgroupNote = `v1 hybrid host; its cgroup2 mount ${UNIFIED} is unmounted in the benchmark's private mount namespace, for all runtimes alike`;
    } else cgroupNote = 'cgroup v1';

    const measurer = new Measurer(tmp);
    ctx.measurer = measurer;
    const rootfs = makeRootfs(join(tmp, 'rootfs'));
    ctx.bundles = {
      sleep: makeBundle(join(tmp, 'bundle-sleep'), rootfs, ['/bin/sleep', '3600']),
      true: makeBundle(join(tmp, 'bundle-true'), rootfs, ['/bin/true']),
    };
    runtimes = opts.names.map((name) => {
      const bin = name === 'tsrc' ? opts.tsrc : (opts.compare.get(name) ?? which(name));
      const missing = !bin || !existsSync(bin) ? `${name} not found${bin ? ` at ${bin}` : ' on PATH'}` : '';
      return new Runtime(name, missing ? null : bin, tmp, measurer, { missing });
    });
    ctx.runtimes = runtimes;
    const machine = describeMachine(runtimes, process.execPath, cgroupNote);
    progress(`runtimes: ${runtimes.map((rt) => `${rt.name}=${machine.runtimes[rt.name]}`).join('; ')}`);

    // Warm-up (page cache, first-run costs); its failures are not counted.
    const real = ctx.results;
    ctx.results = new Results();
    for (const rt of runtimes) {
      lifecycle(ctx, rt);
      runTrue(ctx, rt);
    }
    nodeFloor(ctx);
    ctx.results = real;
    await step();

    const rts = runtimes;
    for (let i = 0; i < opts.iterations.main; i++) {
      progress(`calls: iteration ${i + 1}/${opts.iterations.main}`);
      nodeFloor(ctx);
      for (const rt of rotate(rts, i)) lifecycle(ctx, rt);
      await step();
      for (const rt of rotate(rts, i + 1)) runTrue(ctx, rt);
      await step();
      for (const rt of rotate(rts, i + 2)) createStartDelete(ctx, rt);
      await step();
    }
    for (let i = 0; i < opts.iterations.concurrent; i++) {
      progress(`20 concurrent creates: iteration ${i + 1}/${opts.iterations.concurrent}`);
      for (const rt of rotate(rts, i)) {
        concurrentCreates(ctx, rt);
        await step();
      }
    }
    await scale(ctx, opts.levels, opts.iterations.scale);

    if (opts.containerd) {
      progress('containerd: starting a private instance and importing the busybox image');
      try {
        containerd = new PrivateContainerd(tmp, `${prefix}ctr`);
        containerd.start();
      } catch (e) {
        notes.push(`containerd section failed to set up: ${e.message}`);
        for (const rt of rts) results.fail('t:ctr', rt.name, `containerd set-up: ${e.message}`);
        containerd?.stop();
        containerd = null;
      }
      for (let i = 0; containerd && i < opts.iterations.ctr; i++) {
        progress(`ctr run --rm: iteration ${i + 1}/${opts.iterations.ctr}`);
        for (const rt of rotate(rts, i)) {
          if (results.gaveUp('ctr', rt.name)) continue;
          if (!rt.bin) {
            results.scenarioFailed('ctr', rt.name, ['t:ctr'], rt.missing);
            continue;
          }
          const id = ctx.newId(rt, 'k');
          const runcRoot = join(tmp, `ctr-root-${rt.name}`);
          mkdirSync(runcRoot, { recursive: true });
          const r = measurer.run(containerd.runArgv(rt.bin, runcRoot, id), { timeoutS: 60 });
          if (r.ok) results.add('t:ctr', rt.name, r.ms);
          else {
            results.scenarioFailed('ctr', rt.name, ['t:ctr'], r.error);
            containerd.forget(id);
          }
          await step();
        }
      }
    } else for (const rt of rts) results.skip('t:ctr', rt.name, '--no-containerd');

    const seconds = Math.round((Date.now() - started) / 1000);
    notes.push(`this run took ${Math.floor(seconds / 60)} min ${seconds % 60} s`);
    const shownArgs = argv.filter((a, i) => !(a === '--out' || argv[i - 1] === '--out' || a.startsWith('--out=') || a === '--update-readme'));
    const command = ['sudo node bench/run.mjs', ...shownArgs].join(' ');
    const md = new Report(results, opts.names).markdown({ command, machine, iterations: opts.iterations, levels: opts.levels, notes });
    process.stdout.write(`\n${md}`);
    mkdirSync(dirname(opts.out), { recursive: true });
    writeFileSync(opts.out, md);
    writeFileSync(opts.out.replace(/\.md$/, '') + '.json', `${JSON.stringify({ machine, iterations: opts.iterations, ...results.toJSON() })}\n`);
    progress(`wrote ${relative(process.cwd(), opts.out) || opts.out}`);
    if (opts.updateReadme) updateReadme(md);
    return 0;
  } catch (e) {
    process.stderr.write(`bench: ${e.message}\n`);
    return interrupted ? 130 : 1;
  } finally {
    cleanup({ tmp, prefix, runtimes, containerd });
  }
}

/** Deletes every container this run may have left, stops containerd, removes the temp dir. */
function cleanup({ tmp, prefix, runtimes, containerd }) {
  progress('cleaning up');
  try {
    containerd?.stop();
  } catch (e) {
    process.stderr.write(`bench: stopping containerd: ${e.message}\n`);
  }
  for (const rt of runtimes) for (const id of [...rt.live]) rt.forceDelete(id);
  const killed = killLeftovers(prefix);
  if (killed) {
    process.stderr.write(`bench: killed ${killed} process(es) left in this run's cgroups\n`);
    sleepMs(200);
  }
  const cg = removeCgroups(prefix);
  if (cg.left) process.stderr.write(`bench: could not remove ${cg.left} of ${cg.found} leftover cgroup(s) named ${prefix}*\n`);
  unmountUnder(tmp);
  rmSync(tmp, { recursive: true, force: true });
  if (exists(tmp)) process.stderr.write(`bench: could not remove ${tmp}\n`);
}

const BEGIN = '<!-- bench:results:begin -->';
const END = '<!-- bench:results:end -->';

function updateReadme(md) {
  const path = join(HERE, 'README.md');
  const text = readFileSync(path, 'utf8');
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a) {
    process.stderr.write(`bench: ${path} has no ${BEGIN} … ${END} section; not updated\n`);
    return;
  }
  writeFileSync(path, `${text.slice(0, a + BEGIN.length)}\n${md.replace(/^## /, '### ').replace(/^### (?!Results)/gm, '#### ')}\n${text.slice(b)}`);
  progress('updated bench/README.md');
}

if (process.env.TSRC_BENCH_INNER === '1') process.exitCode = await benchmark(process.argv.slice(2));
else reexec(process.argv.slice(2));
