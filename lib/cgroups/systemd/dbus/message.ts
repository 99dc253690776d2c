// D-Bus messages: the fixed 16-byte header, the header fields a(yv), padding to 8, the body.
// We always send little-endian; we read either endianness.
import { Reader, Variant, Writer } from './marshal.js';

export const MSG = { MethodCall: 1, MethodReturn: 2, Error: 3, Signal: 4 } as const;
export type MessageType = (typeof MSG)[keyof typeof MSG];

/** Flag: the caller does not want a reply. */
export const NO_REPLY_EXPECTED = 0x1;

export interface Message {
  type: MessageType;
  flags: number;
  serial: number;
  path?: string;
  interface?: string;
  member?: string;
  errorName?: string;
  replySerial?: number;
  destination?: string;
  sender?: string;
  /** Body signature ("" for no body). */
  signature: string;
  body: unknown[];
}

// Header field codes and the type each one carries.
const FIELDS = [
  [1, 'path', 'o'],
  [2, 'interface', 's'],
  [3, 'member', 's'],
  [4, 'errorName', 's'],
  [5, 'replySerial', 'u'],
  [6, 'destination', 's'],
  [7, 'sender', 's'],
  [8, 'signature', 'g'],
] as const;

const MAX_MESSAGE = 128 * 1024 * 1024;
const HEADER_SIG = 'yyyyuua(yv)';

export function encodeMessage(m: Message): Buffer {
  if (m.serial === 0) throw new Error('D-Bus: a message serial must not be 0');
  const body = new Writer();
  if (m.signature) body.writeAll(m.signature, m.body);
  else if (m.body.length) throw new Error('D-Bus: a body without a signature');
  const fields: Array<[number, Variant]> = [];
  for (const [code, key, sig] of FIELDS) {
    const v = m[key];
    if (v === undefined || (key === 'signature' && v === '')) continue;
    fields.push([code, new Variant(sig, v)]);
  }
  const out = new Writer();
  out.writeAll(HEADER_SIG, ['l'.charCodeAt(0), m.type, m.flags, 1, body.length, m.serial, fields]);
  out.align(8);
  out.bytes(body.finish());
  return out.finish();
}

/** Total size of the message starting at buf[0], or undefined if the first 16 bytes are not there yet. */
export function messageLength(buf: Buffer): number | undefined {
  if (buf.length < 16) return undefined;
  const little = endianOf(buf);
  const bodyLen = little ? buf.readUInt32LE(4) : buf.readUInt32BE(4);
  const fieldsLen = little ? buf.readUInt32LE(12) : buf.readUInt32BE(12);
  const headerEnd = 16 + fieldsLen;
  const total = headerEnd + ((8 - (headerEnd % 8)) % 8) + bodyLen;
  if (total > MAX_MESSAGE) throw new Error(`D-Bus: message of ${total} bytes exceeds the 128 MiB limit`);
  return total;
}

function endianOf(buf: Buffer): boolean {
  const e = String.fromCharCode(buf[0]);
  if (e === 'l') return true;
  if (e === 'B') return false;
  throw new Error(`D-Bus: bad endianness byte 0x${buf[0].toString(16)}`);
}

/** Decode one complete message (buf holds exactly messageLength(buf) bytes or more). */
export function decodeMessage(buf: Buffer): Message {
  const little = endianOf(buf);
  const r = new Reader(buf, little);
  const [, type, flags, version, bodyLen, serial, fields] = r.readAll(HEADER_SIG) as [number, number, number, number, number, number, Array<[number, Variant]>];
  if (version !== 1) throw new Error(`D-Bus: protocol version ${version} is not 1`);
  const m: Message = { type: type as MessageType, flags, serial, signature: '', body: [] };
  for (const [code, v] of fields) {
    const f = FIELDS.find(([c]) => c === code);
    if (!f) continue; // unknown fields must be ignored
    if (v.signature !== f[2]) throw new Error(`D-Bus: header field ${code} has type "${v.signature}", not "${f[2]}"`);
    (m as unknown as Record<string, unknown>)[f[1]] = v.value;
  }
  r.align(8);
  const bodyStart = r.offset;
  if (bodyStart + bodyLen > buf.length) throw new Error('D-Bus: message truncated');
  if (m.signature) {
    const body = new Reader(buf.subarray(0, bodyStart + bodyLen), little, bodyStart);
    m.body = body.readAll(m.signature);
    if (body.offset !== bodyStart + bodyLen) throw new Error('D-Bus: body longer than its signature');
  } else if (bodyLen !== 0) {
    throw new Error('D-Bus: body without a signature');
  }
  return m;
}
