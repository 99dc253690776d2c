// linux.namespaces[].path: "The runtime MUST generate an error if path is not associated with a
// namespace of type type." A namespace file (/proc/<pid>/ns/net, or a bind mount of one such as
// /run/netns/x or containerd's .../netns/cni-...) is judged by what the file is: a file on nsfs
// whose NS_GET_NSTYPE is the type. Not by the text /proc/self/fd/N gives for it, which for a
// bind-mounted namespace file is the mount's path rather than "net:[...]".
import { statSync } from 'node:fs';
import { CONFIG_FILE, SpecError, specError } from './errors.js';
import { namespaceWords } from './checker.js';
import { describeFsError } from './json-document.js';
import { ptr } from './pointer.js';
import { NS_FLAGS } from '../plan/types.js';
import { namespaceType } from '../sys/native.js';
import type { NamespaceType, Spec } from './types.js';

/**
 * Throws unless `path` is a namespace file of `type`. Messages: `namespace path "<path>":
 * no such file or directory`, `... is not a namespace file`, `... is a PID namespace, not a
 * network namespace`.
 */
export function checkNamespacePath(type: NamespaceType, path: string): void {
  const what = `namespace path ${JSON.stringify(path)}`;
  let flag: number;
  try {
    // Namespace files are regular files on nsfs; refusing anything else first gives one message
    // for directories, devices and FIFOs alike.
    if (!statSync(path).isFile()) throw new SpecError(`${what} is not a namespace file`);
    flag = namespaceType(path);
  } catch (e) {
    if (e instanceof SpecError) throw e;
    throw new SpecError(`${what}: ${describeFsError(e)}`);
  }
  if (flag === 0) throw new SpecError(`${what} is not a namespace file`);
  if (flag !== NS_FLAGS[type]) {
    const have = (Object.keys(NS_FLAGS) as NamespaceType[]).find((k) => NS_FLAGS[k] === flag);
    const haveWords = have ? namespaceWords(have) : `a namespace of type 0x${flag.toString(16)}`;
    throw new SpecError(`${what} is ${haveWords}, not ${namespaceWords(type)}`);
  }
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
