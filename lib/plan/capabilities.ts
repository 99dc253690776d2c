// Capability names → bit numbers (linux/capability.h). Names unknown to this table are
// ignored with a warning, as runc does, so configs written for newer kernels still run.

import { CAPABILITY_NAMES } from '../spec/known-names.js';

/** In bit order: CAPABILITIES[n] is capability number n. */
export const CAPABILITIES = CAPABILITY_NAMES;

/** Mask of the named capabilities; unknown names are collected in `unknown`. */
export function capMask(names: readonly string[] | undefined, unknown: Set<string>): bigint {
  let mask = 0n;
  for (const name of names ?? []) {
    const bit = CAPABILITIES.indexOf(name);
    if (bit < 0) unknown.add(name);
    else mask |= 1n << BigInt(bit);
  }
  return mask;
}
