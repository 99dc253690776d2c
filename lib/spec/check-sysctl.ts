// linux.sysctl: only sysctls that belong to a namespace the container has of its own may be set;
// anything else would change the host for everyone. The same rules as runc's validator.
import { Checker, namespaceOf, namespaceWords } from './checker.js';
import { ptr } from './pointer.js';
import type { NamespaceType, Spec } from './types.js';

/** The namespace a sysctl belongs to, or null if it is not namespaced. `name` uses dots. */
export function sysctlNamespace(name: string): NamespaceType | null {
  if (name.startsWith('net.')) return 'network';
  // ipc_namespaces(7): System V IPC limits and the POSIX message queue limits.
  if (/^kernel\.(shm|msg|sem)/.test(name) || name.startsWith('fs.mqueue.')) return 'ipc';
  if (name === 'kernel.hostname' || name === 'kernel.domainname') return 'uts';
  if (name.startsWith('user.')) return 'user';
  return null;
}

/** sysctl(8) also accepts "/" as the separator ("net/ipv4/ip_forward"); compare in dotted form. */
export function normalizeSysctlName(name: string): string {
  const first = name.search(/[./]/);
  if (first === -1 || name[first] === '.') return name;
  // Slash-separated: dots inside a component (e.g. an interface "eth0.100") become slashes.
  return name.replace(/[./]/g, (ch) => (ch === '/' ? '.' : '/'));
}

export function checkSysctl(c: Checker, spec: Spec): void {
  for (const key of Object.keys(spec.linux?.sysctl ?? {})) {
    const at = ptr('linux', 'sysctl', key);
    const name = normalizeSysctlName(key);
    const type = sysctlNamespace(name);
    if (type === null) c.fail(at, 'is not namespaced: setting it would change the host (only net.*, IPC, UTS and user.* sysctls are allowed)');
    if (!namespaceOf(spec, type)) {
      c.fail(at, `needs ${namespaceWords(type)} (add {"type": "${type}"} to /linux/namespaces)`);
    }
    if (name === 'kernel.hostname' && spec.hostname) c.fail(at, 'conflicts with /hostname: set one or the other');
    if (name === 'kernel.domainname' && spec.domainname) c.fail(at, 'conflicts with /domainname: set one or the other');
  }
}
