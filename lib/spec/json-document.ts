// Reading a JSON document (config.json, process.json, a resources update) with errors that say
// where the text is wrong. JSON.parse does the work; only when it fails does a small scanner walk
// the text again to find the line, column and reason, because V8's messages do not always carry a
// position (and never a line number).
import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { SpecError } from './errors.js';

/** Reads `path` as UTF-8 JSON. `label` names the file in messages (e.g. "config.json"). */
export function readJsonDocument(path: string, label: string): unknown {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new SpecError(`${label}: cannot read ${path}: ${describeFsError(e)}`, { file: label });
  }
  return parseJsonDocument(decodeUtf8(bytes, label), label);
}

/** Parses JSON text; any syntax error, including data after the value, becomes a SpecError. */
export function parseJsonDocument(text: string, label: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const where = locateJsonError(text);
    const detail = where
      ? `invalid JSON at line ${where.line}, column ${where.column}: ${where.reason}`
      : `invalid JSON: ${(e as Error).message}`;
    throw new SpecError(`${label}: ${detail}`, { file: label });
  }
}

// The spec requires UTF-8 (glossary "JSON"); a lenient decode would silently turn bad bytes into
// U+FFFD and hand the container a different string than the caller wrote. isUtf8 + toString
// rather than a fatal TextDecoder: the same result (a BOM is kept either way), without the
// decoder's first-use set-up on every create (~5 ms measured).
function decodeUtf8(bytes: Buffer, label: string): string {
  if (isUtf8(bytes)) return bytes.toString('utf8');
  const at = firstInvalidUtf8(bytes);
  let line = 1;
  for (let i = 0; i < at; i++) if (bytes[i] === 10) line++;
  throw new SpecError(`${label}: invalid JSON at line ${line} (byte offset ${at}): not valid UTF-8`, { file: label });
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    let n: number; // continuation bytes
    let min: number; // smallest code point for this length (no overlong forms)
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) [n, min] = [1, 0x80];
    else if (c >= 0xe0 && c <= 0xef) [n, min] = [2, 0x800];
    else if (c >= 0xf0 && c <= 0xf4) [n, min] = [3, 0x10000];
    else return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return b.length;
}

/** The words of a Node fs error: "no such file or directory" from "ENOENT: no such file ..., open '/x'". */
export function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const m = /^[A-Z0-9_]+: ([^,]+)/.exec(err.message ?? '');
  return m ? m[1] : String(err.message ?? e);
}

export interface JsonErrorLocation {
  /** 0-based offset in UTF-16 code units. */
  offset: number;
  line: number;
  column: number;
  reason: string;
}

/** Finds the first syntax error in `text` (RFC 8259 JSON), or null if the text is valid JSON. */
export function locateJsonError(text: string): JsonErrorLocation | null {
  const fail = (offset: number, reason: string): JsonErrorLocation => {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < offset && i < text.length; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    return { offset, line, column: offset - lineStart + 1, reason };
  };
  const unexpected = (i: number): JsonErrorLocation =>
    i >= text.length ? fail(i, 'unexpected end of input') : fail(i, `unexpected ${describeChar(text, i)}`);

  let i = 0;
  const skipWs = (): void => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      i++;
    }
  };

  skipWs();
  if (i >= text.length) return fail(i, 'the document is empty');

  // Containers still open: 'o' object, 'a' array. Iterative, so deep nesting cannot overflow.
  const stack: Array<'o' | 'a'> = [];
  for (;;) {
    // Here a value must start at i.
    skipWs();
    const c = text[i];
    if (c === '{' || c === '[') {
      i++;
      skipWs();
      const close = c === '{' ? '}' : ']';
      if (text[i] === close) {
        i++;
      } else {
        stack.push(c === '{' ? 'o' : 'a');
        if (c === '{') {
          const err = scanKey();
          if (err) return err;
        }
        continue;
      }
    } else if (c === '"') {
      const err = scanString();
      if (err) return err;
    } else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      const err = scanNumber();
      if (err) return err;
    } else if (c === 't' || c === 'f' || c === 'n') {
      const word = c === 't' ? 'true' : c === 'f' ? 'false' : 'null';
      for (let k = 0; k < word.length; k++, i++) {
        if (text[i] !== word[k]) return unexpected(i);
      }
    } else {
      return unexpected(i);
    }

    // A value ended: close containers or move to the next element.
    for (;;) {
      skipWs();
      const top = stack[stack.length - 1];
      if (top === undefined) {
        if (i < text.length) return fail(i, `unexpected data after the JSON value: ${describeChar(text, i)}`);
        return null;
      }
      const close = top === 'o' ? '}' : ']';
      if (text[i] === close) {
        i++;
        stack.pop();
        continue;
      }
      if (text[i] === ',') {
        i++;
        if (top === 'o') {
          skipWs();
          const err = scanKey();
          if (err) return err;
        }
        break;
      }
      if (i >= text.length) return unexpected(i);
      return fail(i, `expected "," or "${close}" but found ${describeChar(text, i)}`);
    }
  }

  // `"name" :` of an object member; leaves i at the value.
  function scanKey(): JsonErrorLocation | null {
    skipWs();
    if (text[i] !== '"') {
      if (i >= text.length) return unexpected(i);
      return fail(i, `expected a property name in double quotes but found ${describeChar(text, i)}`);
    }
    const err = scanString();
    if (err) return err;
    skipWs();
    if (text[i] !== ':') {
      if (i >= text.length) return unexpected(i);
      return fail(i, `expected ":" but found ${describeChar(text, i)}`);
    }
    i++;
    return null;
  }

  function scanString(): JsonErrorLocation | null {
    const start = i;
    i++; // opening quote
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return null;
      }
      if (c < 0x20) return fail(i, `control character ${describeChar(text, i)} in string (escape it)`);
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return fail(i, 'invalid \\u escape in string');
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) return fail(i, 'invalid escape in string');
        i += 2;
        continue;
      }
      i++;
    }
    return fail(start, 'unterminated string');
  }

  function scanNumber(): JsonErrorLocation | null {
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail(i, 'invalid number');
    i += m[0].length;
    // "01", "1.", "1e": the regex stops early; what follows must not continue the number.
    const next = text[i];
    if (next !== undefined && /[0-9.eE+\-]/.test(next)) return fail(i, 'invalid number');
    return null;
  }
}

const NUMBER = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

function describeChar(text: string, i: number): string {
  const cp = text.codePointAt(i)!;
  if (cp === 0xfeff) return 'byte order mark U+FEFF';
  if (cp === 0x22) return 'a string';
  if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0)) {
    return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return JSON.stringify(String.fromCodePoint(cp));
}
