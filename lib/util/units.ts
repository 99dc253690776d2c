// Sizes as runc's update flags take them (docker/go-units RAMInBytes): a number with an optional
// binary unit b, k, m, g, t, p (case-insensitive, optional trailing "b"), or -1 for unlimited.
import { TsrcError } from './errors.js';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

export function ramInBytes(flag: string, s: string): number {
  if (s.trim() === '-1') return -1;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)b?\s*$/i.exec(s);
  if (!m) throw new TsrcError(`invalid value for ${flag}: ${JSON.stringify(s)} (want bytes, optionally with a unit: 512m, 1g)`);
  return Math.trunc(Number(m[1]) * UNITS[m[2].toLowerCase()]);
}
