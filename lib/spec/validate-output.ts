// Validators for what tsrc prints, for tests that check tsrc's output conforms: `state` (and each
// entry of `list --format json`) against runtime.md State, `features` against features.md.
// Not used at run time.
import { validateFeatures as featuresSchema, validateState as stateSchema } from './generated/output-validators.js';
import { listSchemaProblems } from './schema-errors.js';

/** Problems of a state object, each "<pointer>: <rule>"; empty when it conforms. */
export function validateState(obj: unknown): string[] {
  return listSchemaProblems(stateSchema, obj);
}

/**
 * Problems of a features object, each "<pointer>: <rule>"; empty when it conforms. Beyond the
 * schema: ociVersionMax MUST NOT be less than ociVersionMin, and supportedFlags are a subset of knownFlags.
 */
export function validateFeatures(obj: unknown): string[] {
  const problems = listSchemaProblems(featuresSchema, obj);
  if (problems.length > 0) return problems;
  const f = obj as {
    ociVersionMin: string;
    ociVersionMax: string;
    linux?: { seccomp?: { knownFlags?: string[] | null; supportedFlags?: string[] | null } | null } | null;
  };
  if (compareSemver(f.ociVersionMax, f.ociVersionMin) < 0) {
    problems.push(`/ociVersionMax: must not be less than ociVersionMin (${f.ociVersionMin})`);
  }
  const known = f.linux?.seccomp?.knownFlags;
  (f.linux?.seccomp?.supportedFlags ?? []).forEach((flag, i) => {
    if (known && !known.includes(flag)) problems.push(`/linux/seccomp/supportedFlags/${i}: ${flag} is not in knownFlags`);
  });
  return problems;
}

/** SemVer 2.0.0 precedence: <0, 0, >0 (build metadata ignored). Inputs must be valid versions. */
export function compareSemver(a: string, b: string): number {
  const parse = (v: string): { core: number[]; pre: string[] } => {
    const noBuild = v.split('+')[0];
    const dash = noBuild.indexOf('-');
    const core = (dash === -1 ? noBuild : noBuild.slice(0, dash)).split('.').map(Number);
    const pre = dash === -1 ? [] : noBuild.slice(dash + 1).split('.');
    return { core, pre };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) if (x.core[i] !== y.core[i]) return x.core[i] - y.core[i];
  // A version with a pre-release sorts before the same version without one.
  if (x.pre.length === 0 || y.pre.length === 0) return y.pre.length - x.pre.length;
  for (let i = 0; i < Math.min(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === q) continue;
    const pn = /^[0-9]+$/.test(p);
    const qn = /^[0-9]+$/.test(q);
    if (pn && qn) return Number(p) - Number(q);
    if (pn !== qn) return pn ? -1 : 1; // numeric identifiers sort before alphanumeric ones
    return p < q ? -1 : 1;
  }
  return x.pre.length - y.pre.length;
}
