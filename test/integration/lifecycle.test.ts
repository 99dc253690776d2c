// The OCI lifecycle through the real CLI, asserting what the kernel shows about real containers.
import t from 'tap';
import { existsSync, readFileSync, readlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { Harness, cgroupBases, cgroupVersion, haveRoot } from '../helpers/tsrc.js';
import type { Config } from '../helpers/tsrc.js';


if (haveRoot(t)) {
  const h = new Harness('lifecycle');
  t.teardown(() => h.cleanup());
  /** A bundle whose container runs `script`, with a writable rootfs. */
  const bundle = (script: string, patch: (c: Config) => void = () => {}) =>
    h.bundle(script, (c) => {
      c.root.readonly = false;
      patch(c);
    });

  const procStatus = (pid: number, field: string) => readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s*(.*)$`, 'm'))?.[1];

  t.test('run in the foreground returns the exit status and the output', async (t) => {
    const b = await bundle('echo hello; echo oops >&2; exit 3');
    const r = h.tsrc(['run', '--bundle', b.dir, b.id]);
    t.equal(r.status, 3);
    t.equal(r.stdout, 'hello\n');
    t.equal(r.stderr, 'oops\n', 'nothing but the container writes to stderr');
    t.same(h.leftovers(b.id, b.cgroupsPath), [], 'run deletes the container after it exits');
  });

  t.test('create, state, start, kill, delete', async (t) => {
    const b = await bundle('echo started > /tmp/started; exec sleep 1000', (c) => {
      c.hostname = 'lifecycle-box';
      c.linux.resources = { memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 50 }, cpu: { shares: 512, quota: 50000, period: 100000 } };
      c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 512, hard: 1024 }];
      c.process.noNewPrivileges = true;
    });
    const pidFile = join(b.dir, 'init.pid');
    const created = h.tsrc(['create', '--bundle', b.dir, '--pid-file', pidFile, b.id]);
    t.equal(created.status, 0, created.stderr);
    t.equal(created.stdout + created.stderr, '', 'create prints nothing on success');
    const pidText = readFileSync(pidFile, 'utf8');
    t.match(pidText, /^\d+$/, 'pid file holds bare digits');
    const pid = Number(pidText);

    const st = JSON.parse(h.tsrc(['state', b.id]).stdout);
    t.match(st, { ociVersion: '1.3.0', id: b.id, status: 'created', pid, bundle: b.dir });
    t.notOk(existsSync(join(b.dir, 'rootfs', 'tmp', 'started')), 'the process has not started before start');

    for (const ns of ['pid', 'mnt', 'uts', 'ipc', 'net', 'cgroup']) {
      t.not(readlinkSync(`/proc/${pid}/ns/${ns}`), readlinkSync(`/proc/self/ns/${ns}`), `${ns} namespace is private`);
    }
    const rootLine = readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n').find((l) => l.split(' ')[4] === '/');
    t.ok(rootLine?.split(' ')[3].endsWith(`/${b.id}/rootfs`), `the container's / is its rootfs: ${rootLine}`);
    t.notOk(readFileSync(`/proc/${pid}/mountinfo`, 'utf8').includes(' /work '), 'the host root is gone after pivot_root');
    t.equal(procStatus(pid, 'NoNewPrivs'), '1');
    t.equal(BigInt(`0x${procStatus(pid, 'CapEff')}`), (1n << 29n) | (1n << 5n) | (1n << 10n), 'effective set is AUDIT_WRITE, KILL, NET_BIND_SERVICE');
    t.equal(BigInt(`0x${procStatus(pid, 'CapBnd')}`), (1n << 29n) | (1n << 5n) | (1n << 10n), 'bounding set is AUDIT_WRITE, KILL, NET_BIND_SERVICE');
    t.match(readFileSync(`/proc/${pid}/limits`, 'utf8'), /Max open files\s+512\s+1024\s+files/);

    const cg = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    if (cgroupVersion() === 'v1') {
      t.match(cg, new RegExp(`:memory:${b.cgroupsPath}$`, 'm'));
      t.equal(readFileSync(`/sys/fs/cgroup/memory${b.cgroupsPath}/memory.limit_in_bytes`, 'utf8').trim(), String(64 * 1024 * 1024));
      t.equal(readFileSync(`/sys/fs/cgroup/pids${b.cgroupsPath}/pids.max`, 'utf8').trim(), '50');
      t.equal(readFileSync(`/sys/fs/cgroup/cpu${b.cgroupsPath}/cpu.shares`, 'utf8').trim(), '512');
      t.equal(readFileSync(`/sys/fs/cgroup/cpu${b.cgroupsPath}/cpu.cfs_quota_us`, 'utf8').trim(), '50000');
    }

    const started = h.tsrc(['start', b.id]);
    t.equal(started.status, 0, started.stderr);
    for (let i = 0; i < 100 && !existsSync(join(b.dir, 'rootfs', 'tmp', 'started')); i++) await new Promise((r) => setTimeout(r, 20));
    t.ok(existsSync(join(b.dir, 'rootfs', 'tmp', 'started')), 'the process ran after start');
    t.equal(JSON.parse(h.tsrc(['state', b.id]).stdout).status, 'running');
    t.match(h.tsrc(['start', b.id]).stderr, /already running/, 'a second start fails');

    const list = JSON.parse(h.tsrc(['list', '--format', 'json']).stdout);
    t.ok(list.some((c: Config) => c.id === b.id && c.status === 'running'));
    t.match(h.tsrc(['list', '-q']).stdout, new RegExp(`^${b.id}$`, 'm'));

    const del = h.tsrc(['delete', b.id]);
    t.not(del.status, 0, 'delete of a running container fails without --force');
    t.match(del.stderr, /not stopped/);

    t.equal(h.tsrc(['kill', b.id, 'KILL']).status, 0);
    for (let i = 0; i < 100 && JSON.parse(h.tsrc(['state', b.id]).stdout).status !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 20));
    t.equal(JSON.parse(h.tsrc(['state', b.id]).stdout).status, 'stopped');
    const k = h.tsrc(['kill', b.id, '15']);
    t.equal(k.status, 1);
    t.match(k.stderr, /container not running/);

    t.equal(h.tsrc(['delete', b.id]).status, 0);
    t.same(h.leftovers(b.id, b.cgroupsPath), []);
    t.match(h.tsrc(['state', b.id]).stderr, /does not exist/);
  });

  t.test('inside the container: hostname, masked and read-only paths, user, cwd, umask', async (t) => {
    const b = await bundle('hostname; id -u; id -g; pwd; umask; cat /proc/kcore | wc -c; touch /proc/sys/x 2>&1 || echo ro; ls /sys/firmware | wc -l', (c) => {
      c.hostname = 'inside';
      c.process.user = { uid: 1000, gid: 1000, umask: 0o027 };
      c.process.cwd = '/tmp';
    });
    const r = h.tsrc(['run', '--bundle', b.dir, b.id]);
    t.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    t.equal(lines[0], 'inside');
    t.equal(lines[1], '1000');
    t.equal(lines[2], '1000');
    t.equal(lines[3], '/tmp');
    t.equal(lines[4], '0027');
    t.equal(lines[5].trim(), '0', '/proc/kcore is masked');
    t.match(lines.slice(6).join('\n'), /Read-only file system|ro/);
  });

  t.test('delete of a created container kills it', async (t) => {
    const b = await bundle('sleep 1000');
    t.equal(h.tsrc(['create', '--bundle', b.dir, b.id]).status, 0);
    const pid = JSON.parse(h.tsrc(['state', b.id]).stdout).pid;
    const d = h.tsrc(['delete', b.id]);
    t.equal(d.status, 0, d.stderr);
    t.notOk(existsSync(`/proc/${pid}/status`) && procStatus(pid, 'State')?.startsWith('S'), 'the init is gone');
    t.same(h.leftovers(b.id, b.cgroupsPath), []);
  });

  t.test('hooks run in order with the state on stdin', async (t) => {
    const log = join(h.work, 'hooks.log');
    const hook = join(h.work, 'hook.sh');
    writeFileSync(hook, `#!/bin/sh\necho "$1 $(cat | tr -d '\\n')" >> ${log}\n`);
    chmodSync(hook, 0o755);
    const b = await bundle('true', (c) => {
      c.hooks = Object.fromEntries(['prestart', 'createRuntime', 'poststart', 'poststop'].map((k) => [k, [{ path: hook, args: ['hook.sh', k] }]]));
    });
    const r = h.tsrc(['run', '--bundle', b.dir, b.id]);
    t.equal(r.status, 0, r.stderr);
    const entries = readFileSync(log, 'utf8').trim().split('\n');
    t.same(entries.map((l) => l.split(' ')[0]), ['prestart', 'createRuntime', 'poststart', 'poststop']);
    const st = JSON.parse(entries[0].slice(entries[0].indexOf(' ') + 1));
    t.match(st, { id: b.id, status: 'creating', bundle: b.dir });
    t.ok(st.pid > 0);
  });

  t.test('a failing createRuntime hook fails create and leaves nothing', async (t) => {
    const b = await bundle('true', (c) => {
      c.hooks = { createRuntime: [{ path: '/bin/false' }] };
    });
    const r = h.tsrc(['create', '--bundle', b.dir, b.id]);
    t.equal(r.status, 1);
    t.match(r.stderr, /createRuntime hook #0 \(\/bin\/false\): exit status 1/);
    t.same(h.leftovers(b.id, b.cgroupsPath), []);
  });

  t.test('error paths leave nothing behind', async (t) => {
    const cases: Array<[string, (c: Config) => void, RegExp]> = [
      ['missing executable', (c) => (c.process.args = ['/nonexistent']), /no such file or directory/],
      ['bad cwd', (c) => (c.process.cwd = 'relative'), /\/process\/cwd/],
      ['bad namespace', (c) => c.linux.namespaces.push({ type: 'pid' }), /namespaces/],
      ['missing rootfs', (c) => (c.root.path = 'nope'), /nope/],
      ['bad mount', (c) => c.mounts.push({ destination: '/x', type: 'nosuchfs', source: 'none' }), /mount/],
    ];
    for (const [what, patch, msg] of cases) {
      const b = await bundle('true', patch);
      const r = h.tsrc(['create', '--bundle', b.dir, b.id]);
      t.equal(r.status, 1, `${what}: non-zero exit`);
      t.match(r.stderr, msg, `${what}: ${r.stderr.trim()}`);
      t.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line`);
      t.same(h.leftovers(b.id, b.cgroupsPath), [], `${what}: nothing left`);
    }
    const b = await bundle('true');
    writeFileSync(join(b.dir, 'config.json'), readFileSync(join(b.dir, 'config.json'), 'utf8') + '}');
    const r = h.tsrc(['create', '--bundle', b.dir, b.id]);
    t.equal(r.status, 1);
    t.match(r.stderr, /config\.json/);
    t.same(h.leftovers(b.id, b.cgroupsPath), []);
  });

  t.test('ids, unknown containers and --force', async (t) => {
    t.match(h.tsrc(['kill', 'nope-missing']).stderr, /container \\?"nope-missing\\?" does not exist/);
    t.equal(h.tsrc(['delete', '--force', 'nope-missing']).status, 0);
    t.not(h.tsrc(['delete', 'nope-missing']).status, 0);
    const b = await bundle('true');
    for (const bad of ['../escape', 'a/b', '..']) {
      const r = h.tsrc(['create', '--bundle', b.dir, bad]);
      t.equal(r.status, 1, `id ${bad} rejected`);
      t.notOk(existsSync(join(h.work, 'escape')));
    }
    t.equal(h.tsrc(['create', '--bundle', b.dir, b.id]).status, 0);
    t.match(h.tsrc(['create', '--bundle', b.dir, b.id]).stderr, /exists/);
    t.equal(h.tsrc(['delete', '--force', b.id]).status, 0);
  });

  t.test('--log-format json writes containerd-readable error lines', async (t) => {
    const logFile = join(h.work, 'log.json');
    const r = h.tsrc(['kill', 'nope-missing', '9'], { global: ['--log', logFile, '--log-format', 'json'] });
    t.equal(r.status, 1);
    const last = JSON.parse(readFileSync(logFile, 'utf8').trim().split('\n').pop()!);
    t.equal(last.level, 'error');
    t.match(last.msg, /does not exist/);
    t.match(last.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  t.test('cgroup hierarchies exist', async (t) => {
    t.ok(cgroupBases().length > 0);
  });
}
