// loadSpec(): reading <bundle>/config.json, JSON syntax errors with their position, schema errors
// with their pointer; plus process.json (exec) and resources (update) documents.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

// The type of a subtest's `t` (the last overload of t.test takes just the callback).
type Test = Parameters<Parameters<typeof t.test>[0]>[0];
import { SpecError } from '../../lib/spec/errors.js';
import { locateJsonError, parseJsonDocument } from '../../lib/spec/json-document.js';
import { loadProcessFile, parseProcess } from '../../lib/spec/load-process.js';
import { loadSpec, parseSpec } from '../../lib/spec/load.js';
import { parseResources } from '../../lib/spec/parse-resources.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', 'fixtures', 'configs');
const fixture = (name: string): string => join(fixtures, name);

/** A bundle directory holding `file` as config.json. */
function bundleWith(t: Test, file: string): string {
  const dir = t.testdir({});
  copyFileSync(file, join(dir, 'config.json'));
  return dir;
}

function loadError(t: Test, bundle: string): SpecError {
  try {
    loadSpec(bundle);
  } catch (e) {
    t.ok(e instanceof SpecError, 'throws a SpecError');
    t.notMatch((e as Error).message, /\n/, 'message is one line');
    return e as SpecError;
  }
  t.fail('loadSpec did not throw');
  throw new Error('unreachable');
}

t.test('loads the configs real callers write', async (t) => {
  for (const name of ['runc-default.json', 'runc-rootless.json', 'containerd-base.json', 'docker.json', 'spec-example.json']) {
    const spec = loadSpec(bundleWith(t, fixture(name)));
    const raw = JSON.parse(readFileSync(fixture(name), 'utf8'));
    t.same(spec, raw, `${name}: loaded as written`);
  }
});

t.test('a missing or unreadable config.json names the file', async (t) => {
  const empty = t.testdir({});
  t.equal(loadError(t, empty).message, `config.json: cannot read ${join(empty, 'config.json')}: no such file or directory`);
  t.equal(loadError(t, '/nonexistent/bundle').message, 'config.json: cannot read /nonexistent/bundle/config.json: no such file or directory');

  const notDir = t.testdir({ file: 'x' });
  t.equal(loadError(t, join(notDir, 'file')).message, `config.json: cannot read ${join(notDir, 'file', 'config.json')}: not a directory`);

  const dirAsConfig = t.testdir({ 'config.json': {} });
  t.equal(loadError(t, dirAsConfig).message, `config.json: cannot read ${join(dirAsConfig, 'config.json')}: illegal operation on a directory`);
});

t.test('JSON syntax errors give line, column and reason', async (t) => {
  const cases: Array<[string, string]> = [
    ['trailing-garbage.json', 'config.json: invalid JSON at line 176, column 1: unexpected data after the JSON value: "}"'],
    ['missing-comma.json', 'config.json: invalid JSON at line 17, column 3: expected "," or "}" but found a string'],
    ['empty.json', 'config.json: invalid JSON at line 1, column 1: the document is empty'],
    ['bom.json', 'config.json: invalid JSON at line 1, column 1: unexpected byte order mark U+FEFF'],
    ['not-utf8.json', 'config.json: invalid JSON at line 1 (byte offset 100): not valid UTF-8'],
  ];
  for (const [file, msg] of cases) {
    const err = loadError(t, bundleWith(t, fixture(join('bad', file))));
    t.equal(err.message, msg, file);
    t.equal(err.file, 'config.json');
  }
});

t.test('the error locator agrees with JSON.parse', async (t) => {
  const bad: Array<[string, string]> = [
    ['{"a":1} x', 'line 1, column 9: unexpected data after the JSON value: "x"'],
    ['{"a":1}{}', 'line 1, column 8: unexpected data after the JSON value: "{"'],
    ['{"a":1}\n\n  ]', 'line 3, column 3: unexpected data after the JSON value: "]"'],
    ['{"a":1,}', 'line 1, column 8: expected a property name in double quotes but found "}"'],
    ['[1,]', 'line 1, column 4: unexpected "]"'],
    ['{"a" 1}', 'line 1, column 6: expected ":" but found "1"'],
    ["{'a':1}", 'line 1, column 2: expected a property name in double quotes but found "\'"'],
    ['{"a":01}', 'line 1, column 7: invalid number'],
    ['{"a":1.}', 'line 1, column 7: invalid number'],
    ['{"a":-}', 'line 1, column 6: invalid number'],
    ['{"a":tru}', 'line 1, column 9: unexpected "}"'],
    ['{"a":"x\ty"}', 'line 1, column 8: control character U+0009 in string (escape it)'],
    ['{"a":"\\x"}', 'line 1, column 7: invalid escape in string'],
    ['{"a":"\\u12G4"}', 'line 1, column 7: invalid \\u escape in string'],
    ['{"a":"abc', 'line 1, column 6: unterminated string'],
    ['{"a":[1,2', 'line 1, column 10: unexpected end of input'],
    ['   \n ', 'line 2, column 2: the document is empty'],
    ['{"a":NaN}', 'line 1, column 6: unexpected "N"'],
    ['\u0001', 'line 1, column 1: unexpected U+0001'],
  ];
  for (const [text, where] of bad) {
    t.throws(() => JSON.parse(text), `JSON.parse rejects ${JSON.stringify(text)}`);
    const loc = locateJsonError(text);
    t.ok(loc, `locator finds an error in ${JSON.stringify(text)}`);
    if (loc) t.equal(`line ${loc.line}, column ${loc.column}: ${loc.reason}`, where, JSON.stringify(text));
    t.throws(() => parseJsonDocument(text, 'f.json'), { message: `f.json: invalid JSON at ${where}` });
  }
  // Everything JSON.parse accepts, the locator accepts: each fixture, and odd but valid text.
  const good = ['0', '-0.5e+10', '"\\u00e9\\n"', '[]', '{}', ' [ {"a" : [true, false, null]} , 1E3 ] ', '{"":{}}'];
  for (const name of ['runc-default.json', 'docker.json', 'spec-example.json']) good.push(readFileSync(fixture(name), 'utf8'));
  for (const text of good) t.equal(locateJsonError(text), null, `valid: ${text.slice(0, 30)}`);
  // Deep nesting cannot overflow the locator's stack.
  const deep = '['.repeat(200000) + ']'.repeat(199999);
  t.match(locateJsonError(deep)?.reason, 'unexpected end of input');
});

t.test('schema violations name the pointer and the rule', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['relative-cwd.json', '/process/cwd', 'config.json: /process/cwd: must be an absolute path (got "tmp")'],
    ['bad-namespace-type.json', '/linux/namespaces/1/type', 'config.json: /linux/namespaces/1/type: must be one of pid, network, mount, ipc, uts, user, cgroup, time (got "net")'],
    ['array.json', '', 'config.json: must be an object (got an array)'],
  ];
  for (const [file, pointer, msg] of cases) {
    const err = loadError(t, bundleWith(t, fixture(join('bad', file))));
    t.equal(err.message, msg, file);
    t.equal(err.pointer, pointer, `${file}: pointer`);
  }
});

t.test('parseSpec names the document it was given', async (t) => {
  t.throws(() => parseSpec('{}', 'my.json'), { message: 'my.json: /ociVersion: is required' });
  t.throws(() => parseSpec('{"ociVersion":"1.0"}'), { message: 'config.json: /ociVersion: must be a SemVer 2.0.0 version such as "1.0.2" (got "1.0")' });
  t.same(parseSpec('{"ociVersion":"1.2.0"}'), { ociVersion: '1.2.0' });
});

t.test('process.json for exec', async (t) => {
  const dir = t.testdir({
    'good.json': JSON.stringify({ user: { uid: 0, gid: 0 }, args: ['sh'], cwd: '/', terminal: false, 'x-extra': 1 }),
    'bad.json': JSON.stringify({ user: { uid: 0, gid: 0 }, args: ['sh'], cwd: 'rel' }),
    'nouser.json': JSON.stringify({ args: ['sh'], cwd: '/' }),
  });
  t.same(loadProcessFile(join(dir, 'good.json')).args, ['sh']);
  t.throws(() => loadProcessFile(join(dir, 'bad.json')), { message: `${join(dir, 'bad.json')}: /cwd: must be an absolute path (got "rel")` });
  t.same(loadProcessFile(join(dir, 'nouser.json')).user, { uid: 0, gid: 0 }, 'no user: root, as runc');
  t.throws(() => loadProcessFile(join(dir, 'none.json')), {
    message: `${join(dir, 'none.json')}: cannot read ${join(dir, 'none.json')}: no such file or directory`,
  });
  t.throws(() => parseProcess('{"cwd":"/","user":{"uid":-1,"gid":0}}', 'p.json'), { message: 'p.json: /user/uid: must be at least 0 (got -1)' });
});

t.test('resources for update (what docker update sends on stdin)', async (t) => {
  const docker = '{"memory":{"limit":134217728,"reservation":0,"swap":268435456,"kernel":0},"cpu":{"shares":0,"quota":0,"period":0},"blockIO":{"weight":0}}';
  t.same(parseResources(docker, 'stdin').memory?.limit, 134217728);
  t.throws(() => parseResources('{"memory":{"limit":"1G"}}', 'stdin'), { message: 'stdin: /memory/limit: must be an integer (got "1G")' });
  t.throws(() => parseResources('{"cpu":{"cpus":"0-"}}', 'stdin'), {
    message: 'stdin: /cpu/cpus: must be a list of numbers and ranges such as "0-3,7" (got "0-")',
  });
  t.throws(() => parseResources('{"pids":{"limit":1}} trailing', 'stdin'), {
    message: 'stdin: invalid JSON at line 1, column 22: unexpected data after the JSON value: "t"',
  });
});

t.test('writes nothing: loading is read-only', async (t) => {
  const dir = bundleWith(t, fixture('runc-default.json'));
  const before = readFileSync(join(dir, 'config.json'));
  loadSpec(dir);
  t.same(readFileSync(join(dir, 'config.json')), before);
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'config.json'), '{');
  t.throws(() => loadSpec(join(dir, 'sub')), { message: 'config.json: invalid JSON at line 1, column 2: unexpected end of input' });
});
