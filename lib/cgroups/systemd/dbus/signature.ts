// D-Bus type signatures ("a(sv)", "ssa(sv)a(sa(sv))", ...) parsed into a small type tree that the
// marshaller walks. Only what the spec defines; unix fds ("h") are parsed but never sent.

export type BasicCode = 'y' | 'b' | 'n' | 'q' | 'i' | 'u' | 'x' | 't' | 'd' | 's' | 'o' | 'g' | 'h';

export type TypeNode =
  | { kind: 'basic'; code: BasicCode }
  | { kind: 'variant' }
  | { kind: 'array'; elem: TypeNode }
  | { kind: 'struct'; fields: TypeNode[] }
  | { kind: 'dict'; key: TypeNode; value: TypeNode };

const BASIC = new Set<string>(['y', 'b', 'n', 'q', 'i', 'u', 'x', 't', 'd', 's', 'o', 'g', 'h']);

/** Alignment of a type's values in the wire format. */
export function alignOf(t: TypeNode): number {
  switch (t.kind) {
    case 'variant':
      return 1;
    case 'array':
      return 4;
    case 'struct':
    case 'dict':
      return 8;
    case 'basic':
      switch (t.code) {
        case 'y':
        case 'g':
          return 1;
        case 'n':
        case 'q':
          return 2;
        case 'x':
        case 't':
        case 'd':
          return 8;
        default:
          return 4;
      }
  }
}

/** Parse a signature (zero or more complete types). Throws on a malformed one. */
export function parseSignature(sig: string): TypeNode[] {
  if (sig.length > 255) throw new Error(`D-Bus signature too long (${sig.length} > 255)`);
  let i = 0;
  const bad = (why: string): Error => new Error(`invalid D-Bus signature ${JSON.stringify(sig)}: ${why}`);
  const one = (depth: number): TypeNode => {
    if (depth > 64) throw bad('nested too deeply');
    const c = sig[i++];
    if (c === undefined) throw bad('ends early');
    if (BASIC.has(c)) return { kind: 'basic', code: c as BasicCode };
    if (c === 'v') return { kind: 'variant' };
    if (c === 'a') {
      if (sig[i] === '{') {
        i++;
        const key = one(depth + 1);
        if (key.kind !== 'basic') throw bad('a dict key must be a basic type');
        const value = one(depth + 1);
        if (sig[i++] !== '}') throw bad('a dict entry holds exactly two types');
        return { kind: 'array', elem: { kind: 'dict', key, value } };
      }
      return { kind: 'array', elem: one(depth + 1) };
    }
    if (c === '(') {
      const fields: TypeNode[] = [];
      while (sig[i] !== ')') {
        if (i >= sig.length) throw bad('unclosed "("');
        fields.push(one(depth + 1));
      }
      i++;
      if (fields.length === 0) throw bad('empty struct');
      return { kind: 'struct', fields };
    }
    throw bad(`unexpected ${JSON.stringify(c)} at ${i - 1}`);
  };
  const out: TypeNode[] = [];
  while (i < sig.length) out.push(one(0));
  return out;
}

/** The signature text of one type node (the inverse of parseSignature). */
export function signatureOf(t: TypeNode): string {
  switch (t.kind) {
    case 'basic':
      return t.code;
    case 'variant':
      return 'v';
    case 'array':
      return 'a' + signatureOf(t.elem);
    case 'struct':
      return '(' + t.fields.map(signatureOf).join('') + ')';
    case 'dict':
      return '{' + signatureOf(t.key) + signatureOf(t.value) + '}';
  }
}
