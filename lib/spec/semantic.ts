// The MUSTs of the spec that a JSON Schema cannot express (duplicates, settings that need a
// namespace, ranges the kernel enforces), checked after schema validation. The first problem
// throws a one-line SpecError naming its JSON pointer; things the spec says to warn about (unknown
// capabilities, relative mount destinations, ...) are returned as warning lines.
import { Checker, hasNul } from './checker.js';
import { checkLinux } from './check-linux.js';
import { checkMounts } from './check-mounts.js';
import { checkNamespaces } from './check-namespaces.js';
import { checkProcessFields } from './check-process.js';
import { checkSysctl } from './check-sysctl.js';
import { CONFIG_FILE } from './errors.js';
import { checkHostSupport } from './host-support.js';
import { checkLsm, checkProcessLsm } from './lsm.js';
import { checkNamespacePaths } from './namespace-path.js';
import type { Process, Spec } from './types.js';

export interface SemanticOptions {
  /**
   * Also check what depends on this host: linux.namespaces[].path (that each is a namespace file
   * of its type), the LSM fields (lsm.ts) and what else needs host support (host-support.ts). Default true; pure unit tests of other rules may turn
   * it off.
   */
  checkPaths?: boolean;
}

/**
 * Checks a schema-valid config.json for what the schema cannot express. Throws SpecError
 * (`config.json: <pointer>: <rule>`) on the first problem; returns warnings to log, each
 * `config.json: <pointer>: <text>`. `process` is not required here: see requireProcess().
 */
export function checkSemantics(spec: Spec, opts: SemanticOptions = {}): string[] {
  const c: Checker = new Checker(CONFIG_FILE);
  checkVersion(c, spec);
  // config.md: root is optional only on Windows (and Hyper-V); tsrc is a Linux runtime.
  if (!spec.root) c.fail('/root', 'is required on Linux');
  checkNamespaces(c, spec);
  if (spec.process) checkProcessFields(c, spec.process, '/process', spec);
  checkMounts(c, spec);
  checkSysctl(c, spec);
  checkLinux(c, spec);
  checkHooks(c, spec);
  if (opts.checkPaths !== false) {
    checkNamespacePaths(spec, CONFIG_FILE);
    checkLsm(spec, CONFIG_FILE);
    checkHostSupport(spec, CONFIG_FILE);
  }
  return c.warnings;
}

/**
 * `create` (and `run`) need a process to start: runtime.md says start MUST fail without one, and
 * failing at create leaves nothing behind. Returns it, typed as present.
 */
export function requireProcess(spec: Spec): Process {
  const c: Checker = new Checker(CONFIG_FILE);
  if (!spec.process) c.fail('/process', 'is required to create a container');
  requireArgs(c, spec.process, '/process');
  return spec.process;
}

/**
 * Semantic checks of an exec's process.json (already schema-valid, see load-process.ts), against the
 * config of the container it runs in. `file` names the file in messages. Returns warnings.
 */
export function checkProcess(process: Process, file: string, spec?: Spec): string[] {
  const c: Checker = new Checker(file);
  requireArgs(c, process, '');
  checkProcessLsm(process, file, '');
  checkProcessFields(c, process, '', spec);
  return c.warnings;
}

// config.md: args needs at least one entry on Linux; the first is the program (execvp's file).
function requireArgs(c: Checker, p: Process, base: string): void {
  if (p.args === undefined) c.fail(`${base}/args`, 'is required (the program to run and its arguments)');
  if (p.args.length === 0) c.fail(`${base}/args`, 'must not be empty (the first entry is the program to run)');
  if (p.args[0] === '') c.fail(`${base}/args/0`, 'must not be empty (it is the program to run)');
}

function checkVersion(c: Checker, spec: Spec): void {
  // Versions are compatible within a major version (config.md); a 2.x config may mean things
  // tsrc (which implements 1.x) would get wrong. 0.x is accepted: the spec's own examples use it.
  const major = Number(spec.ociVersion.split('.')[0]);
  if (major > 1) c.fail('/ociVersion', `unsupported version ${spec.ociVersion} (tsrc implements runtime-spec 1.x)`);
}

const HOOK_NAMES = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'] as const;

function checkHooks(c: Checker, spec: Spec): void {
  for (const name of HOOK_NAMES) {
    (spec.hooks?.[name] ?? []).forEach((h, i) => {
      const at = `/hooks/${name}/${i}`;
      if (hasNul(h.path)) c.fail(`${at}/path`, 'must not contain a NUL byte');
      (h.args ?? []).forEach((a, j) => {
        if (hasNul(a)) c.fail(`${at}/args/${j}`, 'must not contain a NUL byte');
      });
      (h.env ?? []).forEach((a, j) => {
        if (hasNul(a)) c.fail(`${at}/env/${j}`, 'must not contain a NUL byte');
      });
    });
  }
}
