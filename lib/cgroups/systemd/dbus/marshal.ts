// The D-Bus wire format for the types in signature.ts: values are aligned to their natural size
// relative to the start of the message (a message body starts 8-aligned, so body offsets work too).
//
// JS representation: y n q i u d -> number; x t -> bigint (number accepted when writing);
// b -> boolean; s o g -> string; ay -> Buffer (any Uint8Array or number[] accepted when writing);
// other arrays and structs -> arrays; dict entries -> [key, value]; v -> Variant.
import { alignOf, parseSignature, signatureOf, type TypeNode } from './signature.js';

/** A value with its D-Bus type, for "v" (variant) slots. */
export class Variant {
  constructor(
    readonly signature: string,
    readonly value: unknown,
  ) {
    const types = parseSignature(signature);
    if (types.length !== 1) throw new Error(`a variant holds exactly one complete type, got ${JSON.stringify(signature)}`);
  }
}

const OBJECT_PATH = /^\/([A-Za-z0-9_]+(\/[A-Za-z0-9_]+)*)?$/;
const MAX_ARRAY = 64 * 1024 * 1024;

const RANGES: Record<string, [number, number]> = {
  y: [0, 0xff],
  n: [-0x8000, 0x7fff],
  q: [0, 0xffff],
  i: [-0x80000000, 0x7fffffff],
  u: [0, 0xffffffff],
  h: [0, 0xffffffff],
};
const RANGES64: Record<string, [bigint, bigint]> = {
  x: [-(1n << 63n), (1n << 63n) - 1n],
  t: [0n, (1n << 64n) - 1n],
};

function typeError(t: TypeNode, v: unknown, why = ''): Error {
  let shown: string;
  try {
    shown = typeof v === 'bigint' ? `${v}n` : JSON.stringify(v) ?? String(v);
  } catch {
    shown = String(v);
  }
  return new Error(`D-Bus: cannot marshal ${shown.slice(0, 80)} as "${signatureOf(t)}"${why ? `: ${why}` : ''}`);
}

export class Writer {
  private buf = Buffer.alloc(256);
  private len = 0;

  get length(): number {
    return this.len;
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  align(n: number): void {
    const pad = (n - (this.len % n)) % n;
    this.room(pad);
    this.buf.fill(0, this.len, this.len + pad);
    this.len += pad;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  u8(v: number): void {
    this.room(1);
    this.buf.writeUInt8(v, this.len);
    this.len += 1;
  }

  u32(v: number): void {
    this.align(4);
    this.room(4);
    this.buf.writeUInt32LE(v, this.len);
    this.len += 4;
  }

  /** Overwrite a u32 written earlier (array lengths are known only afterwards). */
  patchU32(at: number, v: number): void {
    this.buf.writeUInt32LE(v, at);
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }

  /** Write values for a whole signature. */
  writeAll(signature: string, values: unknown[]): void {
    const types = parseSignature(signature);
    if (types.length !== values.length) throw new Error(`D-Bus: signature "${signature}" needs ${types.length} values, got ${values.length}`);
    types.forEach((t, i) => this.write(t, values[i]));
  }

  write(t: TypeNode, v: unknown): void {
    switch (t.kind) {
      case 'basic':
        return this.basic(t, v);
      case 'variant': {
        if (!(v instanceof Variant)) throw typeError(t, v, 'expected a Variant');
        this.sig(v.signature);
        this.write(parseSignature(v.signature)[0], v.value);
        return;
      }
      case 'struct': {
        if (!Array.isArray(v) || v.length !== t.fields.length) throw typeError(t, v, `expected an array of ${t.fields.length}`);
        this.align(8);
        t.fields.forEach((f, i) => this.write(f, v[i]));
        return;
      }
      case 'dict': {
        if (!Array.isArray(v) || v.length !== 2) throw typeError(t, v, 'expected [key, value]');
        this.align(8);
        this.write(t.key, v[0]);
        this.write(t.value, v[1]);
        return;
      }
      case 'array': {
        const isBytes = t.elem.kind === 'basic' && t.elem.code === 'y';
        if (isBytes && v instanceof Uint8Array) {
          this.u32(v.length);
          this.bytes(v);
          return;
        }
        if (!Array.isArray(v)) throw typeError(t, v, 'expected an array');
        this.u32(0);
        const lenAt = this.len - 4;
        // The length excludes the padding to the first element, which is there even when empty.
        this.align(alignOf(t.elem));
        const start = this.len;
        for (const e of v) this.write(t.elem, e);
        const n = this.len - start;
        if (n > MAX_ARRAY) throw typeError(t, '[...]', `array of ${n} bytes exceeds the 64 MiB limit`);
        this.patchU32(lenAt, n);
        return;
      }
    }
  }

  private str(s: string): void {
    if (s.includes('\0')) throw new Error(`D-Bus: string contains a NUL byte: ${JSON.stringify(s.slice(0, 80))}`);
    const b = Buffer.from(s, 'utf8');
    this.u32(b.length);
    this.bytes(b);
    this.u8(0);
  }

  private sig(s: string): void {
    parseSignature(s);
    const b = Buffer.from(s, 'ascii');
    this.u8(b.length);
    this.bytes(b);
    this.u8(0);
  }

  private basic(t: TypeNode & { kind: 'basic' }, v: unknown): void {
    const c = t.code;
    switch (c) {
      case 's':
        if (typeof v !== 'string') throw typeError(t, v);
        return this.str(v);
      case 'o':
        if (typeof v !== 'string' || !OBJECT_PATH.test(v)) throw typeError(t, v, 'not an object path');
        return this.str(v);
      case 'g':
        if (typeof v !== 'string') throw typeError(t, v);
        return this.sig(v);
      case 'b':
        if (typeof v !== 'boolean') throw typeError(t, v);
        return this.u32(v ? 1 : 0);
      case 'd': {
        if (typeof v !== 'number') throw typeError(t, v);
        this.align(8);
        this.room(8);
        this.buf.writeDoubleLE(v, this.len);
        this.len += 8;
        return;
      }
      case 'x':
      case 't': {
        const [lo, hi] = RANGES64[c];
        const n = typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : v;
        if (typeof n !== 'bigint' || n < lo || n > hi) throw typeError(t, v, 'out of range');
        this.align(8);
        this.room(8);
        if (c === 'x') this.buf.writeBigInt64LE(n, this.len);
        else this.buf.writeBigUInt64LE(n, this.len);
        this.len += 8;
        return;
      }
      default: {
        const [lo, hi] = RANGES[c];
        if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw typeError(t, v, 'out of range');
        const size = alignOf(t);
        this.align(size);
        this.room(size);
        if (c === 'y') this.buf.writeUInt8(v, this.len);
        else if (c === 'n') this.buf.writeInt16LE(v, this.len);
        else if (c === 'q') this.buf.writeUInt16LE(v, this.len);
        else if (c === 'i') this.buf.writeInt32LE(v, this.len);
        else this.buf.writeUInt32LE(v, this.len);
        this.len += size;
        return;
      }
    }
  }
}

/** Reads values from a buffer; `base` is the message offset of buf[0] (alignment is relative to it). */
export class Reader {
  private pos: number;

  constructor(
    private readonly buf: Buffer,
    private readonly little: boolean,
    start = 0,
    private readonly base = 0,
  ) {
    this.pos = start;
  }

  get offset(): number {
    return this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error('D-Bus: message truncated');
  }

  align(n: number): void {
    const abs = this.base + this.pos;
    const pad = (n - (abs % n)) % n;
    this.need(pad);
    this.pos += pad;
  }

  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.pos++);
  }

  u32(): number {
    this.align(4);
    this.need(4);
    const v = this.little ? this.buf.readUInt32LE(this.pos) : this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  readAll(signature: string): unknown[] {
    return parseSignature(signature).map((t) => this.read(t, 0));
  }

  read(t: TypeNode, depth = 0): unknown {
    if (depth > 64) throw new Error('D-Bus: value nested too deeply');
    switch (t.kind) {
      case 'basic':
        return this.basic(t.code);
      case 'variant': {
        const sig = this.sig();
        const types = parseSignature(sig);
        if (types.length !== 1) throw new Error(`D-Bus: variant signature ${JSON.stringify(sig)} is not one type`);
        return new Variant(sig, this.read(types[0], depth + 1));
      }
      case 'struct':
        this.align(8);
        return t.fields.map((f) => this.read(f, depth + 1));
      case 'dict':
        this.align(8);
        return [this.read(t.key, depth + 1), this.read(t.value, depth + 1)];
      case 'array': {
        const n = this.u32();
        if (n > MAX_ARRAY) throw new Error(`D-Bus: array of ${n} bytes exceeds the 64 MiB limit`);
        this.align(alignOf(t.elem));
        const end = this.pos + n;
        this.need(n);
        if (t.elem.kind === 'basic' && t.elem.code === 'y') {
          const b = Buffer.from(this.buf.subarray(this.pos, end));
          this.pos = end;
          return b;
        }
        const out: unknown[] = [];
        while (this.pos < end) out.push(this.read(t.elem, depth + 1));
        if (this.pos !== end) throw new Error('D-Bus: array elements overrun the array length');
        return out;
      }
    }
  }

  private str(): string {
    const n = this.u32();
    this.need(n + 1);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    if (this.buf[this.pos + n] !== 0) throw new Error('D-Bus: string not NUL-terminated');
    this.pos += n + 1;
    return s;
  }

  private sig(): string {
    const n = this.u8();
    this.need(n + 1);
    const s = this.buf.toString('ascii', this.pos, this.pos + n);
    this.pos += n + 1;
    return s;
  }

  private basic(c: string): unknown {
    const b = this.buf;
    const le = this.little;
    const fixed = <T>(size: number, f: (at: number) => T): T => {
      this.align(size);
      this.need(size);
      const v = f(this.pos);
      this.pos += size;
      return v;
    };
    switch (c) {
      case 'y':
        return this.u8();
      case 'b': {
        const v = this.u32();
        if (v > 1) throw new Error(`D-Bus: boolean with value ${v}`);
        return v === 1;
      }
      case 'n':
        return fixed(2, (p) => (le ? b.readInt16LE(p) : b.readInt16BE(p)));
      case 'q':
        return fixed(2, (p) => (le ? b.readUInt16LE(p) : b.readUInt16BE(p)));
      case 'i':
        return fixed(4, (p) => (le ? b.readInt32LE(p) : b.readInt32BE(p)));
      case 'u':
      case 'h':
        return this.u32();
      case 'x':
        return fixed(8, (p) => (le ? b.readBigInt64LE(p) : b.readBigInt64BE(p)));
      case 't':
        return fixed(8, (p) => (le ? b.readBigUInt64LE(p) : b.readBigUInt64BE(p)));
      case 'd':
        return fixed(8, (p) => (le ? b.readDoubleLE(p) : b.readDoubleBE(p)));
      case 's':
      case 'o':
        return this.str();
      case 'g':
        return this.sig();
    }
    throw new Error(`D-Bus: unknown type code ${JSON.stringify(c)}`);
  }
}
