// Command-line entry: runc-compatible global flags and subcommands. Each command's code is
// imported only when that command runs, so a call pays for nothing it does not use.
import { closeSync, openSync } from 'node:fs';
import yargs from 'yargs';
import type { Argv } from 'yargs';
import { TsrcError } from '../util/errors.js';
import { configureLog, log } from '../util/log.js';
import type { LogFormat } from '../util/log.js';
import { VERSION } from './version.js';

export interface GlobalArgs {
  root: string;
  log?: string;
  'log-format': LogFormat;
  debug: boolean;
  'systemd-cgroup': boolean;
  rootless: string;
}

// Each command module types its own argv; yargs has already checked them against the options declared here.
type Handler = (argv: never) => Promise<number | void>;

/** Wraps a lazily imported command module so errors become one line plus exit status 1. */
function lazy(load: () => Promise<{ default: Handler }>): (argv: unknown) => Promise<void> {
  return async (argv) => {
    const a = argv as Record<string, unknown> & GlobalArgs;
    configureLog({ file: a.log, format: a['log-format'], debug: a.debug });
    if (a['systemd-cgroup']) throw new TsrcError('--systemd-cgroup: the systemd cgroup driver is not supported yet');
    if (a.rootless === 'true') throw new TsrcError('--rootless=true: rootless containers are not supported yet');
    const mod = await load();
    const code = await mod.default(a as never);
    process.exitCode = typeof code === 'number' ? code : 0;
  };
}

const id = (y: Argv) => y.positional('container-id', { type: 'string', describe: 'container id', demandOption: true });

export function buildCli(args: string[]): Argv {
  return yargs(args)
    .scriptName('tsrc')
    .parserConfiguration({
      'boolean-negation': false,
      'short-option-groups': false,
      'camel-case-expansion': false,
      'dot-notation': false,
      'populate--': true,
    })
    .usage('tsrc: an OCI container runtime\n\nUsage: tsrc [global options] <command> [options]')
    .option('root', { type: 'string', default: '/run/tsrc', describe: 'root directory for storage of container state', global: true })
    .option('log', { type: 'string', describe: 'write runtime log messages to this file', global: true })
    .option('log-format', { choices: ['text', 'json'], default: 'text', describe: 'log format', global: true })
    .option('debug', { type: 'boolean', default: false, describe: 'enable debug logging', global: true })
    .option('systemd-cgroup', { type: 'boolean', default: false, describe: 'use the systemd cgroup driver (not supported yet)', global: true })
    .option('rootless', { type: 'string', default: 'auto', choices: ['true', 'false', 'auto'], describe: 'rootless mode (only false/auto supported)', global: true })
    .command('create <container-id>', 'create a container', (y) =>
      id(y)
        .option('bundle', { alias: 'b', type: 'string', default: '.', describe: 'path to the bundle directory' })
        .option('pid-file', { type: 'string', describe: 'file to write the container init pid to' })
        .option('console-socket', { type: 'string', describe: 'unix socket to receive the pty master (not supported yet)' })
        .option('no-pivot', { type: 'boolean', default: false, describe: 'do not use pivot_root (MS_MOVE + chroot instead)' })
        .option('no-new-keyring', { type: 'boolean', default: false, describe: 'do not create a new session keyring' })
        .option('preserve-fds', { type: 'number', default: 0, describe: 'pass N additional fds (3..3+N-1) to the container' }),
      lazy(() => import('./create.js')),
    )
    .command('run <container-id>', 'create and start a container', (y) =>
      id(y)
        .option('bundle', { alias: 'b', type: 'string', default: '.', describe: 'path to the bundle directory' })
        .option('pid-file', { type: 'string', describe: 'file to write the container init pid to' })
        .option('console-socket', { type: 'string', describe: 'unix socket to receive the pty master (not supported yet)' })
        .option('detach', { alias: 'd', type: 'boolean', default: false, describe: 'detach from the container process' })
        .option('no-pivot', { type: 'boolean', default: false, describe: 'do not use pivot_root' })
        .option('no-new-keyring', { type: 'boolean', default: false, describe: 'do not create a new session keyring' })
        .option('preserve-fds', { type: 'number', default: 0, describe: 'pass N additional fds to the container' })
        .option('keep', { type: 'boolean', default: false, describe: 'do not delete the container after it exits' }),
      lazy(() => import('./run.js')),
    )
    .command('start <container-id>', 'start a created container', id, lazy(() => import('./start.js')))
    .command('state <container-id>', 'print the state of a container as JSON', id, lazy(() => import('./state.js')))
    .command(
      'kill <container-id> [signal]',
      'send a signal (default SIGTERM) to the container init',
      (y) =>
        id(y)
          .positional('signal', { type: 'string', describe: 'signal number or name (KILL, SIGKILL, 9)' })
          .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'signal every process in the container' }),
      lazy(() => import('./kill.js')),
    )
    .command(
      'delete <container-id>',
      'delete a container and its resources',
      (y) => id(y).option('force', { alias: 'f', type: 'boolean', default: false, describe: 'kill a running container first' }),
      lazy(() => import('./delete.js')),
    )
    .command('pause <container-id>', 'freeze every process of a container', id, lazy(() => import('./pause.js')))
    .command('resume <container-id>', 'thaw a paused container', id, lazy(() => import('./resume.js')))
    .command(
      'ps <container-id> [ps-options..]',
      'list the processes of a container (ps options after the id; default -ef)',
      (y) => id(y).option('format', { alias: 'f', choices: ['table', 'json'], default: 'table', describe: 'json: an array of host pids' }),
      lazy(() => import('./ps.js')),
    )
    .command(
      'update <container-id>',
      "change a running container's resource limits",
      (y) =>
        id(y)
          .option('resources', { alias: 'r', type: 'string', describe: 'LinuxResources JSON file, or - for stdin' })
          .option('memory', { type: 'string', describe: 'memory limit in bytes (units allowed: 512m, 1g; -1 = unlimited)' })
          .option('memory-reservation', { type: 'string', describe: 'memory soft limit' })
          .option('memory-swap', { type: 'string', describe: 'memory+swap limit' })
          .option('kernel-memory', { type: 'string', describe: 'kernel memory limit (v1, deprecated)' })
          .option('kernel-memory-tcp', { type: 'string', describe: 'kernel TCP buffer limit (v1, deprecated)' })
          .option('cpu-share', { type: 'number', describe: 'cpu shares (relative weight)' })
          .option('cpu-quota', { type: 'number', describe: 'CFS quota in microseconds per period' })
          .option('cpu-period', { type: 'number', describe: 'CFS period in microseconds' })
          .option('cpu-rt-period', { type: 'number', describe: 'realtime period in microseconds' })
          .option('cpu-rt-runtime', { type: 'number', describe: 'realtime runtime in microseconds' })
          .option('cpuset-cpus', { type: 'string', describe: 'CPUs allowed (0-3, 0,1)' })
          .option('cpuset-mems', { type: 'string', describe: 'memory nodes allowed' })
          .option('pids-limit', { type: 'number', describe: 'maximum number of pids' })
          .option('blkio-weight', { type: 'number', describe: 'block IO weight (10-1000)' }),
      lazy(() => import('./update.js')),
    )
    .command(
      'events <container-id>',
      'print container events (stats, oom) as JSON lines',
      (y) =>
        id(y)
          .option('stats', { type: 'boolean', default: false, describe: 'print one stats object and exit' })
          .option('interval', { type: 'string', default: '5s', describe: 'stats interval (Go duration: 5s, 500ms)' }),
      lazy(() => import('./events.js')),
    )
    .command(
      ['list', 'ls'],
      'list containers',
      (y) =>
        y
          .option('format', { alias: 'f', choices: ['table', 'json'], default: 'table', describe: 'output format' })
          .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'print only container ids' }),
      lazy(() => import('./list.js')),
    )
    .command(
      'spec',
      'write a default config.json',
      (y) =>
        y.option('bundle', { alias: 'b', type: 'string', default: '.', describe: 'directory to write config.json in' }),
      lazy(() => import('./spec.js')),
    )
    .command('features', 'print the features tsrc implements as JSON', (y) => y, lazy(() => import('./features.js')))
    .demandCommand(1, 'a command is required; see tsrc --help')
    .strictCommands()
    .version(`tsrc version ${VERSION.tsrc}\nspec: ${VERSION.spec}`)
    .alias('version', 'v')
    .help()
    .alias('help', 'h')
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err) => {
      throw err ?? new TsrcError(msg);
    });
}

/**
 * Two runc argument shapes yargs would misread: ps(1) options after the container id
 * (`tsrc ps ID -ef`), moved behind `--`; and `--resources -` (stdin), where yargs takes a lone
 * `-` for a positional, joined into `--resources=-`.
 */
const GLOBAL_WITH_VALUE = new Set(['--root', '--log', '--log-format', '--rootless', '--criu']);

/** Index of the subcommand: the first word that is neither an option nor a global option's value. */
function commandIndex(args: string[]): number {
  for (let i = 0; i < args.length; i++) {
    if (GLOBAL_WITH_VALUE.has(args[i])) i++;
    else if (!args[i].startsWith('-')) return i;
  }
  return -1;
}

export function normalizeArgs(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if ((args[i] === '--resources' || args[i] === '-r') && args[i + 1] === '-') {
      out.push('--resources=-');
      i++;
    } else out.push(args[i]);
  }
  const at = commandIndex(out);
  if (at < 0 || out[at] !== 'ps' || out.includes('--')) return out;
  for (let i = at + 1; i < out.length; i++) {
    if (out[i] === '--format' || out[i] === '-f') i++;
    else if (!out[i].startsWith('-')) return i + 1 < out.length ? [...out.slice(0, i + 1), '--', ...out.slice(i + 1)] : out;
  }
  return out;
}

/**
 * The log options, read before yargs runs, so that even an argument error reaches the --log file
 * that containerd reads back. Like runc, the log file is created on every call.
 */
export function earlyLogOptions(args: string[]): { file?: string; format: LogFormat } {
  let file: string | undefined;
  let format: LogFormat = 'text';
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    const value = () => (inline !== undefined ? inline : args[++i]);
    if (flag === '--log') file = value();
    else if (flag === '--log-format') format = value() === 'json' ? 'json' : 'text';
    else if (GLOBAL_WITH_VALUE.has(flag)) value();
    else if (!flag.startsWith('-')) break; // the subcommand: global options come before it
  }
  return { file, format };
}

export async function main(args: string[]): Promise<void> {
  const early = earlyLogOptions(args);
  configureLog({ ...early, debug: false });
  if (early.file) {
    try {
      closeSync(openSync(early.file, 'a', 0o644));
    } catch {
      // Reported when something is actually logged.
    }
  }
  try {
    await buildCli(normalizeArgs(args)).parseAsync();
  } catch (e) {
    const err = e as Error;
    log.error(err instanceof TsrcError || err.name.endsWith('Error') ? err.message : String(err));
    if (process.env.TSRC_DEBUG_STACK) process.stderr.write(`${err.stack}\n`);
    process.exitCode = err instanceof TsrcError ? err.exitCode : 1;
  }
}
