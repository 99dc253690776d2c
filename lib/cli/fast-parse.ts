// A small parser for runc's argument grammar, driven by the table in commands.ts. It handles every
// well-formed call without loading yargs (tens of milliseconds of start-up); anything it does not
// accept — help, --version, an unknown flag, a missing argument — returns null and goes to yargs,
// which prints the help or the error.
import { GLOBAL_OPTIONS, findCommand } from './commands.js';
import type { CommandSpec, OptionSpec } from './commands.js';

export interface Parsed {
  command: CommandSpec;
  argv: Record<string, unknown>;
}

const BOOL = new Map([
  ['true', true],
  ['false', false],
]);

function lookup(options: readonly OptionSpec[], token: string): OptionSpec | undefined {
  if (token.startsWith('--')) return options.find((o) => o.name === token.slice(2));
  // runc (urfave/cli) takes single-dash long names too (-no-subreaper); one-letter ones are aliases.
  const bare = token.slice(1);
  return options.find((o) => o.alias === bare || o.name === bare);
}

function defaults(argv: Record<string, unknown>, options: readonly OptionSpec[]): void {
  for (const o of options) if (o.default !== undefined && !(o.name in argv)) argv[o.name] = o.default;
}

/** Reads one option at args[i]; returns the next index, or -1 if the option is malformed. */
function takeOption(argv: Record<string, unknown>, o: OptionSpec, args: string[], i: number, inline: string | undefined): number {
  let value: string | boolean | number;
  let next = i + 1;
  if (o.type === 'boolean') {
    if (inline === undefined) value = true;
    else if (BOOL.has(inline)) value = BOOL.get(inline)!;
    else return -1;
  } else {
    if (inline !== undefined) value = inline;
    else if (next < args.length) value = args[next++];
    else return -1;
    if (o.type === 'number') {
      if (!/^-?\d+$/.test(value)) return -1;
      value = Number(value);
    }
    if (o.choices && !o.choices.includes(String(value))) return -1;
  }
  if (o.type === 'array') argv[o.name] = [...((argv[o.name] as string[] | undefined) ?? []), String(value)];
  else argv[o.name] = value;
  return next;
}

export function fastParse(args: readonly string[]): Parsed | null {
  const argv: Record<string, unknown> = {};
  let command: CommandSpec | undefined;
  const positionals: string[] = [];
  const list = [...args];
  for (let i = 0; i < list.length; ) {
    const token = list[i];
    if (token === '-h' || token === '--help' || token === '-v' || token === '--version') return null;
    // As with runc (Go's flag package), option parsing stops at the last positional of a command
    // that takes a command line of its own: `exec ID sh -c x`, `ps ID -o pid`.
    if (command?.rest !== undefined && positionals.length === command.positionals.length) {
      argv['--'] = list.slice(token === '--' ? i + 1 : i);
      break;
    }
    if (token === '--') return null;
    if (token.startsWith('-') && token !== '-') {
      const eq = token.indexOf('=');
      const name = eq > 0 ? token.slice(0, eq) : token;
      const inline = eq > 0 ? token.slice(eq + 1) : undefined;
      const o = (command && lookup(command.options, name)) ?? lookup(GLOBAL_OPTIONS, name);
      if (!o) return null;
      i = takeOption(argv, o, list, i, inline);
      if (i < 0) return null;
      continue;
    }
    if (!command) {
      command = findCommand(token);
      if (!command) return null;
    } else {
      positionals.push(token);
    }
    i++;
  }
  if (!command) return null;
  const specs = command.positionals;
  if (positionals.length > specs.length) return null;
  for (const [k, p] of specs.entries()) {
    if (k < positionals.length) argv[p.name] = positionals[k];
    else if (p.required) return null;
  }
  defaults(argv, command.options);
  defaults(argv, GLOBAL_OPTIONS);
  return { command, argv };
}

