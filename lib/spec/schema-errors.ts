// Turns the errors of a precompiled (ajv standalone) validator into one-line rules in words, each
// with the JSON pointer of the value it is about. ajv is built with `messages: false`, so the
// wording here is the only wording.
import { specError } from './errors.js';
import { escapeToken, show, valueAt } from './pointer.js';

/** One error as ajv's generated code records it. */
export interface SchemaError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  /** Set on errors raised for an object key (propertyNames). */
  propertyName?: string;
}

/** The shape of an ajv standalone validation function. */
export interface SchemaValidator {
  (data: unknown): boolean;
  errors?: SchemaError[] | null;
}

export interface SchemaProblem {
  pointer: string;
  message: string;
}

/**
 * Words for the `pattern`s used in schemas/*.schema.json, keyed by the pattern's source text.
 * test/unit/spec-schema.test.ts fails if a schema uses a pattern that has no words here.
 */
export const PATTERN_WORDS: Readonly<Record<string, string>> = {
  '^/': 'must be an absolute path',
  '^[\\s\\S]': 'must not be empty',
  '^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-((0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*))?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$':
    'must be a SemVer 2.0.0 version such as "1.0.2"',
  '^$|^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$': 'must be a list of numbers and ranges such as "0-3,7"',
  '^[rwm]+$': 'must be a combination of "r", "w" and "m"',
  '^MB:[^\\n]*$': 'must start with "MB:" and be a single line',
  '^[^\\n]*$': 'must be a single line',
  '^[0-9]+[KMGTPE]B$': 'must be a page size such as "64KB", "2MB" or "1GB"',
  '^[A-Za-z0-9_+.-]+$': 'must be a container ID (only A-Z a-z 0-9 _ + - .)',
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$':
    'must be an RFC 3339 time such as "2006-01-02T15:04:05Z"',
  '^CAP_[A-Z0-9_]+$': 'must be a capability name such as "CAP_CHOWN"',
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$': 'must be a UTC time with milliseconds such as "2006-01-02T15:04:05.000Z"',
};

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

// 64-bit bounds are not exact as JavaScript numbers; print what the spec means.
const BIG_BOUNDS = new Map<number, string>([
  [18446744073709551615, '18446744073709551615'],
  [9223372036854775807, '9223372036854775807'],
  [-9223372036854775808, '-9223372036854775808'],
]);

const COMPARISON_WORDS: Readonly<Record<string, string>> = {
  '>=': 'at least',
  '<=': 'at most',
  '>': 'greater than',
  '<': 'less than',
};

/**
 * All problems in ajv's error list, worded, with wrapper errors (if/then, anyOf, propertyNames)
 * folded into the errors that explain them. `doc` is the validated document (for "got" values).
 */
export function describeSchemaErrors(errors: readonly SchemaError[], doc: unknown): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const consumed = new Set<SchemaError>();
  // anyOf whose every branch only failed `required`: "must have "weight" or "leafWeight"".
  for (const e of errors) {
    if (e.keyword !== 'anyOf') continue;
    const branch = errors.filter((b) => b !== e && b.schemaPath.startsWith(e.schemaPath + '/'));
    if (branch.length > 0 && branch.every((b) => b.keyword === 'required' && b.instancePath === e.instancePath)) {
      const names = branch.map((b) => JSON.stringify(b.params.missingProperty));
      out.push({ pointer: e.instancePath, message: `must have ${names.join(' or ')}` });
      for (const b of branch) consumed.add(b);
      consumed.add(e);
    }
  }
  // propertyNames: the errors just before it, at the same path, are about the key it names (ajv
  // only sets `propertyName` on them when the subschema is inline rather than a $ref).
  const keyOf = new Map<SchemaError, string>();
  errors.forEach((e, k) => {
    if (e.keyword !== 'propertyNames') return;
    for (let j = k - 1; j >= 0 && errors[j].instancePath === e.instancePath && errors[j].keyword !== 'propertyNames'; j--) {
      keyOf.set(errors[j], String(e.params.propertyName));
    }
  });
  for (const e of errors) {
    if (consumed.has(e)) continue;
    if (e.keyword === 'if' || e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
    if (e.keyword === 'propertyNames') continue; // its subschema's error names the key
    const key = e.propertyName ?? keyOf.get(e);
    out.push(describe(key === undefined ? e : { ...e, propertyName: key }, doc));
  }
  if (out.length === 0 && errors.length > 0) {
    out.push({ pointer: errors[0].instancePath, message: 'does not match the schema' });
  }
  // Subschemas (if/then) can repeat a rule already checked at the same place: say it once.
  const unique = new Map<string, SchemaProblem>();
  for (const p of out) if (!unique.has(`${p.pointer}\0${p.message}`)) unique.set(`${p.pointer}\0${p.message}`, p);
  return [...unique.values()];
}

/** The problem most worth showing: the most specific (deepest) one, first among equals. */
export function bestSchemaProblem(errors: readonly SchemaError[], doc: unknown): SchemaProblem {
  const all = describeSchemaErrors(errors, doc);
  let best = all[0];
  for (const p of all) if (depth(p.pointer) > depth(best.pointer)) best = p;
  return best;
}

/** Runs a validator; on failure throws `<file>: <pointer>: <rule>` for the best error. */
export function assertValid(validate: SchemaValidator, doc: unknown, file: string): void {
  if (validate(doc)) return;
  const p = bestSchemaProblem(validate.errors ?? [], doc);
  throw specError(file, p.pointer, p.message);
}

/** Runs a validator and returns every problem as "<pointer>: <rule>" ("<rule>" at the root). */
export function listSchemaProblems(validate: SchemaValidator, doc: unknown): string[] {
  if (validate(doc)) return [];
  return describeSchemaErrors(validate.errors ?? [], doc).map((p) => (p.pointer ? `${p.pointer}: ${p.message}` : p.message));
}

function depth(pointer: string): number {
  return pointer === '' ? 0 : pointer.split('/').length;
}

function describe(e: SchemaError, doc: unknown): SchemaProblem {
  const p = e.params;
  const at = e.instancePath;
  const got = (): string => {
    const v = valueAt(doc, at);
    return v === undefined ? '' : ` (got ${show(v)})`;
  };
  if (e.propertyName !== undefined) {
    // An object key failed its rule; point at the key itself.
    const rule = e.keyword === 'pattern' ? patternWords(String(p.pattern)) : 'is not allowed';
    return { pointer: `${at}/${escapeToken(e.propertyName)}`, message: `property name ${rule}` };
  }
  switch (e.keyword) {
    case 'required':
      return { pointer: `${at}/${escapeToken(String(p.missingProperty))}`, message: 'is required' };
    case 'dependencies':
      return {
        pointer: `${at}/${escapeToken(String(p.missingProperty))}`,
        message: `is required when ${JSON.stringify(p.property)} is set`,
      };
    case 'type': {
      const types = Array.isArray(p.type) ? p.type.map(String) : String(p.type).split(',');
      return { pointer: at, message: `must be ${types.map((t) => TYPE_WORDS[t] ?? t).join(' or ')}${gotType(valueAt(doc, at))}` };
    }
    case 'enum':
      return { pointer: at, message: `must be one of ${(p.allowedValues as unknown[]).map(plain).join(', ')}${got()}` };
    case 'const':
      return { pointer: at, message: `must be ${show(p.allowedValue)}${got()}` };
    case 'pattern':
      return { pointer: at, message: `${patternWords(String(p.pattern))}${got()}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const limit = Number(p.limit);
      const bound = BIG_BOUNDS.get(limit) ?? String(limit);
      return { pointer: at, message: `must be ${COMPARISON_WORDS[String(p.comparison)] ?? p.comparison} ${bound}${got()}` };
    }
    case 'minItems':
      return { pointer: at, message: Number(p.limit) === 1 ? 'must not be empty' : `must have at least ${p.limit} items` };
    case 'maxItems':
      return { pointer: at, message: `must have at most ${p.limit} items` };
    case 'additionalProperties':
      return {
        pointer: `${at}/${escapeToken(String(p.additionalProperty))}`,
        message: 'is not a property defined by the spec',
      };
    default:
      return { pointer: at, message: `must satisfy "${e.keyword}"` };
  }
}

function patternWords(pattern: string): string {
  return PATTERN_WORDS[pattern] ?? `must match the pattern ${JSON.stringify(pattern)}`;
}

function plain(v: unknown): string {
  return typeof v === 'string' ? v : show(v);
}

function gotType(v: unknown): string {
  if (v === undefined) return '';
  if (v === null) return ' (got null)';
  if (Array.isArray(v)) return ' (got an array)';
  if (typeof v === 'object') return ' (got an object)';
  return ` (got ${show(v)})`;
}
