// The entry of build/tsrc's V8 startup snapshot (scripts/build.mjs): the whole CLI is loaded and
// compiled into the snapshot at build time, so a call starts from a ready heap instead of reading
// and parsing the bundle. Not imported by anything else.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { fastParse } from './fast-parse.js';
import { main } from './main.js';
// create and run are the commands that still start Node (build/tsrc answers the others natively):
// the modules of their path are evaluated here, at build time, instead of on every call.
import '../cgroups/index.js';
import '../sys/init-runner.js';
import '../container/create.js';
import './create.js';
import './run.js';
import { buildPlan } from '../plan/build-plan.js';
import { deviceCgroupRules } from '../plan/device-rules.js';
import { validateContainerId } from '../spec/id.js';
import { parseSpec } from '../spec/load.js';
import { checkSemantics, requireProcess } from '../spec/semantic.js';
import { encodePlan } from '../sys/protocol.js';
import { defaultSpec } from './default-spec.js';

/** The package root, fixed when the snapshot is built (the snapshot is only valid on that machine). */
declare const TSRC_PACKAGE_ROOT: string;

declare global {
  // eslint-disable-next-line no-var
  var __tsrc_module_url: string | undefined;
}

/**
 * Runs create's pure steps once on `tsrc spec`'s default config (validate, semantic checks, plan,
 * encode), touching nothing on the system, so the snapshot holds these functions compiled.
 */
function warmCreatePath(): void {
  const spec = parseSpec(JSON.stringify(defaultSpec()));
  validateContainerId('snapshot-warm-up');
  checkSemantics(spec);
  requireProcess(spec);
  deviceCgroupRules(spec);
  const paths = { memory: '/sys/fs/cgroup/memory/tsrc/w', '': '/sys/fs/cgroup/unified/tsrc/w' };
  const plan = buildPlan(spec, {
    bundle: '/nonexistent-bundle',
    execFifo: '/nonexistent-bundle/exec.fifo',
    preserveFds: 0,
    noPivot: false,
    noNewKeyring: false,
    waitForExit: false,
    cgroup: { mode: 'v1', paths },
    warn: () => {},
  });
  plan.cgroupTasks = [paths.memory];
  plan.cgroupInto = paths[''];
  encodePlan(plan);
  JSON.stringify(spec);
}

warmCreatePath();

v8.startupSnapshot.setDeserializeMainFunction(() => {
  // The bundle's import.meta.url (used to find the native build) is this, as for the plain bundle.
  globalThis.__tsrc_module_url = pathToFileURL(join(TSRC_PACKAGE_ROOT, 'dist', 'bundle', 'tsrc.mjs')).href;
  // argv is [node, "tsrc", ...args]: the launcher puts a name where a script would stand.
  const args = process.argv.slice(2);
  if (fastParse(args)) {
    void main(args);
    return;
  }
  // Help and argument errors need yargs, an ES module a snapshot cannot import: the plain entry
  // prints them, with the same exit status.
  const r = spawnSync(process.execPath, [join(TSRC_PACKAGE_ROOT, 'bin', 'tsrc'), ...args], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
});
