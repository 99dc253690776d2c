// Command-line entry: runc-compatible global flags and subcommands, defined once in commands.ts.
// Well-formed calls are parsed by fast-parse.ts; yargs is loaded only to print help or an argument
// error. Each command's code is imported only when that command runs.
import { closeSync, openSync } from 'node:fs';
import type { Argv } from 'yargs';
import { TsrcError } from '../util/errors.js';
import { configureLog, log } from '../util/log.js';
import type { LogFormat } from '../util/log.js';
import { COMMANDS, GLOBAL_OPTIONS, findCommand } from './commands.js';
import type { CommandSpec, OptionSpec } from './commands.js';
import { fastParse } from './fast-parse.js';
import { versionText } from './version.js';

export interface GlobalArgs {
  root: string;
  log?: string;
  'log-format': LogFormat;
  debug: boolean;
  'systemd-cgroup': boolean;
  rootless: string;
}

/** Runs a parsed command: errors become one line plus exit status 1. */
async function runCommand(command: CommandSpec, argv: Record<string, unknown>): Promise<void> {
  const a = argv as Record<string, unknown> & GlobalArgs;
  configureLog({ file: a.log, format: a['log-format'], debug: a.debug });
  if (a.rootless === 'true') throw new TsrcError('--rootless=true: rootless containers are not supported yet');
  const mod = await command.load();
  const code = await mod.default(a as never);
  process.exitCode = typeof code === 'number' ? code : 0;
}

function yargsOption(o: OptionSpec) {
  const type = o.type === 'array' ? 'string' : o.type;
  return { type, alias: o.alias, default: o.default, choices: o.choices, describe: o.describe, array: o.type === 'array' || undefined } as const;
}

/** The same command line as yargs sees it: for --help, --version and argument errors. */
export async function buildCli(args: string[]): Promise<Argv> {
  const { default: yargs } = await import('yargs');
  let y = yargs(args)
    .scriptName('tsrc')
    .parserConfiguration({
      'boolean-negation': false,
      'short-option-groups': false,
      'camel-case-expansion': false,
      'dot-notation': false,
      'populate--': true,
      'greedy-arrays': false,
    })
    .usage('tsrc: an OCI container runtime\n\nUsage: tsrc [global options] <command> [options]');
  for (const o of GLOBAL_OPTIONS) y = y.option(o.name, { ...yargsOption(o), global: true });
  for (const c of COMMANDS) {
    // A command's own command line (c.rest) arrives after `--` (normalizeArgs), so it is no positional.
    const words = c.positionals.map((p) => (p.required ? `<${p.name}>` : `[${p.name}]`));
    y = y.command(
      [[c.name, ...words].join(' '), ...(c.aliases ?? [])],
      c.rest ? `${c.describe}; usage: tsrc ${c.name} [options] ${words.join(' ')} [${c.rest}...]` : c.describe,
      (cy) => {
        for (const p of c.positionals) cy = cy.positional(p.name, { type: 'string', describe: p.describe, demandOption: p.required });
        for (const o of c.options) cy = cy.option(o.name, yargsOption(o));
        return cy;
      },
      (argv) => runCommand(c, argv as Record<string, unknown>),
    );
  }
  return y
    .demandCommand(1, 'a command is required; see tsrc --help')
    .strictCommands()
    .strictOptions()
    .version(versionText())
    .alias('version', 'v')
    .help()
    .alias('help', 'h')
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err) => {
      throw err ?? new TsrcError(msg);
    });
}

const GLOBAL_WITH_VALUE = new Set(['--root', '--log', '--log-format', '--rootless', '--criu']);

/** Index of the subcommand: the first word that is neither an option nor a global option's value. */
function commandIndex(args: string[]): number {
  for (let i = 0; i < args.length; i++) {
    if (GLOBAL_WITH_VALUE.has(args[i])) i++;
    else if (!args[i].startsWith('-')) return i;
  }
  return -1;
}

/**
 * Two runc argument shapes yargs would misread: the command line after the container id of a
 * command that takes one (`exec ID sh -c x`, `ps ID -ef`), moved behind `--`; and
 * `--resources -` (stdin), where yargs takes a lone `-` for a positional, joined into `--resources=-`.
 */
export function normalizeArgs(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if ((args[i] === '--resources' || args[i] === '-r') && args[i + 1] === '-') {
      out.push('--resources=-');
      i++;
    } else out.push(args[i]);
  }
  const at = commandIndex(out);
  const spec = at < 0 ? undefined : findCommand(out[at]);
  if (!spec?.rest || out.includes('--')) return out;
  let seen = 0;
  for (let i = at + 1; i < out.length; i++) {
    const o = out[i].startsWith('-') ? [...spec.options, ...GLOBAL_OPTIONS].find((x) => `--${x.name}` === out[i] || `-${x.alias}` === out[i]) : undefined;
    if (o) {
      if (o.type !== 'boolean') i++;
    } else if (!out[i].startsWith('-') && ++seen === spec.positionals.length) {
      return i + 1 < out.length ? [...out.slice(0, i + 1), '--', ...out.slice(i + 1)] : out;
    }
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
    // runc (urfave/cli) answers an unknown command, with or without -h, this way and with 3.
    const at = commandIndex(args);
    if (at >= 0 && !findCommand(args[at]) && args[at] !== 'help') throw new TsrcError(`No help topic for '${args[at]}'`, 3);
    const parsed = fastParse(args);
    if (parsed) await runCommand(parsed.command, parsed.argv);
    else await (await buildCli(normalizeArgs(args))).parseAsync();
  } catch (e) {
    const err = e as Error;
    log.error(err instanceof TsrcError || err.name.endsWith('Error') ? err.message : String(err));
    if (process.env.TSRC_DEBUG_STACK) process.stderr.write(`${err.stack}\n`);
    process.exitCode = err instanceof TsrcError ? err.exitCode : 1;
  }
}
