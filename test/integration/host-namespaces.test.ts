// Namespaces given by path, as Kubernetes and Docker give them (containerd's bind-mounted
// .../netns/cni-* files, `ip netns add`, Docker's netns/default), and namespaces left out of the
// config, which the container inherits from the runtime. Judged from the host: /proc/<pid>/ns/*
// of the container's init against the namespaces that were asked for.
import t from 'tap';
import type { Test } from 'tap';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage, Harness, haveRoot } from '../helpers/tsrc.js';
import type { Config } from '../helpers/tsrc.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const KERNEL_NAME: Record<string, string> = { network: 'net', mount: 'mnt', pid: 'pid', ipc: 'ipc', uts: 'uts', cgroup: 'cgroup', user: 'user', time: 'time' };

/** A process in new namespaces of every kind `unshare` is asked for; its pid (the forked child's). */
async function holder(t: Test, flags: string[]): Promise<number> {
  const p: ChildProcess = spawn('unshare', ['--fork', ...flags, 'sleep', '1000'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const child = Number(execFileSync('sh', ['-c', `pgrep -P ${p.pid} || true`], { encoding: 'utf8' }).trim());
    if (child) {
      // The forked child outlives unshare: both go.
      t.teardown(() => {
        process.kill(child, 'SIGKILL');
        p.kill('SIGKILL');
      });
      return child;
    }
    await sleep(20);
  }
  p.kill('SIGKILL');
  throw new Error(`unshare ${flags.join(' ')} did not start`);
}

if (haveRoot(t)) {
  const h = new Harness('hostns');
  t.teardown(() => h.cleanup());
  const mounted: string[] = [];
  t.teardown(() => {
    for (const m of mounted.reverse()) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
  });

  /** Bind-mounts a namespace file onto a plain file, as `ip netns add` and containerd do. */
  function bindNs(src: string, name: string): string {
    const f = join(h.work, name);
    writeFileSync(f, '');
    execFileSync('mount', ['--bind', src, f]);
    mounted.push(f);
    return f;
  }

  async function runDetached(patch: (c: Config) => void) {
    const b = await h.bundle('sleep 1000', patch);
    const r = h.tsrc(['run', '--detach', '--bundle', b.dir, b.id]);
    return { b, r, pid: r.status === 0 ? (JSON.parse(h.tsrc(['state', b.id]).stdout).pid as number) : 0 };
  }

  function setPath(c: Config, type: string, path: string) {
    c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== type);
    c.linux.namespaces.push({ type, path });
  }

  t.test('a network namespace made by `ip netns add` is joined', async (t) => {
    const name = `tsrc-t${process.pid}`;
    execFileSync('ip', ['netns', 'add', name]);
    t.teardown(() => execFileSync('ip', ['netns', 'del', name]));
    const path = `/run/netns/${name}`;
    const { b, r, pid } = await runDetached((c) => setPath(c, 'network', path));
    t.equal(r.status, 0, r.stderr);
    t.equal(statSync(`/proc/${pid}/ns/net`).ino, statSync(path).ino, 'the container is in that network namespace');
    t.equal(h.tsrc(['delete', '--force', b.id]).status, 0);
  });

  t.test('bind-mounted /proc/<pid>/ns/* files of every type are joined', async (t) => {
    const pid = await holder(t, ['--pid', '--uts', '--ipc', '--net', '--cgroup', '--time']);
    const types = ['network', 'pid', 'uts', 'ipc', 'cgroup', 'time'];
    const files = Object.fromEntries(types.map((ty) => [ty, bindNs(`/proc/${pid}/ns/${KERNEL_NAME[ty]}`, `ns-${ty}`)]));
    // A mount namespace file cannot be bind-mounted in an older namespace (the kernel refuses
    // loops), so the mount namespace is given as /proc/<pid>/ns/mnt, as Docker does for --ipc.
    const mnt = await holder(t, ['--mount', '--propagation', 'private']);
    const { b, r, pid: init } = await runDetached((c) => {
      for (const ty of types) setPath(c, ty, files[ty]);
      setPath(c, 'mount', `/proc/${mnt}/ns/mnt`);
      delete c.hostname; // joining a UTS namespace: not ours to rename
    });
    t.equal(r.status, 0, r.stderr);
    for (const ty of types) {
      // pid and time: the init was created in them, so its own link names them.
      t.equal(readlinkSync(`/proc/${init}/ns/${KERNEL_NAME[ty]}`), readlinkSync(`/proc/${pid}/ns/${KERNEL_NAME[ty]}`), `${ty} joined`);
    }
    t.equal(readlinkSync(`/proc/${init}/ns/mnt`), readlinkSync(`/proc/${mnt}/ns/mnt`), 'mount joined');
    t.equal(h.tsrc(['delete', '--force', b.id]).status, 0);
  });

  t.test('a bind-mounted user namespace is joined', async (t) => {
    const pid = await holder(t, ['--user', '--map-root-user']);
    const f = bindNs(`/proc/${pid}/ns/user`, 'ns-user');
    const { b, r, pid: init } = await runDetached((c) => {
      setPath(c, 'user', f);
      // The joined namespace's maps apply; the config must not carry its own.
      delete c.linux.uidMappings;
      delete c.linux.gidMappings;
      // Only root is mapped there: devpts cannot be given gid 5 (runc's rootless spec drops it too).
      for (const m of c.mounts) m.options = m.options?.filter((o: string) => o !== 'gid=5');
    });
    t.equal(r.status, 0, r.stderr);
    t.equal(readlinkSync(`/proc/${init}/ns/user`), readlinkSync(`/proc/${pid}/ns/user`));
    t.equal(h.tsrc(['delete', '--force', b.id]).status, 0);
  });

  t.test('wrong paths are refused with one line naming the field, leaving nothing', async (t) => {
    const net = bindNs('/proc/self/ns/net', 'ns-net-host');
    const plain = join(h.work, 'plain');
    writeFileSync(plain, 'x');
    const cases: Array<[string, string, string]> = [
      ['uts', net, `namespace path "${net}" is a network namespace, not a UTS namespace`],
      ['network', plain, `namespace path "${plain}" is not a namespace file`],
      ['network', h.work, `namespace path "${h.work}" is not a namespace file`],
      ['network', join(h.work, 'missing'), `namespace path "${join(h.work, 'missing')}": no such file or directory`],
    ];
    for (const [type, path, message] of cases) {
      const b = await h.bundle('true', (c) => setPath(c, type, path));
      const r = h.tsrc(['create', '--bundle', b.dir, b.id]);
      t.equal(r.status, 1, `${type} ${path}`);
      const index = JSON.parse(readFileSync(join(b.dir, 'config.json'), 'utf8')).linux.namespaces.findIndex((n: { type: string }) => n.type === type);
      t.equal(errorMessage(r.stderr), `config.json: /linux/namespaces/${index}/path: ${message}`);
      t.same(h.leftovers(b.id, b.cgroupsPath), [], 'nothing left behind');
    }
  });

  t.test('without a mount namespace the container shares the runtime\'s and nothing is mounted', async (t) => {
    // Only this test's mounts: other programs on the host may mount meanwhile.
    const ours = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(h.work)).join('\n');
    const before = ours();
    const bare = (c: Config) => {
      c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== 'mount');
      c.mounts = [];
      delete c.linux.maskedPaths;
      delete c.linux.readonlyPaths;
      c.root.readonly = false;
    };
    const { b, r, pid } = await runDetached(bare);
    t.equal(r.status, 0, r.stderr);
    t.equal(readlinkSync(`/proc/${pid}/ns/mnt`), readlinkSync('/proc/self/ns/mnt'), "the runtime's mount namespace");
    t.equal(readlinkSync(`/proc/${pid}/root`), join(b.dir, 'rootfs'), 'rooted in the rootfs (chroot)');
    t.equal(readlinkSync(`/proc/${pid}/ns/pid`) !== readlinkSync('/proc/self/ns/pid'), true, 'the other namespaces are still new');
    t.equal(ours(), before, 'the host mount table is unchanged');
    t.equal(h.tsrc(['delete', '--force', b.id]).status, 0);
    t.same(h.leftovers(b.id, b.cgroupsPath), []);

    // What would mount in the shared table is refused, and leaves nothing.
    const withMounts = await h.bundle('true', (c) => {
      bare(c);
      c.mounts = [{ destination: '/proc', type: 'proc', source: 'proc' }];
    });
    const e = h.tsrc(['create', '--bundle', withMounts.dir, withMounts.id]);
    t.equal(e.status, 1);
    t.equal(errorMessage(e.stderr), 'config.json: /mounts: needs a mount namespace (add {"type": "mount"} to /linux/namespaces)');
    t.same(h.leftovers(withMounts.id, withMounts.cgroupsPath), []);
    t.equal(ours(), before, 'still unchanged');
  });
}
