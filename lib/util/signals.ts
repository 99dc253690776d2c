// Signal arguments as runc takes them: a number, or a name with or without SIG, any case.
import { constants } from 'node:os';
import { TsrcError } from './errors.js';

const SIGNALS = constants.signals as Record<string, number>;

export function parseSignal(arg: string | number | undefined): number {
  if (arg === undefined || arg === '') return SIGNALS.SIGTERM;
  const s = String(arg);
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    // 0 checks that the process exists, as kill(2) (runc takes it too).
    if (n >= 0 && n <= 64) return n;
    throw new TsrcError(`invalid signal: ${s}`);
  }
  const upper = s.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  const n = SIGNALS[name];
  if (n === undefined) throw new TsrcError(`unknown signal "${s}"`);
  return n;
}
