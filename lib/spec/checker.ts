// The small context the semantic checks share: which file they are about, where warnings go, and
// how an error is raised (the first error ends the check: messages are one line, one problem).
import { specError, specWarning } from './errors.js';
import type { Namespace, NamespaceType, Spec } from './types.js';

export class Checker {
  readonly warnings: string[] = [];

  constructor(readonly file: string) {}

  fail(pointer: string, rule: string): never {
    throw specError(this.file, pointer, rule);
  }

  warn(pointer: string, text: string): void {
    this.warnings.push(specWarning(this.file, pointer, text));
  }
}

/** The `linux.namespaces` entry of that type, if the config asks for one. */
export function namespaceOf(spec: Spec | undefined, type: NamespaceType): Namespace | undefined {
  return spec?.linux?.namespaces?.find((n) => n.type === type);
}

const NAMESPACE_WORDS: Readonly<Record<NamespaceType, string>> = {
  pid: 'a PID namespace',
  network: 'a network namespace',
  mount: 'a mount namespace',
  ipc: 'an IPC namespace',
  uts: 'a UTS namespace',
  user: 'a user namespace',
  cgroup: 'a cgroup namespace',
  time: 'a time namespace',
};

/** "a PID namespace", "an IPC namespace", ... for messages. */
export function namespaceWords(type: NamespaceType): string {
  return NAMESPACE_WORDS[type];
}

/** A NUL byte cannot pass through execve/mount/sethostname: C would cut the string there. */
export function hasNul(s: string): boolean {
  return s.includes('\0');
}
