// The Debian packages the conformance callers come from, installed on first use when missing
// (docker.io and podman are not in scripts/setup.sh's list yet). Package scripts must not start
// a system dockerd or podman service: a policy-rc.d that refuses every start is put in place for
// the install when the host has none.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';

/** Debian packages each caller needs. */
// util-linux gives setpriv (daemons die with the test) and bsdutils gives script (a pty for -t).
export const CALLER_PACKAGES = {
  containerd: ['containerd', 'runc', 'busybox-static', 'util-linux', 'bsdutils'],
  docker: ['docker.io', 'containerd', 'runc', 'busybox-static', 'util-linux', 'bsdutils'],
  podman: ['podman', 'conmon', 'runc', 'busybox-static', 'util-linux'],
  // CRI: containerd's CRI plugin with Debian's CNI plugins (bridge, host-local, loopback), musl-gcc
  // for the pause binary, iproute2 for the private network namespace's loopback.
  cri: ['containerd', 'runc', 'containernetworking-plugins', 'musl-tools', 'busybox-static', 'util-linux', 'iproute2'],
} as const;

const installed = (pkg: string): boolean =>
  spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' }).stdout?.includes('ok installed') ?? false;

/** Installs the missing packages; returns an error text, or undefined when all are there. */
export function ensurePackages(pkgs: readonly string[]): string | undefined {
  const missing = pkgs.filter((p) => !installed(p));
  if (missing.length === 0) return undefined;
  if (process.getuid?.() !== 0) return `missing Debian packages ${missing.join(' ')} (run as root to install them)`;
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\n# conformance tests: no service starts during package installs\nexit 101\n', { mode: 0o755 });
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    let r = spawnSync('timeout', ['-s', 'KILL', '600', 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing], { env, encoding: 'utf8' });
    if (r.status !== 0) {
      spawnSync('timeout', ['-s', 'KILL', '300', 'apt-get', 'update', '-qq'], { env });
      r = spawnSync('timeout', ['-s', 'KILL', '600', 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing], { env, encoding: 'utf8' });
    }
    if (r.status !== 0) return `apt-get install ${missing.join(' ')} failed: ${(r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' | ')}`;
    const still = missing.filter((p) => !installed(p));
    return still.length ? `packages still missing after apt-get install: ${still.join(' ')}` : undefined;
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
}

/**
 * Whether a test file can run: root, and the caller's packages present (installing them if
 * needed). Under CI=true a missing prerequisite is a failure, never a skip.
 */
export function prerequisites(t: { fail: (msg: string) => void; plan: (n: number, why?: string) => void }, pkgs: readonly string[]): boolean {
  let why: string | undefined;
  if (process.getuid?.() !== 0) why = 'root is required';
  else why = ensurePackages(pkgs);
  if (!why) return true;
  if (process.env.CI === 'true') t.fail(`${why}, and CI=true: refusing to skip`);
  else t.plan(0, `skip: ${why}`);
  return false;
}
