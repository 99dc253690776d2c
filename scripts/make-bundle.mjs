#!/usr/bin/env node
// Builds a self-contained OCI bundle from Debian's busybox-static: the rootfs holds one static
// binary and its applet links, and config.json is tsrc's default spec with the given command.
// Used by the demo and by the tests, so neither needs an image registry.
import { copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';

const BUSYBOX = '/bin/busybox';
const APPLETS = [
  'sh', 'cat', 'echo', 'ls', 'id', 'hostname', 'sleep', 'true', 'false', 'mount', 'grep', 'readlink', 'env',
  'ps', 'touch', 'mkdir', 'stat', 'test', 'wc', 'head', 'tail', 'uname', 'pwd', 'kill', 'dd', 'rm', 'ln',
  'umask', 'ulimit', 'printf', 'sed', 'awk', 'tr', 'cut', 'seq', 'yes', 'date', 'nproc', 'free', 'df', 'du',
  'chmod', 'chown', 'mknod', 'tty', 'whoami', 'sync', 'find', 'xargs', 'dmesg', 'top', 'nc', 'ip',
];

export function makeRootfs(rootfs) {
  if (!existsSync(BUSYBOX)) throw new Error("make-bundle: /bin/busybox not found; install the Debian package 'busybox-static'");
  for (const d of ['bin', 'proc', 'sys', 'dev', 'etc', 'tmp', 'root', 'run']) mkdirSync(join(rootfs, d), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  copyFileSync(BUSYBOX, join(rootfs, 'bin', 'busybox'));
  chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
  for (const a of APPLETS) {
    const link = join(rootfs, 'bin', a);
    if (!existsSync(link)) symlinkSync('busybox', link);
  }
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n');
}

/** Writes <dir>/rootfs and <dir>/config.json; `patch` edits the default config before it is written. */
export async function makeBundle(dir, args = ['sh'], patch = (c) => c) {
  const { defaultSpec } = await import('../dist/cli/default-spec.js');
  mkdirSync(dir, { recursive: true });
  makeRootfs(join(dir, 'rootfs'));
  // The tests' containers always get a cgroup namespace, on v1 as on v2, whatever `spec` gives.
  const spec = defaultSpec(true);
  spec.process.terminal = false;
  spec.process.args = args;
  spec.process.env = ['PATH=/bin', 'HOME=/root'];
  writeFileSync(join(dir, 'config.json'), JSON.stringify(patch(spec) ?? spec, null, 2));
  return dir;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, ...args] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: make-bundle.mjs <dir> [command args...]');
    process.exit(2);
  }
  await makeBundle(resolve(dir), args.length ? args : undefined);
}
