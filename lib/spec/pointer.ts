// JSON pointers (RFC 6901): how every message names the value it is about.

/** Escapes one reference token: "~" → "~0", "/" → "~1". */
export function escapeToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Builds a pointer from its tokens: ptr('linux', 'sysctl', 'net/x') → "/linux/sysctl/net~1x". */
export function ptr(...tokens: Array<string | number>): string {
  return tokens.map((t) => '/' + escapeToken(t)).join('');
}

/** The value a pointer designates in `doc`, or undefined if there is none. */
export function valueAt(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let cur: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, token)) return undefined;
    cur = (cur as Record<string, unknown>)[token];
  }
  return cur;
}

/** A short, one-line rendering of a user-supplied value for messages. */
export function show(value: unknown, max = 60): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > max ? s.slice(0, max - 3) + '...' : s;
}
