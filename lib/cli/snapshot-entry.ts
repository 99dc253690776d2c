// The entry of build/tsrc's V8 startup snapshot (scripts/build.mjs): the whole CLI is loaded and
// compiled into the snapshot at build time, so a call starts from a ready heap instead of reading
// and parsing the bundle. Not imported by anything else.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import { fastParse } from './fast-parse.js';
import { main } from './main.js';

/** The package root, fixed when the snapshot is built (the snapshot is only valid on that machine). */
declare const TSRC_PACKAGE_ROOT: string;

declare global {
  // eslint-disable-next-line no-var
  var __tsrc_module_url: string | undefined;
}

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
