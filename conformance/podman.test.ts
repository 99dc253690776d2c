// Podman drives the runtime: Debian's podman 4.3 with conmon, all state private
// (conformance/env/podman.ts), the busybox image loaded with `podman load`, and
// `podman --runtime <rt> --runtime-flag root=<dir>`. Podman calls the runtime directly (conmon
// runs `create`, podman `start`, `exec`, `kill`, `delete --force`), so it is a second, independent
// caller of the runc CLI. Each scenario runs with Debian's runc (the control) and with tsrc.
//
// Environment note: podman's default container rlimits (nofile and nproc 1048576) exceed the hard
// limits podman itself runs with here, and this VM has no CAP_SYS_RESOURCE to raise them, so every
// runtime (runc included) fails with EPERM. Every run therefore passes explicit lower --ulimit values.
import t, { type Test } from 'tap';
import { join } from 'node:path';
import { buildBusyboxArchive, USER_UID } from './env/image.js';
import { alive, cgroupDirs, cgroupPids, entries, processes, removeCgroupTrees } from './env/leftovers.js';
import { memoryCgroupOf } from './env/cgroupfs.js';
import { CALLER_PACKAGES, prerequisites } from './env/packages.js';
import { PrivatePodman } from './env/podman.js';
import { reapStale } from './env/stale.js';
import { cleanupRunScratch, describe, waitUntil, type RunOptions } from './env/run.js';
import { checkTodoTable, runScenarios, runtimes, slug, type Runtime, type Scenario } from './env/scenario.js';

// ---------------------------------------------------------------------------------------------
// tsrc todo marks: scenario → the missing feature. Remove a line when the feature lands.
// ---------------------------------------------------------------------------------------------
const TSRC_TODO: Record<string, string> = {};

/** The image as podman names an archive's RepoTags entry without a registry. */
const IMAGE = 'localhost/tsrc-conformance/busybox:latest';
const ULIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=8192:8192'];

/** Where each runtime keeps state when the caller passes no --root (podman passes none). */
const DEFAULT_ROOT: Record<Runtime['name'], string> = { runc: '/run/runc', tsrc: '/run/tsrc' };

interface Ctx {
  rt: Runtime;
  /** The runtime's default state root. */
  root: string;
  names: string[];
}

if (prerequisites(t, CALLER_PACKAGES.podman)) {
  // Both runtimes, every scenario, on a busy 2-core VM: bound the whole file explicitly.
  t.setTimeout(300_000);
  const pm = new PrivatePodman();
  let seq = 0;

  t.teardown(async () => {
    await pm.teardown();
    for (const pid of cgroupPids(pm.cgroupParent)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await waitUntil(() => cgroupPids(pm.cgroupParent).length === 0, 5000);
    const stuck = removeCgroupTrees(pm.cgroupParent);
    cleanupRunScratch();
    if (stuck.length) console.error(`# podman teardown: cgroups left: ${stuck.join(' ')}`);
  });

  const podman = (ctx: Ctx, args: string[], o: RunOptions = {}) => pm.podman(args, { ...o, runtime: ctx.rt.binary });
  /** Ids of every container this podman ever made (from its event log). */
  const allIds = async (ctx: Ctx) =>
    new Set((await podman(ctx, ['events', '--stream=false', '--filter', 'type=container', '--format', '{{.ID}}'])).stdout.split('\n').filter(Boolean));
  const newName = (ctx: Ctx, tag: string) => {
    const name = `${ctx.rt.name}-${slug(tag)}-${++seq}`;
    ctx.names.push(name);
    return name;
  };
  const runArgs = (ctx: Ctx, name: string) => ['run', '--name', name, '--network', 'none', '--cgroup-parent', pm.cgroupParent, ...ULIMITS];

  async function detached(t: Test, ctx: Ctx, name: string, cmd: string[]): Promise<{ id: string; pid: number }> {
    const r = await podman(ctx, [...runArgs(ctx, name), '-d', IMAGE, ...cmd]);
    t.equal(r.status, 0, `podman run -d: ${describe(r)}`);
    const pid = Number((await podman(ctx, ['inspect', '-f', '{{.State.Pid}}', name])).stdout.trim());
    t.ok(pid > 0 && alive(pid), `running, host pid ${pid}`);
    return { id: r.stdout.trim(), pid };
  }

  /** conmon processes serving this podman (their arguments name its private dirs). */
  const conmons = () => [...processes()].filter(([, argv]) => argv[0]?.endsWith('conmon') && argv.join(' ').includes(pm.dir)).map(([p]) => p);

  const scenarios: Scenario<Ctx>[] = [
    {
      name: 'run --rm: output and exit code',
      async run(t, ctx) {
        const r = await podman(ctx, [...runArgs(ctx, newName(ctx, 'rm')), '--rm', IMAGE, 'sh', '-c', 'echo to-stdout; echo to-stderr >&2; id -u; exit 3']);
        t.equal(r.status, 3, `the exit code reaches podman: ${describe(r)}`);
        t.equal(r.stdout, 'to-stdout\n0\n');
        t.equal(r.stderr, 'to-stderr\n', 'stderr apart');
      },
    },
    {
      name: 'default seccomp profile',
      async run(t, ctx) {
        const r = await podman(ctx, [...runArgs(ctx, newName(ctx, 'seccomp')), '--rm', IMAGE, 'grep', '-E', '^Seccomp:', '/proc/self/status']);
        t.equal(r.status, 0, describe(r));
        t.match(r.stdout, /^Seccomp:\s+2$/m, "podman's default seccomp profile is in force");
      },
    },
    {
      name: 'detached lifecycle and stop',
      async run(t, ctx) {
        const name = newName(ctx, 'life');
        const { id, pid } = await detached(t, ctx, name, ['sleep', '1000']);
        t.match(memoryCgroupOf(pid) ?? '', new RegExp(`^${pm.cgroupParent}/`), 'in the requested cgroup parent');
        t.ok(entries(ctx.root).includes(id), `the runtime keeps its state under its default root ${ctx.root}`);
        const start = Date.now();
        const s = await podman(ctx, ['stop', '-t', '1', name]);
        t.equal(s.status, 0, describe(s));
        t.ok(Date.now() - start >= 900, 'sleep as pid 1 ignores TERM: podman waited, then sent KILL');
        t.equal((await podman(ctx, ['inspect', '-f', '{{.State.ExitCode}}', name])).stdout.trim(), '137');
        t.notOk(alive(pid));
        const rm = await podman(ctx, ['rm', name]);
        t.equal(rm.status, 0, describe(rm));
        t.notOk(entries(ctx.root).includes(id), 'delete removed the runtime state');
      },
    },
    {
      name: 'exec',
      async run(t, ctx) {
        const name = newName(ctx, 'exec');
        await detached(t, ctx, name, ['sleep', '1000']);
        let r = await podman(ctx, ['exec', name, 'sh', '-c', 'echo exec-out; echo exec-err >&2; exit 4']);
        t.equal(r.status, 4, describe(r));
        t.equal(r.stdout, 'exec-out\n');
        t.equal(r.stderr, 'exec-err\n');
        r = await podman(ctx, ['exec', '-u', String(USER_UID), '-w', '/tmp', name, 'sh', '-c', 'id -u; pwd']);
        t.equal(r.stdout, `${USER_UID}\n/tmp\n`, `user and workdir: ${describe(r)}`);
      },
    },
    {
      name: 'error exit codes 126/127',
      async run(t, ctx) {
        let r = await podman(ctx, [...runArgs(ctx, newName(ctx, 'e127')), '--rm', IMAGE, '/nonexistent/cmd']);
        t.equal(r.status, 127, `a missing executable is 127: ${describe(r)}`);
        t.match(r.stderr, /\/nonexistent\/cmd/);
        r = await podman(ctx, [...runArgs(ctx, newName(ctx, 'e126')), '--rm', IMAGE, '/etc/not-executable']);
        t.equal(r.status, 126, `a non-executable file is 126: ${describe(r)}`);
        t.match(r.stderr, /permission denied/i);
      },
    },
    {
      name: 'no leftovers',
      async run(t, ctx) {
        t.equal((await podman(ctx, ['ps', '-aq'])).stdout.trim(), '', 'no containers left in podman');
        const ids = await allIds(ctx);
        t.ok(ids.size > 0, 'podman logged the containers it made');
        t.same(entries(ctx.root).filter((e) => ids.has(e)), [], `no runtime state in ${ctx.root}`);
        t.same(cgroupDirs(pm.cgroupParent).flatMap((d) => entries(d).filter((e) => e.startsWith('libpod-'))), [], 'no container cgroups');
        t.same(conmons(), [], 'no conmon processes');
      },
    },
  ];

  let ready = false;
  await t.test('setup: private podman and the busybox image', async (t) => {
    checkTodoTable(t, scenarios, TSRC_TODO);
    for (const d of await reapStale('tsrc-pod-', 'tsrc-conf-io-')) t.comment(`cleaned up after an earlier run that died: ${d}`);
    const archive = buildBusyboxArchive(join(pm.dir, 'image-work'), join(pm.dir, 'busybox.tar'));
    const r = await pm.podman(['load', '-i', archive]);
    t.equal(r.status, 0, `podman load: ${describe(r)}`);
    t.match(r.stdout, IMAGE);
    ready = r.status === 0;
  });

  if (ready) {
    await runScenarios(t, runtimes(), scenarios, {
      todo: TSRC_TODO,
      context: (rt) => ({ rt, root: DEFAULT_ROOT[rt.name], names: [] }),
      async after(t, ctx) {
        if (ctx.names.length) await podman(ctx, ['rm', '-f', '-t', '0', ...ctx.names]);
        ctx.names = [];
        t.ok(await waitUntil(() => conmons().length === 0, 10_000), 'no conmon outlives the removed containers');
      },
    });
  }
}
