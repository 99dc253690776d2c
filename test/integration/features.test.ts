// Config features beyond the basic lifecycle, each checked from inside or from /proc.
import t from 'tap';
import { closeSync, existsSync, openSync, readFileSync, readlinkSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Harness, REPO, TSRC, TSRC_LAUNCHER, haveRoot } from '../helpers/tsrc.js';
import type { Config } from '../helpers/tsrc.js';
import { validateFeatures, validateState } from '../../lib/spec/validate-output.js';


if (haveRoot(t)) {
  const h = new Harness('features');
  t.teardown(() => h.cleanup());
  const bundle = (script: string, patch?: (c: Config) => void) => h.bundle(script, patch);

  function run(b: { dir: string; id: string }, extra: string[] = []) {
    return h.tsrc(['run', ...extra, '--bundle', b.dir, b.id]);
  }

  t.test('read-only root, sysctl, domainname, rlimits, oom_score_adj', async (t) => {
    const b = await bundle('touch /x 2>/dev/null && echo rw || echo ro; cat /proc/sys/net/ipv4/ip_forward; cat /proc/sys/kernel/domainname; ulimit -n; cat /proc/self/oom_score_adj', (c) => {
      c.root.readonly = true;
      c.domainname = 'example.org';
      c.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
      c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 321, hard: 654 }];
      c.process.oomScoreAdj = 123;
    });
    const hostForward = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
    const r = run(b);
    t.equal(r.status, 0, r.stderr);
    t.same(r.stdout.trim().split('\n'), ['ro', '1', 'example.org', '321', '123']);
    t.equal(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8'), hostForward, 'the host sysctl is untouched');
  });

  t.test('capabilities: all five sets as configured', async (t) => {
    const caps = ['CAP_CHOWN', 'CAP_NET_RAW', 'CAP_SYS_ADMIN'];
    const b = await bundle('grep ^Cap /proc/self/status', (c) => {
      c.process.capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: caps, ambient: ['CAP_NET_RAW'] };
      c.process.noNewPrivileges = false;
    });
    const r = run(b);
    t.equal(r.status, 0, r.stderr);
    const want = ((1n << 0n) | (1n << 13n) | (1n << 21n)).toString(16).padStart(16, '0');
    t.match(r.stdout, new RegExp(`CapInh:\\s+${want}`));
    t.match(r.stdout, new RegExp(`CapPrm:\\s+${want}`));
    t.match(r.stdout, new RegExp(`CapEff:\\s+${want}`));
    t.match(r.stdout, new RegExp(`CapBnd:\\s+${want}`));
    t.match(r.stdout, new RegExp(`CapAmb:\\s+${(1n << 13n).toString(16).padStart(16, '0')}`));
  });

  t.test('devices: default nodes work, linux.devices are created', async (t) => {
    const b = await bundle('echo x > /dev/null && head -c 4 /dev/zero | wc -c && ls -l /dev/fuse | cut -c1 && readlink /dev/fd && readlink /dev/ptmx', (c) => {
      c.linux.devices = [{ type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 0o666 }];
    });
    const r = run(b);
    t.equal(r.status, 0, r.stderr);
    t.same(r.stdout.trim().split('\n').map((l) => l.trim()), ['4', 'c', '/proc/self/fd', 'pts/ptmx']);
  });

  t.test('bind mounts: read-only and file binds', async (t) => {
    const data = join(h.work, 'data');
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'hello'), 'from host\n');
    const b = await bundle('cat /data/hello; cat /etc/hello; echo y > /data/new 2>/dev/null || echo ro', (c) => {
      c.mounts.push({ destination: '/data', type: 'bind', source: data, options: ['rbind', 'ro'] });
      c.mounts.push({ destination: '/etc/hello', type: 'bind', source: join(data, 'hello'), options: ['bind'] });
    });
    const r = run(b);
    t.equal(r.status, 0, r.stderr);
    t.same(r.stdout.trim().split('\n'), ['from host', 'from host', 'ro']);
    t.notOk(existsSync(join(data, 'new')));
  });

  t.test('--no-pivot uses MS_MOVE + chroot', async (t) => {
    const b = await bundle('ls / | head -1; cat /proc/self/mountinfo | grep -c " / / " || true');
    const r = run(b, ['--no-pivot']);
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /^bin\n/);
  });

  t.test('--preserve-fds passes fds 3.. and nothing else leaks', async (t) => {
    const extra = join(h.work, 'extra.txt');
    writeFileSync(extra, 'preserved\n');
    const b = await bundle('cat <&3; ls /proc/self/fd | sort -n | tr "\\n" " "');
    const out = join(h.work, 'pfd.out');
    const o = openSync(out, 'w');
    const fd3 = openSync(extra, 'r');
    const fd4 = openSync(extra, 'r'); // a stray inherited fd: must not reach the container
    try {
      const r = spawnSync(TSRC, ['--root', h.root, 'run', '--preserve-fds', '1', '--bundle', b.dir, b.id], { stdio: ['ignore', o, 'inherit', fd3, fd4] });
      t.equal(r.status, 0);
    } finally {
      closeSync(o);
      closeSync(fd3);
      closeSync(fd4);
    }
    const lines = readFileSync(out, 'utf8').split('\n');
    t.equal(lines[0], 'preserved');
    // ls itself opens one fd for /proc/self/fd: 0 1 2 3 and that one.
    t.same(lines[1].trim().split(' ').map(Number).filter((x) => x !== 4), [0, 1, 2, 3]);
    t.equal(lines[1].trim().split(' ').length, 5);
  });

  t.test('createContainer and startContainer hooks run in the container', async (t) => {
    const hook = join(h.work, 'inside-hook.sh');
    writeFileSync(hook, '#!/bin/sh\nreadlink /proc/self/ns/uts > "$1"; pwd > "$1.cwd"\n');
    chmodSync(hook, 0o755);
    const b = await bundle('readlink /proc/self/ns/uts; cat /tmp/start-hook-ns', (c) => {
      c.root.readonly = false;
      c.hooks = {
        createContainer: [{ path: hook, args: ['hook', join(h.work, 'cc-ns')] }],
        // startContainer runs inside the container: its path resolves in the container's root.
        startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'readlink /proc/self/ns/uts > /tmp/start-hook-ns'] }],
      };
    });
    const r = run(b);
    t.equal(r.status, 0, r.stderr);
    const [own, fromStart] = r.stdout.trim().split('\n');
    t.equal(fromStart, own, 'startContainer ran in the container uts namespace');
    t.equal(readFileSync(join(h.work, 'cc-ns'), 'utf8').trim(), own, 'createContainer ran in the container uts namespace');
    t.not(own, readlinkSync('/proc/self/ns/uts'), 'not the host uts namespace');
    t.equal(readFileSync(join(h.work, 'cc-ns.cwd'), 'utf8').trim(), join(b.dir, 'rootfs'), "createContainer's cwd is the container's root, as runc");
  });

  t.test('user namespace: mapped ids, devices bound, owned rootfs', async (t) => {
    const b = await bundle('id -u; cat /proc/self/uid_map /proc/self/gid_map; echo x > /dev/null && echo null-ok; touch /tmp/f && echo rootfs-ok; hostname', (c) => {
      c.root.readonly = false;
      c.hostname = 'userns';
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    });
    // The container's root must be able to reach its rootfs, as with runc: containerd bundles are 0711.
    chmodSync(h.work, 0o755);
    chmodSync(b.dir, 0o755);
    spawnSync('chown', ['-R', '200000:200000', join(b.dir, 'rootfs')]);
    const r = run(b);
    t.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => l.trim().replace(/\s+/g, ' '));
    t.same(lines, ['0', '0 200000 65536', '0 200000 65536', 'null-ok', 'rootfs-ok', 'userns']);
  });

  t.test('seccomp: errno rules, kill, and Docker\'s default profile', async (t) => {
    const deny = await bundle('mkdir /tmp/x; grep Seccomp: /proc/self/status', (c) => {
      c.root.readonly = false;
      c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
    });
    const r = run(deny);
    t.equal(r.status, 0, r.stderr);
    t.match(r.stderr, /Operation not permitted/);
    t.match(r.stdout, /Seccomp:\s+2/);
    const kill = await bundle('uname -a', (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['uname'], action: 'SCMP_ACT_KILL' }] }));
    t.equal(run(kill).status, 128 + 31, 'killed by SIGSYS');
    const docker = JSON.parse(readFileSync(join(REPO, 'test/fixtures/configs/docker.json'), 'utf8')).linux.seccomp;
    const d = await bundle('echo ok; id -u', (c) => (c.linux.seccomp = docker));
    const dr = run(d);
    t.equal(dr.status, 0, dr.stderr);
    t.equal(dr.stdout, 'ok\n0\n');
    const bad = await bundle('true', (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_BOGUS' }));
    const br = h.tsrc(['create', '--bundle', bad.dir, bad.id]);
    t.equal(br.status, 1);
    t.match(br.stderr, /seccomp/);
    t.same(h.leftovers(bad.id, bad.cgroupsPath), []);
  });

  t.test('--systemd-cgroup without systemd: runc\'s error, nothing left', async (t) => {
    const b = await bundle('true', (c) => (c.linux.cgroupsPath = 'system.slice:tsrc-test:x'));
    const r = h.tsrc(['create', '--bundle', b.dir, b.id], { global: ['--systemd-cgroup'] });
    t.equal(r.status, 1);
    t.match(r.stderr, /systemd not running on this host/);
    t.equal(r.stderr.trim().split('\n').length, 1);
    t.same(h.leftovers(b.id, '/system.slice/tsrc-test-x.scope'), []);
  });

  t.test('state and features output conform to our schemas', async (t) => {
    const b = await bundle('sleep 100');
    t.equal(h.tsrc(['create', '--bundle', b.dir, b.id]).status, 0);
    t.same(validateState(JSON.parse(h.tsrc(['state', b.id]).stdout)), []);
    t.equal(h.tsrc(['delete', '--force', b.id]).status, 0);
    const f = h.tsrc(['features']);
    t.equal(f.status, 0);
    t.same(validateFeatures(JSON.parse(f.stdout)), []);
  });

  t.test('spec writes a valid default config and refuses to overwrite', async (t) => {
    const dir = join(h.work, 'specdir');
    mkdirSync(dir);
    t.equal(h.tsrc(['spec', '--bundle', dir]).status, 0);
    const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    t.match(c, { ociVersion: '1.3.0', process: { args: ['sh'] }, root: { path: 'rootfs' } });
    // runc as the control: a cgroup namespace only on a pure cgroup v2 host (not on this v1 one).
    const runcDir = join(h.work, 'runc-spec');
    mkdirSync(runcDir);
    execFileSync('runc', ['spec'], { cwd: runcDir });
    const types = (f: string) => (JSON.parse(readFileSync(f, 'utf8')).linux.namespaces as Array<{ type: string }>).map((n) => n.type).sort();
    t.same(types(join(dir, 'config.json')), types(join(runcDir, 'config.json')), "the namespaces runc's spec has on this host");
    const again = h.tsrc(['spec', '--bundle', dir]);
    t.equal(again.status, 1);
    t.match(again.stderr, /exists/);
  });

  t.test('build/tsrc works with an empty environment, and falls back to yargs for help and errors', async (t) => {
    const b = await bundle('echo from-launcher');
    const run = spawnSync(TSRC_LAUNCHER, ['--root', h.root, 'run', '--bundle', b.dir, b.id], { env: {}, encoding: 'utf8' });
    t.equal(run.status, 0, run.stderr);
    t.equal(run.stdout, 'from-launcher\n');
    const help = spawnSync(TSRC_LAUNCHER, ['exec', '--help'], { env: {}, encoding: 'utf8' });
    t.equal(help.status, 0);
    t.match(help.stdout, /--console-socket/);
    const bad = spawnSync(TSRC_LAUNCHER, ['--root', h.root, 'frobnicate', 'x'], { env: {}, encoding: 'utf8' });
    t.equal(bad.status, 3, "runc's status for an unknown command");
    t.match(bad.stderr, /No help topic for 'frobnicate'/);
    const badHelp = spawnSync(TSRC_LAUNCHER, ['frobnicate', '-h'], { env: {}, encoding: 'utf8' });
    t.equal(badHelp.status, 3, 'with -h too');
  });

  t.test('--debug says what each step did (to --log, as runc)', async (t) => {
    const b = await bundle('sleep 100');
    const logFile = join(h.work, 'debug.log');
    const g = { global: ['--debug', '--log', logFile], bin: TSRC_LAUNCHER };
    t.equal(h.tsrc(['run', '--detach', '--bundle', b.dir, b.id], g).status, 0);
    t.equal(h.tsrc(['exec', b.id, 'true'], g).status, 0);
    t.equal(h.tsrc(['kill', b.id, 'KILL'], g).status, 0);
    await new Promise((r) => setTimeout(r, 300));
    t.equal(h.tsrc(['delete', b.id], g).status, 0);
    const lines = readFileSync(logFile, 'utf8').trim().split('\n');
    t.ok(lines.every((l) => / level=debug msg="/.test(l)), 'only debug lines');
    for (const re of [/create \S+: .*config\.json is valid/, /create \S+: cgroup created/, /create \S+: init pid \d+ set up/, /start \S+: init pid \d+ released/, /exec \S+: true runs as pid \d+/, /kill \S+: signal 9 sent to init pid \d+/, /delete \S+: cgroup and state directory .* removed/]) {
      t.ok(lines.some((l) => re.test(l)), String(re));
    }
  });

  t.test('--version prints runc-style lines', async (t) => {
    const r = h.tsrc(['--version']);
    t.match(r.stdout, /^tsrc version \d+\.\d+\.\d+\ncommit: ([0-9a-f]{40}(-dirty)?|unknown)\nspec: 1\.3\.0\nlibseccomp: \d+\.\d+\.\d+\n$/);
    const lib = spawnSync('pkg-config', ['--modversion', 'libseccomp'], { encoding: 'utf8' }).stdout.trim();
    t.ok(r.stdout.includes(`libseccomp: ${lib}\n`), 'the libseccomp it was built with');
  });
}
