// Small shell wrappers put between a caller and the runtime under test. They do not replace the
// runtime: they record its argv (to prove which binary and flags a caller really used), or refuse
// one subcommand (to reach states callers only reach after a failure, e.g. a created task whose
// start failed) and exec the real runtime for everything else.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface WrapperOptions {
  /** The runtime every call is handed to (exec, so pid, fds and pdeathsig stay as the caller set them). */
  target: string;
  /** Append each call's argv (one line) to this file. */
  log?: string;
  /** Fail this subcommand (first non-flag argument after the global flags) with exit 1. */
  refuse?: string;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function writeWrapper(path: string, o: WrapperOptions): string {
  const lines = ['#!/bin/sh'];
  if (o.log) lines.push(`echo "$*" >> ${q(o.log)}`);
  if (o.refuse) {
    lines.push(
      // The global flags that take a value (runc's, as containerd and docker send them).
      'skip=0; sub=',
      'for a in "$@"; do',
      '  if [ "$skip" = 1 ]; then skip=0; continue; fi',
      '  case "$a" in',
      '    --root|--log|--log-format|--criu) skip=1 ;;',
      '    -*) ;;',
      '    *) sub=$a; break ;;',
      '  esac',
      'done',
      `if [ "$sub" = ${q(o.refuse)} ]; then echo "conformance wrapper: ${o.refuse} refused on purpose" >&2; exit 1; fi`,
    );
  }
  lines.push(`exec ${q(o.target)} "$@"`, '');
  writeFileSync(path, lines.join('\n'));
  chmodSync(path, 0o755);
  return path;
}

/** Recorded calls (argv lines) of a wrapper log. */
export function recordedCalls(log: string): string[] {
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
}
