// process.apparmorProfile, process.selinuxLabel and linux.mountLabel. A config that asks for a
// label must not run unconfined as if it had been applied (runc and crun refuse a profile on a
// host without that LSM too). AppArmor profiles are applied where the host has AppArmor; SELinux
// labels tsrc cannot apply yet, and the message says which it is.
import { existsSync, readFileSync } from 'node:fs';
import { specError } from './errors.js';
import type { Process, Spec } from './types.js';

function appArmorEnabled(): boolean {
  try {
    return readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').startsWith('Y');
  } catch {
    return false;
  }
}

const selinuxEnabled = (): boolean => existsSync('/sys/fs/selinux/enforce');

function selinuxRefusal(): string {
  return selinuxEnabled() ? 'SELinux is enabled on this host, but tsrc cannot apply SELinux labels yet' : 'SELinux is not enabled on this host';
}

/** Throws `<file>: <pointer>: ...` for the first LSM field `process` (at `at`) asks for. */
export function checkProcessLsm(process: Process | undefined, file: string, at = '/process'): void {
  // AppArmor is applied (native/init/exec.c) where the host has it.
  if (process?.apparmorProfile && !appArmorEnabled()) throw specError(file, `${at}/apparmorProfile`, 'AppArmor is not enabled on this host');
  if (process?.selinuxLabel) throw specError(file, `${at}/selinuxLabel`, selinuxRefusal());
}

export function checkLsm(spec: Spec, file: string): void {
  checkProcessLsm(spec.process, file);
  if (spec.linux?.mountLabel) throw specError(file, '/linux/mountLabel', selinuxRefusal());
}
