// process.apparmorProfile, process.selinuxLabel and linux.mountLabel. tsrc applies no LSM yet, so
// a config that asks for one must not run unconfined as if it had been applied (runc and crun
// refuse a profile on a host without that LSM too). The message says which it is: the host has no
// such LSM, or tsrc cannot apply it.
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

function refusal(lsm: 'AppArmor' | 'SELinux', enabled: boolean): string {
  return enabled ? `${lsm} is enabled on this host, but tsrc cannot apply ${lsm} labels yet` : `${lsm} is not enabled on this host`;
}

/** Throws `<file>: <pointer>: ...` for the first LSM field `process` (at `at`) asks for. */
export function checkProcessLsm(process: Process | undefined, file: string, at = '/process'): void {
  if (process?.apparmorProfile) throw specError(file, `${at}/apparmorProfile`, refusal('AppArmor', appArmorEnabled()));
  if (process?.selinuxLabel) throw specError(file, `${at}/selinuxLabel`, refusal('SELinux', selinuxEnabled()));
}

export function checkLsm(spec: Spec, file: string): void {
  checkProcessLsm(spec.process, file);
  if (spec.linux?.mountLabel) throw specError(file, '/linux/mountLabel', refusal('SELinux', selinuxEnabled()));
}
