// features.md: what this build of tsrc implements, honestly (only what works today is listed).
import { CAPABILITIES } from '../plan/capabilities.js';
import { PROPAGATION_OPTIONS } from '../plan/mount-options.js';
import { MPOL_FLAG, MPOL_MODE } from '../plan/process-tuning.js';
import { SECCOMP_FEATURES } from '../plan/seccomp.js';
import { VERSION } from './version.js';
import type { GlobalArgs } from './main.js';

const MOUNT_OPTIONS = [
  'defaults', 'ro', 'rw', 'suid', 'nosuid', 'dev', 'nodev', 'exec', 'noexec', 'sync', 'async', 'dirsync', 'remount',
  'mand', 'nomand', 'atime', 'noatime', 'diratime', 'nodiratime', 'bind', 'rbind', 'relatime', 'norelatime',
  'strictatime', 'nostrictatime', 'lazytime', 'nolazytime', 'symfollow', 'nosymfollow', ...Object.keys(PROPAGATION_OPTIONS),
];

export function features(): Record<string, unknown> {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: VERSION.spec,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: MOUNT_OPTIONS,
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'],
      capabilities: [...CAPABILITIES],
      cgroup: { v1: true, v2: true, systemd: true, systemdUser: false, rdma: true },
      seccomp: { enabled: true, ...SECCOMP_FEATURES, supportedFlags: SECCOMP_FEATURES.knownFlags.filter((f) => !f.endsWith('WAIT_KILLABLE_RECV')) },
      apparmor: { enabled: true },
      selinux: { enabled: true },
      // Refused with a clear error: no machine here has RDT hardware to test an implementation on.
      intelRdt: { enabled: false },
      memoryPolicy: { modes: Object.keys(MPOL_MODE), flags: Object.keys(MPOL_FLAG) },
      netDevices: { enabled: true },
      mountExtensions: { idmap: { enabled: false } },
    },
    annotations: { 'org.opencontainers.runtime-spec.features.tsrc.version': VERSION.tsrc },
  };
}

export default async function printFeatures(_a: GlobalArgs): Promise<void> {
  process.stdout.write(JSON.stringify(features(), null, 2) + '\n');
}
