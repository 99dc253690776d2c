// Container ID rules: runc's (libcontainer validateID) plus a length bound.
import t from 'tap';
import { IdError, SpecError } from '../../lib/spec/errors.js';
import { MAX_CONTAINER_ID_LENGTH, idProblem, validateContainerId } from '../../lib/spec/id.js';

t.test('accepts what runc accepts', async (t) => {
  for (const id of ['a', 'test', 'my-ctr_1', 'A.b+c-d_e', '...', 'a..b', '.a', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'x'.repeat(MAX_CONTAINER_ID_LENGTH)]) {
    t.doesNotThrow(() => validateContainerId(id), id);
    t.equal(idProblem(id), null, id);
  }
});

t.test('rejects with runc\'s message, the id and the reason', async (t) => {
  const cases: Array<[string, string]> = [
    ['', 'invalid container ID format: "": must not be empty'],
    ['a/b', 'invalid container ID format: "a/b": may only contain A-Z a-z 0-9 _ + - .'],
    ['../x', 'invalid container ID format: "../x": may only contain A-Z a-z 0-9 _ + - .'],
    ['a b', 'invalid container ID format: "a b": may only contain A-Z a-z 0-9 _ + - .'],
    ['a:b', 'invalid container ID format: "a:b": may only contain A-Z a-z 0-9 _ + - .'],
    ['é', 'invalid container ID format: "é": may only contain A-Z a-z 0-9 _ + - .'],
    ['a\nb', 'invalid container ID format: "a\\nb": may only contain A-Z a-z 0-9 _ + - .'],
    ['.', 'invalid container ID format: ".": must not be "." or ".."'],
    ['..', 'invalid container ID format: "..": must not be "." or ".."'],
  ];
  for (const [id, msg] of cases) {
    const err = t.throws(() => validateContainerId(id), msg) as Error;
    t.equal(err.message, msg, JSON.stringify(id));
    t.ok(err instanceof IdError && err instanceof SpecError, 'is an IdError (a SpecError)');
    t.notMatch(err.message, /\n/, 'one line');
  }
  const long = 'x'.repeat(MAX_CONTAINER_ID_LENGTH + 1);
  t.throws(() => validateContainerId(long), {
    message: `invalid container ID format: "${long}": must be at most ${MAX_CONTAINER_ID_LENGTH} characters`,
  });
});
