// linux.namespaces[].path: "The runtime MUST generate an error if path is not associated with a
// namespace of type type." A namespace file (/proc/<pid>/ns/net, or a bind mount of one such as
// /run/netns/x) opened and read back through /proc/self/fd names itself "net:[4026531840]"; the
// prefix is the kernel's name for the type. Opening (rather than readlink of the path itself)
// also covers bind mounts, which are not symlinks.
import { closeSync, openSync, readlinkSync, statSync } from 'node:fs';
import { CONFIG_FILE, SpecError, specError } from './errors.js';
import { namespaceWords } from './checker.js';
import { describeFsError } from './json-document.js';
import { ptr } from './pointer.js';
import type { NamespaceType, Spec } from './types.js';

/** The kernel's name for each spec namespace type, as in /proc/<pid>/ns/<name>. */
export const KERNEL_NS_NAME: Readonly<Record<NamespaceType, string>> = {
  pid: 'pid',
  network: 'net',
  mount: 'mnt',
  ipc: 'ipc',
  uts: 'uts',
  user: 'user',
  cgroup: 'cgroup',
  time: 'time',
};

/**
 * Throws unless `path` is a namespace file of `type`. Messages: `namespace path "<path>":
 * no such file or directory`, `... is not a namespace file`, `... is a PID namespace, not a
 * network namespace`. Returns the namespace's identity ("net:[4026531840]").
 */
export function checkNamespacePath(type: NamespaceType, path: string): string {
  const what = `namespace path ${JSON.stringify(path)}`;
  let fd: number;
  try {
    // Namespace files are regular files on nsfs; refusing anything else first also keeps open()
    // from blocking on a FIFO.
    if (!statSync(path).isFile()) throw new SpecError(`${what} is not a namespace file`);
    fd = openSync(path, 'r');
  } catch (e) {
    if (e instanceof SpecError) throw e;
    throw new SpecError(`${what}: ${describeFsError(e)}`);
  }
  let link: string;
  try {
    link = readlinkSync(`/proc/self/fd/${fd}`);
  } catch (e) {
    throw new SpecError(`${what}: ${describeFsError(e)}`);
  } finally {
    closeSync(fd);
  }
  const m = /^([a-z_]+):\[[0-9]+\]$/.exec(link);
  if (!m) throw new SpecError(`${what} is not a namespace file`);
  const want = KERNEL_NS_NAME[type];
  // pid_for_children and time_for_children name themselves "pid:[..]" and "time:[..]".
  if (m[1] !== want) {
    const have = Object.entries(KERNEL_NS_NAME).find(([, k]) => k === m[1])?.[0] ?? m[1];
    const haveWords = have in KERNEL_NS_NAME ? namespaceWords(have as NamespaceType) : `a ${have} namespace`;
    throw new SpecError(`${what} is ${haveWords}, not ${namespaceWords(type)}`);
  }
  return link;
}

/**
 * Checks every `linux.namespaces[].path` of the config on this host, and that net.* sysctls do
 * not target the runtime's own network namespace through a path (runc refuses that too).
 * Errors: `config.json: /linux/namespaces/2/path: namespace path "/x" is a PID namespace, not a network namespace`.
 */
export function checkNamespacePaths(spec: Spec, file: string = CONFIG_FILE): void {
  (spec.linux?.namespaces ?? []).forEach((ns, i) => {
    if (!ns.path) return;
    const at = ptr('linux', 'namespaces', i, 'path');
    try {
      checkNamespacePath(ns.type, ns.path);
    } catch (e) {
      if (e instanceof SpecError) throw specError(file, at, e.message);
      throw e;
    }
    if (ns.type === 'network' && sameFile(ns.path, '/proc/self/ns/net')) {
      const netSysctl = Object.keys(spec.linux?.sysctl ?? {}).find((k) => k.startsWith('net.') || k.startsWith('net/'));
      if (netSysctl !== undefined) {
        throw specError(file, ptr('linux', 'sysctl', netSysctl), `not allowed: ${ns.path} is the runtime's own network namespace`);
      }
    }
  });
}

function sameFile(a: string, b: string): boolean {
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}
