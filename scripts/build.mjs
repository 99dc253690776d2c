#!/usr/bin/env node
// Builds everything offline: precompiled schema validators, TypeScript, and the native parts
// (C init program + N-API addon) with cmake-js against Node's installed headers.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

function need(tool, pkg) {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  } catch {
    console.error(`tsrc build: '${tool}' not found; install the Debian package '${pkg}' (or run scripts/setup.sh)`);
    process.exit(1);
  }
}

/**
 * Node 20's snapshot builder warns once for each built-in module outside its verified list that the
 * entry requires ("It's not yet fully verified whether built-in module … works in user snapshot
 * builder scripts"): the worry is state such a module sets up at build time going stale in the
 * snapshot. The entry needs two of them and neither holds such state: node:child_process is only
 * called after deserialization (spawnSync for help, spawn of the init), node:module only by the
 * addon loader's createRequire, on first use at run time. Nothing a user can act on, so exactly
 * those two warnings are dropped (as Node 20 prints them: three lines, plus the --trace-warnings
 * hint after the first); a warning for any other module, and any other output, still shows.
 */
const HARMLESS_SNAPSHOT_WARNING =
  /^\(node:\d+\) Warning: It's not yet fully verified whether built-in module "node:(?:child_process|module)" works in user snapshot builder scripts\.\nIt may still work in some cases, [^\n]*\nTo request support for the module, [^\n]*\n(?:\(Use `[^`\n]* --trace-warnings \.\.\.` to show where the warning was created\)\n)?/gm;

/**
 * The V8 startup snapshot of the whole CLI (build/tsrc.blob), so a call that reaches Node does not
 * read and compile the bundle. build/tsrc (native/fast, built by cmake) execs this node with it, or
 * bin/tsrc where the snapshot cannot be built.
 */
function buildSnapshot() {
  mkdirSync(join(root, 'build'), { recursive: true });
  const blob = join(root, 'build', 'tsrc.blob');
  const entry = join(root, 'build', 'snapshot-entry.cjs');
  try {
    buildSync({
      entryPoints: [join(root, 'dist/cli/snapshot-entry.js')],
      outfile: entry,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['yargs'],
      define: { TSRC_PACKAGE_ROOT: JSON.stringify(root), 'import.meta.url': 'globalThis.__tsrc_module_url' },
      logLevel: 'error',
    });
    const r = spawnSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', entry], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'pipe'],
      encoding: 'utf8',
    });
    process.stderr.write((r.stderr ?? '').replace(HARMLESS_SNAPSHOT_WARNING, ''));
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`node --build-snapshot exited with ${r.status ?? r.signal}`);
  } catch (e) {
    console.error(`tsrc build: no startup snapshot (${e.message.split('\n')[0]}); build/tsrc runs bin/tsrc instead`);
    rmSync(blob, { force: true });
  }
}

/** dist/cli/build-info.js: the commit built and the libseccomp it links, for --version. */
function writeBuildInfo() {
  const out = (cmd, args) => {
    const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : '';
  };
  let commit = out('git', ['rev-parse', 'HEAD']) || 'unknown';
  if (commit !== 'unknown' && out('git', ['status', '--porcelain', '--untracked-files=no'])) commit += '-dirty';
  const info = { commit, libseccomp: out('pkg-config', ['--modversion', 'libseccomp']) || 'unknown' };
  writeFileSync(join(root, 'dist', 'cli', 'build-info.js'), `export const BUILD_INFO = ${JSON.stringify(info)};\n`);
}

let buildSync;
const only = process.argv[2]; // optional: ts | native
if (!only || only === 'ts') {
  if (existsSync(join(root, 'scripts', 'build-validators.mjs'))) run(process.execPath, ['scripts/build-validators.mjs']);
  run(process.execPath, [bin('tsc'), '-p', 'tsconfig.json']);
  writeBuildInfo();
  // The CLI as a few bundled chunks: resolving and evaluating ~80 small modules costs more start-up
  // than parsing a few files, and with splitting each command's lazily imported code (validators,
  // the D-Bus client, …) stays in a chunk that only that command loads. yargs stays outside: it is
  // loaded only for --help and argument errors.
  ({ buildSync } = await import('esbuild'));
  rmSync(join(root, 'dist/bundle'), { recursive: true, force: true });
  buildSync({
    entryPoints: { tsrc: join(root, 'dist/cli/main.js') },
    outdir: join(root, 'dist/bundle'),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['yargs'],
    logLevel: 'warning',
  });
  buildSnapshot();
}
if (!only || only === 'native') {
  need('cmake', 'cmake');
  need('g++', 'g++');
  if (!existsSync('/usr/include/seccomp.h')) {
    console.error("tsrc build: seccomp.h not found; install the Debian package 'libseccomp-dev' (or run scripts/setup.sh)");
    process.exit(1);
  }
  // cmake-js takes the Node headers dir only from npm's `nodedir` config (it has no working
  // --nodedir flag); with it set to a dir holding include/node/node.h it downloads nothing.
  const nodedir = process.env.npm_config_nodedir || '/usr';
  if (!existsSync(join(nodedir, 'include', 'node', 'node.h'))) {
    console.error(`tsrc build: Node headers not found in ${nodedir}/include/node; install the Debian package 'libnode-dev' or set npm_config_nodedir`);
    process.exit(1);
  }
  // build/tsrc's command-line table, from the CLI built by the ts step.
  if (!existsSync(join(root, 'dist', 'cli', 'commands.js'))) {
    console.error('tsrc build: dist/cli/commands.js missing; build the TypeScript first (node scripts/build.mjs ts)');
    process.exit(1);
  }
  run(process.execPath, ['scripts/gen-fast-cli.mjs']);
  execFileSync(process.execPath, [bin('cmake-js'), 'compile', '--directory', root, '--out', 'build', '--CDCMAKE_BUILD_TYPE=Release'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, npm_config_nodedir: nodedir },
  });
}
