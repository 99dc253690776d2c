// Docker drives the runtime: Debian's dockerd, started privately on a private containerd, with the
// runtimes registered by --add-runtime and the locally built busybox image loaded with `docker
// load`. Each scenario runs with Debian's runc (the control) and with tsrc; what is asserted is
// what a docker user sees (output, exit codes, error text) and what the host shows.
import t, { type Test } from 'tap';
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PrivateContainerd } from './env/containerd.js';
import { reapStale } from './env/stale.js';
import { PrivateDockerd } from './env/dockerd.js';
import { buildBusyboxArchive, IMAGE_TAG, USER_UID } from './env/image.js';
import { alive, cgroupDirs, cgroupPids, entries, shimPids } from './env/leftovers.js';
import { limitsOf, memoryCgroupOf } from './env/cgroupfs.js';
import { CALLER_PACKAGES, prerequisites } from './env/packages.js';
import { cleanupRunScratch, describe, waitUntil, type RunOptions } from './env/run.js';
import { checkTodoTable, runScenarios, runtimes, slug, type Runtime, type Scenario } from './env/scenario.js';

// ---------------------------------------------------------------------------------------------
// tsrc todo marks: scenario → the missing feature. Remove a line when the feature lands.
// ---------------------------------------------------------------------------------------------
const TSRC_TODO: Record<string, string> = {};

/** Docker's name for each runtime under test (`runc` itself is reserved by dockerd). */
const dockerName = (rt: Runtime) => `conf-${rt.name}`;

interface Ctx {
  rt: Runtime;
  /** Container names the current scenario made. */
  names: string[];
}

if (prerequisites(t, CALLER_PACKAGES.docker)) {
  // Both runtimes, every scenario, on a busy 2-core VM: bound the whole file explicitly.
  t.setTimeout(300_000);
  const ctd = new PrivateContainerd();
  const rts = runtimes();
  const dockerd = new PrivateDockerd(ctd, Object.fromEntries(rts.map((rt) => [dockerName(rt), rt.binary])));
  /** Docker's containerd namespace. */
  const MOBY = 'moby';
  let seq = 0;

  t.teardown(async () => {
    await dockerd.teardown();
    const problems = await ctd.teardown([dockerd.cgroupParent]);
    cleanupRunScratch();
    if (problems.length) console.error(`# docker teardown had to clean up: ${problems.join('; ')}`);
  });

  const docker = (args: string[], o: RunOptions = {}) => dockerd.docker(args, o);
  const newName = (ctx: Ctx, tag: string) => {
    const name = `${ctx.rt.name}-${slug(tag)}-${++seq}`;
    ctx.names.push(name);
    return name;
  };
  const runArgs = (ctx: Ctx, name: string) => ['run', '--runtime', dockerName(ctx.rt), '--name', name];

  /** Starts a detached container; returns its full id and host pid. */
  async function detached(t: Test, ctx: Ctx, name: string, cmd: string[], flags: string[] = []): Promise<{ id: string; pid: number }> {
    const r = await docker([...runArgs(ctx, name), '-d', ...flags, IMAGE_TAG, ...cmd]);
    t.equal(r.status, 0, `docker run -d: ${describe(r)}`);
    const id = r.stdout.trim();
    const pid = Number((await docker(['inspect', '-f', '{{.State.Pid}}', name])).stdout.trim());
    t.ok(pid > 0 && alive(pid), `running, host pid ${pid}`);
    return { id, pid };
  }

  /** Where the shim keeps this runtime's state for docker's containers. */
  const runtimeRoots = () => entries(dockerd.execRoot).filter((e) => e.startsWith('runtime-')).map((e) => join(dockerd.execRoot, e, MOBY));

  const scenarios: Scenario<Ctx>[] = [
    {
      name: 'run --rm: output and exit code',
      async run(t, ctx) {
        const r = await docker([...runArgs(ctx, newName(ctx, 'rm')), '--rm', IMAGE_TAG, 'sh', '-c', 'echo to-stdout; echo to-stderr >&2; hostname | wc -c; exit 3']);
        t.equal(r.status, 3, `the exit code reaches docker: ${describe(r)}`);
        t.equal(r.stdout, 'to-stdout\n13\n', 'stdout, and the short container id as hostname');
        t.equal(r.stderr, 'to-stderr\n', 'stderr apart');
      },
    },
    {
      name: 'default seccomp profile',
      async run(t, ctx) {
        // Docker always sends its default profile; in filter mode, and it denies e.g. unshare(2).
        const r = await docker([...runArgs(ctx, newName(ctx, 'seccomp')), '--rm', IMAGE_TAG, 'sh', '-c', 'grep -E "^Seccomp:" /proc/self/status; unshare -U true 2>&1; echo "unshare rc=$?"']);
        t.equal(r.status, 0, describe(r));
        t.match(r.stdout, /^Seccomp:\s+2$/m, 'the process runs under a seccomp filter');
        t.match(r.stdout, /Operation not permitted\nunshare rc=1$/m, 'the profile denies unshare');
      },
    },
    {
      name: 'runtime used',
      async run(t, ctx) {
        const name = newName(ctx, 'used');
        const { id } = await detached(t, ctx, name, ['sleep', '1000']);
        const roots = runtimeRoots().filter((r) => entries(r).includes(id));
        t.equal(roots.length, 1, `the runtime keeps the container's state under <exec-root>/runtime-*/moby: ${roots.join(' ')}`);
        const opts = JSON.parse(readFileSync(join(ctd.state, 'io.containerd.runtime.v2.task', MOBY, id, 'options.json'), 'utf8'));
        t.equal(opts.binary_name, ctx.rt.binary, 'the shim was told to use the runtime under test');
      },
    },
    {
      name: 'exec',
      async run(t, ctx) {
        const name = newName(ctx, 'exec');
        await detached(t, ctx, name, ['sleep', '1000']);
        let r = await docker(['exec', name, 'sh', '-c', 'echo exec-out; echo exec-err >&2; exit 4']);
        t.equal(r.status, 4, `the exec's exit code: ${describe(r)}`);
        t.equal(r.stdout, 'exec-out\n');
        t.equal(r.stderr, 'exec-err\n');
        r = await docker(['exec', '-u', String(USER_UID), '-w', '/tmp', name, 'sh', '-c', 'id -u; pwd']);
        t.equal(r.stdout, `${USER_UID}\n/tmp\n`, `user and workdir: ${describe(r)}`);
        r = await docker(['exec', '-i', name, 'sh', '-c', 'cat; echo "<- stdin"'], { input: 'piped\n' });
        t.equal(r.stdout, 'piped\n<- stdin\n', `stdin: ${describe(r)}`);
      },
    },
    {
      name: 'exec with tty',
      async run(t, ctx) {
        const name = newName(ctx, 'exectty');
        await detached(t, ctx, name, ['sleep', '1000']);
        const r = await docker(['exec', '-it', name, 'sh', '-c', 'tty; exit 6'], { tty: true });
        t.equal(r.status, 6, describe(r));
        t.match(r.stdout.replace(/\r/g, ''), /\/dev\/pts\/\d+$/m, 'the exec gets a pty');
      },
    },
    {
      name: 'stop: TERM, then KILL',
      async run(t, ctx) {
        // A container that exits on TERM stops at once, with its own exit code.
        const polite = newName(ctx, 'term');
        await detached(t, ctx, polite, ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.05; done']);
        let start = Date.now();
        let r = await docker(['stop', '-t', '10', polite]);
        t.equal(r.status, 0, describe(r));
        t.ok(Date.now() - start < 8000, `TERM was enough (${Date.now() - start} ms)`);
        t.equal((await docker(['inspect', '-f', '{{.State.ExitCode}}', polite])).stdout.trim(), '0');
        // An init that ignores TERM is killed after the timeout.
        const stubborn = newName(ctx, 'kill');
        const { pid } = await detached(t, ctx, stubborn, ['sleep', '1000']);
        start = Date.now();
        r = await docker(['stop', '-t', '1', stubborn]);
        t.equal(r.status, 0, describe(r));
        t.ok(Date.now() - start >= 900, `docker waited for the timeout before KILL (${Date.now() - start} ms)`);
        t.equal((await docker(['inspect', '-f', '{{.State.ExitCode}}', stubborn])).stdout.trim(), '137', 'killed by SIGKILL');
        t.notOk(alive(pid));
      },
    },
    {
      name: 'update',
      async run(t, ctx) {
        const name = newName(ctx, 'update');
        const { pid } = await detached(t, ctx, name, ['sleep', '1000'], ['--memory', '256m']);
        const cg = memoryCgroupOf(pid) ?? '';
        t.match(cg, new RegExp(`^${dockerd.cgroupParent}/`), `the container is in docker's cgroup parent: ${cg}`);
        t.equal(limitsOf(cg).memory, String(256 * 1024 * 1024), 'the initial limit');
        const r = await docker(['update', '--memory', '128m', '--memory-swap', '-1', '--cpus', '0.5', name]);
        t.equal(r.status, 0, `docker update: ${describe(r)}`);
        const l = limitsOf(cg);
        t.equal(l.memory, String(128 * 1024 * 1024), 'the new memory limit is in the cgroup');
        t.equal(l.cpuQuota, '50000', 'the new cpu quota');
        t.equal(l.cpuPeriod, '100000');
        t.ok(alive(pid), 'the container keeps running');
      },
    },
    {
      name: 'top',
      async run(t, ctx) {
        const name = newName(ctx, 'top');
        const { pid } = await detached(t, ctx, name, ['sh', '-c', 'sleep 1000 & wait']);
        const cg = memoryCgroupOf(pid) ?? '';
        await waitUntil(() => cgroupPids(cg).length >= 2, 5000);
        const r = await docker(['top', name]);
        t.equal(r.status, 0, describe(r));
        t.match(r.stdout, new RegExp(`^\\S+\\s+${pid}\\s`, 'm'), 'the init, by host pid');
        t.match(r.stdout, /sleep 1000/, 'and its child');
      },
    },
    {
      name: 'error exit codes 125/126/127',
      async run(t, ctx) {
        let r = await docker([...runArgs(ctx, newName(ctx, 'e127')), '--rm', IMAGE_TAG, '/nonexistent/cmd']);
        t.equal(r.status, 127, `a missing executable is 127: ${describe(r)}`);
        t.match(r.stderr, /OCI runtime create failed: .*\/nonexistent\/cmd.*no such file or directory/i);
        r = await docker([...runArgs(ctx, newName(ctx, 'e126')), '--rm', IMAGE_TAG, '/etc/not-executable']);
        t.equal(r.status, 126, `a non-executable file is 126: ${describe(r)}`);
        t.match(r.stderr, /OCI runtime create failed: .*permission denied/i);
        // A sysctl with a value the kernel refuses: the runtime fails with EINVAL.
        r = await docker([...runArgs(ctx, newName(ctx, 'e125')), '--rm', '--sysctl', 'net.ipv4.ip_forward=not-a-number', IMAGE_TAG, 'true']);
        t.equal(r.status, 125, `any other runtime failure is 125: ${describe(r)}`);
        t.match(r.stderr, /OCI runtime create failed: .*(invalid argument|ip_forward)/i);
        t.notMatch(r.stderr, /unable to retrieve OCI runtime error/, 'the runtime wrote its error to the --log file');
      },
    },
    {
      name: 'network host',
      async run(t, ctx) {
        // Docker passes <exec-root>/netns/default, a bind mount of the host's network namespace.
        const r = await docker([...runArgs(ctx, newName(ctx, 'nethost')), '--rm', '--network', 'host', IMAGE_TAG, 'readlink', '/proc/self/ns/net']);
        t.equal(r.status, 0, describe(r));
        t.equal(r.stdout.trim(), readlinkSync('/proc/self/ns/net'), "the host's network namespace");
      },
    },
    {
      name: 'network container:X',
      async run(t, ctx) {
        const first = newName(ctx, 'netowner');
        const { pid } = await detached(t, ctx, first, ['sleep', '1000'], ['--network', 'none']);
        const r = await docker([...runArgs(ctx, newName(ctx, 'netjoin')), '--rm', '--network', `container:${first}`, IMAGE_TAG, 'readlink', '/proc/self/ns/net']);
        t.equal(r.status, 0, describe(r));
        t.equal(r.stdout.trim(), readlinkSync(`/proc/${pid}/ns/net`), "the other container's network namespace");
      },
    },
    {
      name: 'pid host: the host pid namespace, and a stop that ends every process at once',
      async run(t, ctx) {
        const name = newName(ctx, 'pidhost');
        const { pid } = await detached(t, ctx, name, ['sh', '-c', 'sleep 1000 & sleep 1000 & exec sleep 1000'], ['--pid', 'host']);
        const r = await docker(['exec', name, 'readlink', '/proc/self/ns/pid']);
        t.equal(r.stdout.trim(), readlinkSync('/proc/self/ns/pid'), `the host's pid namespace: ${describe(r)}`);
        const cg = memoryCgroupOf(pid) ?? '';
        await waitUntil(() => cgroupPids(cg).length >= 3, 5000);
        const members = cgroupPids(cg);
        t.equal(members.length, 3, 'the init and its two children');
        // The init exits on TERM; its children are not in its pid namespace, so they live on
        // until the shim's kill --all. runc ends them at once; a runtime that refused kill --all
        // of a stopped container left docker waiting (about 4 s) and them running.
        const start = Date.now();
        const s = await docker(['stop', '-t', '10', name]);
        const took = Date.now() - start;
        t.equal(s.status, 0, describe(s));
        t.ok(took < 3000, `docker stop took ${took} ms`);
        t.ok(await waitUntil(() => !members.some(alive), 5000), 'every process of the container is gone');
      },
    },
    {
      name: 'HOME in run and exec, from the image\'s /etc/passwd',
      async run(t, ctx) {
        const home = async (flags: string[]) => (await docker([...runArgs(ctx, newName(ctx, 'home')), '--rm', ...flags, IMAGE_TAG, 'sh', '-c', 'echo $HOME'])).stdout;
        t.equal(await home([]), '/root\n', 'root');
        t.equal(await home(['-u', String(USER_UID)]), '/home/user\n', 'a user with a passwd entry');
        t.equal(await home(['-u', '4242']), '/\n', 'a user without one');
        t.equal(await home(['-e', 'HOME=/given']), '/given\n', 'a HOME given');
        const name = newName(ctx, 'homeexec');
        await detached(t, ctx, name, ['sleep', '1000']);
        t.equal((await docker(['exec', name, 'sh', '-c', 'echo $HOME'])).stdout, '/root\n', 'exec');
        t.equal((await docker(['exec', '-u', String(USER_UID), name, 'sh', '-c', 'echo $HOME'])).stdout, '/home/user\n', 'exec -u');
      },
    },
    {
      name: '--user with and without a passwd entry',
      async run(t, ctx) {
        const id = async (user: string) => {
          const r = await docker([...runArgs(ctx, newName(ctx, 'user')), '--rm', '-u', user, IMAGE_TAG, 'id']);
          t.equal(r.status, 0, `-u ${user}: ${describe(r)}`);
          return r.stdout.trim();
        };
        t.equal(await id('user'), `uid=${USER_UID}(user) gid=${USER_UID}(user) groups=${USER_UID}(user)`, 'a name docker resolves');
        t.equal(await id(String(USER_UID)), `uid=${USER_UID}(user) gid=${USER_UID}(user) groups=${USER_UID}(user)`);
        t.equal(await id('4242:4343'), 'uid=4242 gid=4343 groups=4343', 'numeric ids without an entry');
      },
    },
    {
      name: 'no leftovers',
      async run(t, ctx) {
        const ps = (await docker(['ps', '-aq'])).stdout.trim();
        t.equal(ps, '', 'no containers left in docker');
        t.same(runtimeRoots().flatMap((r) => entries(r)), [], 'no runtime state');
        t.same(cgroupDirs(dockerd.cgroupParent).flatMap((d) => entries(d).filter((e) => /^[0-9a-f]{64}$/.test(e))), [], 'no container cgroups');
        t.same(shimPids(ctd.address), [], 'no shims');
        t.same(entries(join(ctd.state, 'io.containerd.runtime.v2.task', MOBY)), [], 'no bundles');
      },
    },
  ];

  let ready = false;
  await t.test('setup: private containerd, dockerd and the busybox image', async (t) => {
    checkTodoTable(t, scenarios, TSRC_TODO);
    for (const d of await reapStale('tsrc-ctd-', 'tsrc-conf-io-')) t.comment(`cleaned up after an earlier run that died: ${d}`);
    await ctd.start();
    await dockerd.start();
    const archive = buildBusyboxArchive(join(ctd.dir, 'image-work'), join(ctd.dir, 'busybox.tar'));
    const r = await docker(['load', '-i', archive], { timeout: 60 });
    t.equal(r.status, 0, `docker load: ${describe(r)}`);
    t.match(r.stdout, IMAGE_TAG);
    ready = r.status === 0;
  });

  // A failed setup has already failed the file; scenarios would only repeat it.
  if (ready) await runScenarios(t, rts, scenarios, {
    todo: TSRC_TODO,
    context: (rt) => ({ rt, names: [] }),
    async after(t, ctx) {
      if (ctx.names.length) await docker(['rm', '-f', ...ctx.names], { timeout: 60 });
      ctx.names = [];
      t.ok(await waitUntil(() => shimPids(ctd.address).length === 0, 10_000), 'no shim outlives the removed containers');
    },
  });
}
