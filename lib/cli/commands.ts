// The one definition of tsrc's command line (runc's contract): global options, commands, their
// positionals and options. The fast parser reads it on every call; yargs is built from it only to
// print help and argument errors, so the two can never disagree about what a flag is.

export interface OptionSpec {
  name: string;
  alias?: string;
  /** 'array': the option may repeat; every value is collected. */
  type: 'string' | 'boolean' | 'number' | 'array';
  default?: string | boolean | number | string[];
  choices?: readonly string[];
  describe: string;
}

export interface PositionalSpec {
  name: string;
  required: boolean;
  describe: string;
}

// Each command module types its own argv; the parser has already checked it against this table.
export type Handler = (argv: never) => Promise<number | void>;

export interface CommandSpec {
  name: string;
  aliases?: readonly string[];
  describe: string;
  positionals: readonly PositionalSpec[];
  /** Everything after the positionals is passed on verbatim as argv['--'] (ps options, exec's command). */
  rest?: string;
  options: readonly OptionSpec[];
  load(): Promise<{ default: Handler }>;
}

export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'root', type: 'string', default: '/run/tsrc', describe: 'root directory for storage of container state' },
  { name: 'log', type: 'string', describe: 'write runtime log messages to this file' },
  { name: 'log-format', type: 'string', default: 'text', choices: ['text', 'json'], describe: 'log format' },
  { name: 'debug', type: 'boolean', default: false, describe: 'enable debug logging' },
  { name: 'systemd-cgroup', type: 'boolean', default: false, describe: 'use the systemd cgroup driver (cgroupsPath slice:prefix:name)' },
  { name: 'rootless', type: 'string', default: 'auto', choices: ['true', 'false', 'auto'], describe: 'rootless mode (only false/auto supported)' },
];

const ID: PositionalSpec = { name: 'container-id', required: true, describe: 'container id' };
const bundle: OptionSpec = { name: 'bundle', alias: 'b', type: 'string', default: '.', describe: 'path to the bundle directory' };
const pidFile: OptionSpec = { name: 'pid-file', type: 'string', describe: 'file to write the process pid to' };
const consoleSocket: OptionSpec = { name: 'console-socket', type: 'string', describe: 'unix socket that receives the pty master (process.terminal)' };
const noPivot: OptionSpec = { name: 'no-pivot', type: 'boolean', default: false, describe: 'do not use pivot_root (MS_MOVE + chroot instead)' };
const noNewKeyring: OptionSpec = { name: 'no-new-keyring', type: 'boolean', default: false, describe: 'do not create a new session keyring' };
const preserveFds: OptionSpec = { name: 'preserve-fds', type: 'number', default: 0, describe: 'pass N additional fds (3..3+N-1) to the process' };
const detach: OptionSpec = { name: 'detach', alias: 'd', type: 'boolean', default: false, describe: 'detach from the process' };

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'create',
    describe: 'create a container',
    positionals: [ID],
    options: [bundle, pidFile, consoleSocket, noPivot, noNewKeyring, preserveFds],
    load: () => import('./create.js'),
  },
  {
    name: 'run',
    describe: 'create and start a container',
    positionals: [ID],
    options: [
      bundle, pidFile, consoleSocket, detach, noPivot, noNewKeyring, preserveFds,
      { name: 'keep', type: 'boolean', default: false, describe: 'do not delete the container after it exits' },
    ],
    load: () => import('./run.js'),
  },
  { name: 'start', describe: 'start a created container', positionals: [ID], options: [], load: () => import('./start.js') },
  { name: 'state', describe: 'print the state of a container as JSON', positionals: [ID], options: [], load: () => import('./state.js') },
  {
    name: 'kill',
    describe: 'send a signal (default SIGTERM) to the container init',
    positionals: [ID, { name: 'signal', required: false, describe: 'signal number or name (KILL, SIGKILL, 9)' }],
    options: [{ name: 'all', alias: 'a', type: 'boolean', default: false, describe: 'signal every process in the container' }],
    load: () => import('./kill.js'),
  },
  {
    name: 'delete',
    describe: 'delete a container and its resources',
    positionals: [ID],
    options: [{ name: 'force', alias: 'f', type: 'boolean', default: false, describe: 'kill a running container first' }],
    load: () => import('./delete.js'),
  },
  {
    name: 'exec',
    describe: 'run a new process in a container',
    positionals: [ID],
    rest: 'command',
    options: [
      consoleSocket, pidFile, detach, preserveFds,
      { name: 'process', alias: 'p', type: 'string', describe: 'process.json describing the process' },
      { name: 'tty', alias: 't', type: 'boolean', default: false, describe: 'allocate a pseudo-TTY' },
      { name: 'cwd', type: 'string', describe: 'current working directory in the container' },
      { name: 'env', alias: 'e', type: 'array', describe: 'set an environment variable (repeatable)' },
      { name: 'user', alias: 'u', type: 'string', describe: 'uid[:gid]' },
      { name: 'additional-gids', alias: 'g', type: 'array', describe: 'additional gid (repeatable)' },
      { name: 'cap', alias: 'c', type: 'array', describe: 'add a capability (repeatable)' },
      { name: 'no-new-privs', type: 'boolean', default: false, describe: 'set no_new_privs' },
      { name: 'apparmor', type: 'string', describe: 'AppArmor profile for the process (the host must have AppArmor)' },
      { name: 'process-label', type: 'string', describe: 'SELinux label for the process (the host must have SELinux)' },
      { name: 'ignore-paused', type: 'boolean', default: false, describe: 'allow exec in a paused container' },
      { name: 'cgroup', type: 'string', describe: 'sub-cgroup to run the process in' },
    ],
    load: () => import('./exec.js'),
  },
  { name: 'pause', describe: 'freeze every process of a container', positionals: [ID], options: [], load: () => import('./pause.js') },
  { name: 'resume', describe: 'thaw a paused container', positionals: [ID], options: [], load: () => import('./resume.js') },
  {
    name: 'ps',
    describe: 'list the processes of a container (ps(1) options after the id; default -ef)',
    positionals: [ID],
    rest: 'ps-options',
    options: [{ name: 'format', alias: 'f', type: 'string', default: 'table', choices: ['table', 'json'], describe: 'json: an array of host pids' }],
    load: () => import('./ps.js'),
  },
  {
    name: 'update',
    describe: "change a running container's resource limits",
    positionals: [ID],
    options: [
      { name: 'resources', alias: 'r', type: 'string', describe: 'LinuxResources JSON file, or - for stdin' },
      { name: 'memory', type: 'string', describe: 'memory limit in bytes (units allowed: 512m, 1g; -1 = unlimited)' },
      { name: 'memory-reservation', type: 'string', describe: 'memory soft limit' },
      { name: 'memory-swap', type: 'string', describe: 'memory+swap limit' },
      { name: 'kernel-memory', type: 'string', describe: 'kernel memory limit (v1, deprecated)' },
      { name: 'kernel-memory-tcp', type: 'string', describe: 'kernel TCP buffer limit (v1, deprecated)' },
      { name: 'cpu-share', type: 'number', describe: 'cpu shares (relative weight)' },
      { name: 'cpu-quota', type: 'number', describe: 'CFS quota in microseconds per period' },
      { name: 'cpu-period', type: 'number', describe: 'CFS period in microseconds' },
      { name: 'cpu-rt-period', type: 'number', describe: 'realtime period in microseconds' },
      { name: 'cpu-rt-runtime', type: 'number', describe: 'realtime runtime in microseconds' },
      { name: 'cpuset-cpus', type: 'string', describe: 'CPUs allowed (0-3, 0,1)' },
      { name: 'cpuset-mems', type: 'string', describe: 'memory nodes allowed' },
      { name: 'pids-limit', type: 'number', describe: 'maximum number of pids' },
      { name: 'blkio-weight', type: 'number', describe: 'block IO weight (10-1000)' },
    ],
    load: () => import('./update.js'),
  },
  {
    name: 'events',
    describe: 'print container events (stats, oom) as JSON lines',
    positionals: [ID],
    options: [
      { name: 'stats', type: 'boolean', default: false, describe: 'print one stats object and exit' },
      { name: 'interval', type: 'string', default: '5s', describe: 'stats interval (Go duration: 5s, 500ms)' },
    ],
    load: () => import('./events.js'),
  },
  {
    name: 'list',
    aliases: ['ls'],
    describe: 'list containers',
    positionals: [],
    options: [
      { name: 'format', alias: 'f', type: 'string', default: 'table', choices: ['table', 'json'], describe: 'output format' },
      { name: 'quiet', alias: 'q', type: 'boolean', default: false, describe: 'print only container ids' },
    ],
    load: () => import('./list.js'),
  },
  {
    name: 'spec',
    describe: 'write a default config.json',
    positionals: [],
    options: [{ ...bundle, describe: 'directory to write config.json in' }],
    load: () => import('./spec.js'),
  },
  { name: 'features', describe: 'print the features tsrc implements as JSON', positionals: [], options: [], load: () => import('./features.js') },
];

export function findCommand(word: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === word || c.aliases?.includes(word));
}
