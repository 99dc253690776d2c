// A hostile rootfs (CVE-2025-31133, -52565, -52881 class): no /dev tmpfs, and /dev/null and
// friends, /dev/console and /dev/ptmx planted as symlinks (absolute, or a dot-dot chain) to a
// host file or to /proc/sys/kernel/core_pattern; /proc or /sys planted as a symlink. The runtime
// must never mount or create through them: device nodes are made by tsrc in their place, and a
// symlinked /proc or /sys is refused. Judged from the host.
import t from 'tap';
import { lstatSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage, Harness, haveRoot } from '../helpers/tsrc.js';
import type { Config } from '../helpers/tsrc.js';

const DEVICES: Record<string, [number, number]> = { null: [1, 3], zero: [1, 5], full: [1, 7], random: [1, 8], urandom: [1, 9], tty: [5, 0] };
const rdev = (major: number, minor: number) => major * 256 + minor; // old encoding: enough below 256

if (haveRoot(t)) {
  const h = new Harness('planted');
  t.teardown(() => h.cleanup());
  const corePattern = () => readFileSync('/proc/sys/kernel/core_pattern', 'utf8');
  // A host file the container must not reach.
  const hostFile = join(h.work, 'host-secret');
  writeFileSync(hostFile, 'host\n');

  /** A bundle whose /dev is the rootfs's own directory (no tmpfs over it). */
  const noDevTmpfs = (c: Config) => {
    c.mounts = c.mounts.filter((m: { destination: string }) => m.destination !== '/dev' && !m.destination.startsWith('/dev/'));
    c.root.readonly = false;
  };

  t.test('planted /dev symlinks are replaced by real devices, never followed', async (t) => {
    const before = corePattern();
    const b = await h.bundle('for d in null zero full random urandom tty; do echo x > /dev/$d; done 2>/dev/null; sleep 1000', noDevTmpfs);
    const dev = join(b.dir, 'rootfs', 'dev');
    const plant: Record<string, string> = {
      null: '/proc/sys/kernel/core_pattern',
      zero: '../../../../../../../../proc/sys/kernel/core_pattern',
      full: hostFile,
      random: '../../../../../../../..' + hostFile,
      urandom: '/proc/sys/kernel/core_pattern',
      tty: hostFile,
      ptmx: '/proc/sys/kernel/core_pattern',
    };
    for (const [name, target] of Object.entries(plant)) symlinkSync(target, join(dev, name));
    const r = h.tsrc(['run', '--detach', '--bundle', b.dir, b.id]);
    t.equal(r.status, 0, r.stderr);
    for (const [name, [major, minor]] of Object.entries(DEVICES)) {
      const st = lstatSync(join(dev, name));
      t.ok(st.isCharacterDevice() && st.rdev === rdev(major, minor), `/dev/${name} is the ${major}:${minor} device tsrc made`);
    }
    t.equal(readlinkSync(join(dev, 'ptmx')), 'pts/ptmx', '/dev/ptmx is tsrc\'s own symlink');
    // Give the container's writes time to land wherever they would.
    await new Promise((res) => setTimeout(res, 300));
    t.equal(corePattern(), before, 'core_pattern unchanged');
    t.equal(readFileSync(hostFile, 'utf8'), 'host\n', 'the host file unchanged');
    h.tsrc(['delete', '--force', b.id]);
  });

  t.test('a planted /dev/console is replaced; the pty is bound on tsrc\'s own file', async (t) => {
    const { listenConsole } = await import('../../lib/sys/console.js');
    const before = corePattern();
    const b = await h.bundle('sleep 1000', (c) => {
      // No tmpfs on /dev, but devpts on /dev/pts for the pty.
      c.mounts = c.mounts.filter((m: { destination: string }) => m.destination !== '/dev');
      c.root.readonly = false;
      c.process.terminal = true;
    });
    const dev = join(b.dir, 'rootfs', 'dev');
    symlinkSync('/proc/sys/kernel/core_pattern', join(dev, 'console'));
    const receiver = listenConsole();
    const r = h.tsrc(['create', '--console-socket', receiver.path, '--bundle', b.dir, b.id]);
    t.equal(r.status, 0, r.stderr);
    const master = await receiver.master;
    t.ok(master >= 0, 'the pty master arrived');
    t.ok(lstatSync(join(dev, 'console')).isFile(), '/dev/console in the rootfs is a plain file now, not the symlink');
    t.equal(corePattern(), before, 'core_pattern unchanged');
    receiver.close();
    h.tsrc(['delete', '--force', b.id]);
  });

  for (const dir of ['proc', 'sys']) {
    t.test(`a rootfs whose /${dir} is a symlink is refused, leaving nothing`, async (t) => {
      const b = await h.bundle('true');
      const root = join(b.dir, 'rootfs');
      rmSync(join(root, dir), { recursive: true });
      symlinkSync('/tmp', join(root, dir));
      const r = h.tsrc(['create', '--bundle', b.dir, b.id]);
      t.equal(r.status, 1);
      t.match(errorMessage(r.stderr), new RegExp(`mount point /${dir} is a symlink or lies under one`));
      t.same(h.leftovers(b.id, b.cgroupsPath), [], 'nothing left behind');
      t.notOk(readFileSync('/proc/self/mountinfo', 'utf8').includes(b.id), 'no mount left');
    });
  }
}
