// process.apparmorProfile, process.selinuxLabel and linux.mountLabel. A config that asks for a
// label must not run unconfined as if it had been applied (runc and crun refuse a profile on a
// host without that LSM too), so each is refused here, before anything is touched, unless the
// host has that LSM; where it has, a SELinux label is checked against the loaded policy here too,
// and native/init applies them (exec.c, process.c, mounts.c).
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { specError } from './errors.js';
import type { Process, Spec } from './types.js';

function appArmorEnabled(): boolean {
  try {
    return readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').startsWith('Y');
  } catch {
    return false;
  }
}

/** As go-selinux (runc) decides it: selinuxfs is mounted and a policy is loaded (before the
 * first load every task's context reads "kernel"). */
export function selinuxEnabled(): boolean {
  if (!existsSync('/sys/fs/selinux/enforce')) return false;
  try {
    return readFileSync('/proc/self/attr/current', 'utf8').replace(/\0.*$/s, '').trim() !== 'kernel';
  } catch {
    return false;
  }
}

/** Why `label` cannot be used, or null. selinuxfs's context file is the policy's own validity
 * check (libselinux's security_check_context): it refuses what the kernel would refuse at exec. */
function selinuxLabelProblem(label: string): string | null {
  if (!selinuxEnabled()) return 'SELinux is not enabled on this host';
  let fd: number | undefined;
  try {
    fd = openSync('/sys/fs/selinux/context', 'r+');
    writeSync(fd, label);
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'EINVAL' ? `"${label}" is not a valid SELinux context in the loaded policy` : `cannot check the SELinux context "${label}": ${code ?? String(e)}`;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Throws `<file>: <pointer>: ...` for the first LSM field `process` (at `at`) asks for that
 * cannot be applied. */
export function checkProcessLsm(process: Process | undefined, file: string, at = '/process'): void {
  if (process?.apparmorProfile && !appArmorEnabled()) throw specError(file, `${at}/apparmorProfile`, 'AppArmor is not enabled on this host');
  const label = process?.selinuxLabel;
  const problem = label ? selinuxLabelProblem(label) : null;
  if (problem) throw specError(file, `${at}/selinuxLabel`, problem);
}

export function checkLsm(spec: Spec, file: string): void {
  checkProcessLsm(spec.process, file);
  const label = spec.linux?.mountLabel;
  const problem = label ? selinuxLabelProblem(label) : null;
  if (problem) throw specError(file, '/linux/mountLabel', problem);
}
