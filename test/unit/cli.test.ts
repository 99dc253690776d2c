import t from 'tap';
import { buildCli, normalizeArgs } from '../../lib/cli/main.js';
import { fastParse } from '../../lib/cli/fast-parse.js';
import { formatLine, rfc3339 } from '../../lib/util/log.js';
import { parseSignal } from '../../lib/util/signals.js';

function parse(args: string[]): Record<string, unknown> {
  const p = fastParse(args);
  if (!p) throw new Error(`fast parser refused ${args.join(' ')}`);
  return { ...p.argv, command: p.command.name };
}

/** What yargs makes of the same arguments (it only runs for help and errors, but must agree). */
async function yargsParse(args: string[]): Promise<Record<string, unknown>> {
  let seen: Record<string, unknown> = {};
  const cli = await buildCli(normalizeArgs(args));
  cli.middleware((argv) => {
    seen = argv;
    throw new Error('__parsed__');
  });
  try {
    await cli.parseAsync();
  } catch (e) {
    if ((e as Error).message !== '__parsed__') throw e;
  }
  return seen;
}

t.test('runc-style flags are read as themselves', async (t) => {
  const a = parse(['--root', '/r', '--log', '/l.json', '--log-format', 'json', 'create', '--bundle', '/b', '--pid-file', '/p', '--no-pivot', '--no-new-keyring', '--preserve-fds', '2', 'c1']);
  t.match(a, { root: '/r', log: '/l.json', 'log-format': 'json', bundle: '/b', 'pid-file': '/p', 'no-pivot': true, 'no-new-keyring': true, 'preserve-fds': 2, 'container-id': 'c1' });
  t.equal(a.pivot, undefined, 'no boolean negation');
});

t.test('kill takes the signal positionally, --all as a flag', async (t) => {
  t.match(parse(['kill', '--all', 'c1', '9']), { 'container-id': 'c1', signal: '9', all: true });
  t.match(parse(['kill', 'c1']), { 'container-id': 'c1', all: false });
});

t.test('delete --force, list -q, --rootless=false, run -d', async (t) => {
  t.match(parse(['delete', '--force', 'c1']), { force: true });
  t.match(parse(['list', '-q']), { quiet: true });
  t.match(parse(['--rootless=false', 'state', 'c1']), { rootless: 'false' });
  t.match(parse(['run', '-d', '-b', '/b', 'c1']), { detach: true, bundle: '/b' });
  t.match(parse(['--systemd-cgroup', 'state', 'x']), { 'systemd-cgroup': true });
});

t.test('signals: numbers and names, with or without SIG', async (t) => {
  t.equal(parseSignal('9'), 9);
  t.equal(parseSignal('KILL'), 9);
  t.equal(parseSignal('SIGKILL'), 9);
  t.equal(parseSignal('term'), 15);
  t.equal(parseSignal(undefined), 15);
  t.throws(() => parseSignal('NOPE'), /unknown signal "NOPE"/);
  t.throws(() => parseSignal('99'), /invalid signal/);
  t.equal(parseSignal('0'), 0, '0: only a check that the process exists, as runc takes it');
});

t.test('log lines: json exactly {level,msg,time}, time RFC3339', async (t) => {
  const d = new Date('2026-01-02T03:04:05.678Z');
  t.equal(formatLine('error', 'boom "x"', 'json', d), '{"level":"error","msg":"boom \\"x\\"","time":"2026-01-02T03:04:05Z"}\n');
  t.equal(formatLine('warning', 'w', 'text', d), 'time="2026-01-02T03:04:05Z" level=warning msg="w"\n');
  t.match(rfc3339(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

t.test('ps options after the id and --resources - survive parsing', async (t) => {
  t.same(normalizeArgs(['--root', 'ps', 'ps', 'c1', '-o', 'pid']), ['--root', 'ps', 'ps', 'c1', '--', '-o', 'pid']);
  t.same(normalizeArgs(['ps', '--format', 'json', 'c1']), ['ps', '--format', 'json', 'c1']);
  t.same(normalizeArgs(['state', 'ps']), ['state', 'ps']);
  t.same(normalizeArgs(['update', '--resources', '-', 'c1']), ['update', '--resources=-', 'c1']);
  t.match(await yargsParse(['update', '-r', '-', 'c1']), { resources: '-', 'container-id': 'c1' });
  t.match(await yargsParse(['ps', 'c1', '-ef']), { 'container-id': 'c1', '--': ['-ef'] });
  t.match(parse(['update', '-r', '-', 'c1']), { resources: '-', 'container-id': 'c1' });
  t.match(parse(['ps', 'c1', '-ef']), { 'container-id': 'c1', '--': ['-ef'] });
});

t.test('update builds LinuxResources from flags over the JSON document', async (t) => {
  const { resourcesFrom } = await import('../../lib/cli/update.js');
  const r = await resourcesFrom({ resources: '-', memory: '512m', 'cpu-quota': 20000, 'pids-limit': 10 }, () => '{"memory":{"limit":1,"swap":2},"cpu":{"shares":0}}');
  t.same(r, { memory: { limit: 512 * 1024 * 1024, swap: 2 }, cpu: { shares: 0, quota: 20000 }, pids: { limit: 10 } });
  t.same(await resourcesFrom({ memory: '-1' }, () => ''), { memory: { limit: -1 } });
  await t.rejects(resourcesFrom({ memory: 'lots' }, () => ''), /--memory/);
});

t.test('go durations for events --interval', async (t) => {
  const { parseDuration } = await import('../../lib/cli/events.js');
  t.equal(parseDuration('5s'), 5000);
  t.equal(parseDuration('1m30s'), 90000);
  t.equal(parseDuration('250ms'), 250);
  t.throws(() => parseDuration('5'), /--interval/);
});

t.test('ps table filtering keeps the header and the container pids', async (t) => {
  const { filterPsTable } = await import('../../lib/cli/ps.js');
  const out = filterPsTable('UID PID PPID CMD\nroot 1 0 init\nroot 42 1 sleep\n', new Set([42]));
  t.equal(out, 'UID PID PPID CMD\nroot 42 1 sleep\n');
});

t.test('log options are found before the subcommand, in both spellings', async (t) => {
  const { earlyLogOptions } = await import('../../lib/cli/main.js');
  t.same(earlyLogOptions(['--root', '/r', '--log', '/l.json', '--log-format', 'json', 'exec', 'x']), { file: '/l.json', format: 'json' });
  t.same(earlyLogOptions(['--log=/l', '--log-format=json', 'bogus']), { file: '/l', format: 'json' });
  t.same(earlyLogOptions(['state', '--log', '/not-global']), { file: undefined, format: 'text' });
});

t.test('the fast parser and yargs agree on every well-formed call', async (t) => {
  const samples = [
    ['--root', '/r', '--log', '/l', '--log-format', 'json', 'create', '--bundle', '/b', '--pid-file', '/p', '--console-socket', '/s', 'c1'],
    ['create', '-b', '/b', '--no-pivot', '--no-new-keyring', '--preserve-fds', '3', 'c1'],
    ['run', '-d', '--keep', 'c1'],
    ['kill', '--all', 'c1', 'KILL'],
    ['kill', 'c1'],
    ['delete', '-f', 'c1'],
    ['list', '--format', 'json', '-q'],
    ['update', '--memory', '512m', '--cpu-quota', '-1', '--pids-limit', '10', 'c1'],
    ['events', '--stats', '--interval', '1s', 'c1'],
    ['exec', '-t', '-e', 'A=1', '-e', 'B=2', '--user', '1000:1000', '--cwd', '/tmp', '--cap', 'CAP_KILL', 'c1', 'sh', '-c', 'echo -n x'],
    ['exec', '--process', '/p.json', '--detach', '--pid-file', '/x.pid', 'c1'],
    ['--systemd-cgroup', '--rootless=false', 'state', 'c1'],
    ['ps', '--format', 'json', 'c1'],
    ['spec', '--bundle', '/b'],
  ];
  for (const args of samples) {
    const fast = parse(args);
    const slow = await yargsParse(args);
    const keys = Object.keys(fast).filter((k) => k !== 'command');
    t.same(Object.fromEntries(keys.map((k) => [k, slow[k]])), Object.fromEntries(keys.map((k) => [k, fast[k]])), args.join(' '));
  }
});

t.test('the fast parser hands help, unknown flags and missing arguments to yargs', async (t) => {
  for (const args of [['--help'], ['state', '-h'], ['--version'], ['create', '--bogus', 'c1'], ['state'], ['frobnicate', 'x'], ['kill', 'a', 'b', 'c'], ['list', '--format', 'xml'], ['create', '--preserve-fds', 'x', 'c1'], []]) {
    t.equal(fastParse(args), null, args.join(' ') || '(nothing)');
  }
});
