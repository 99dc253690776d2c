// Semantic checks of a `process` object (config.json's, or an exec's process.json) that the schema
// cannot express: duplicate or unknown rlimits, environ form, ids the user namespace cannot map,
// kernel ranges, scheduler combinations.
import { Checker, hasNul, namespaceOf } from './checker.js';
import { CAPABILITY_NAMES, RLIMIT_NAMES } from './known-names.js';
import type { Capabilities, IdMapping, Process, Spec } from './types.js';
import { MAX_CPU, parseList } from '../plan/process-tuning.js';

const KNOWN_CAPS = new Set(CAPABILITY_NAMES);
const KNOWN_RLIMITS = new Set(RLIMIT_NAMES);
const CAP_SETS: ReadonlyArray<keyof Capabilities> = ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'];

/**
 * `base` is the pointer of the process object ("/process" in config.json, "" in process.json).
 * `spec` is the container's config, for the checks that depend on its namespaces.
 */
export function checkProcessFields(c: Checker, p: Process, base: string, spec?: Spec): void {
  if (hasNul(p.cwd)) c.fail(`${base}/cwd`, 'must not contain a NUL byte');
  (p.args ?? []).forEach((a, i) => {
    if (hasNul(a)) c.fail(`${base}/args/${i}`, 'must not contain a NUL byte');
  });
  (p.env ?? []).forEach((kv, i) => {
    // runc rejects these too: execve would pass them, but no program can look them up.
    const eq = kv.indexOf('=');
    if (eq === -1) c.fail(`${base}/env/${i}`, `must have the form NAME=VALUE (got ${JSON.stringify(kv)})`);
    if (eq === 0) c.fail(`${base}/env/${i}`, `variable name must not be empty (got ${JSON.stringify(kv)})`);
    if (hasNul(kv)) c.fail(`${base}/env/${i}`, 'must not contain a NUL byte');
  });

  checkRlimits(c, p, base);
  checkCapabilities(c, p, base);

  if (p.oomScoreAdj !== undefined && (p.oomScoreAdj < -1000 || p.oomScoreAdj > 1000)) {
    c.fail(`${base}/oomScoreAdj`, `must be between -1000 and 1000 (got ${p.oomScoreAdj})`);
  }
  checkScheduler(c, p, base);
  checkCpuAffinity(c, p, base);
  checkUserMapped(c, p, base, spec);
}

function checkCpuAffinity(c: Checker, p: Process, base: string): void {
  for (const which of ['initial', 'final'] as const) {
    const list = p.execCPUAffinity?.[which];
    if (!list) continue;
    try {
      parseList(list, MAX_CPU);
    } catch (e) {
      c.fail(`${base}/execCPUAffinity/${which}`, `invalid CPU list ${JSON.stringify(list)}: ${(e as Error).message}`);
    }
  }
}

function checkRlimits(c: Checker, p: Process, base: string): void {
  const seen = new Map<string, number>();
  (p.rlimits ?? []).forEach((r, i) => {
    const at = `${base}/rlimits/${i}`;
    // "MUST generate an error for any values which cannot be mapped to a relevant kernel interface"
    if (!KNOWN_RLIMITS.has(r.type)) c.fail(`${at}/type`, `unknown rlimit ${JSON.stringify(r.type)} (must be one of ${RLIMIT_NAMES.join(', ')})`);
    const first = seen.get(r.type);
    if (first !== undefined) c.fail(`${at}/type`, `duplicate rlimit ${r.type} (also at ${base}/rlimits/${first})`);
    seen.set(r.type, i);
    // setrlimit(2) fails with EINVAL; say which entry before any process exists.
    if (r.soft > r.hard) c.fail(`${at}/soft`, `soft limit ${r.soft} is above the hard limit ${r.hard}`);
  });
}

function checkCapabilities(c: Checker, p: Process, base: string): void {
  // config.md: unknown capabilities MUST be logged as a warning and SHOULD NOT fail the container;
  // like runc, tsrc warns once and leaves them out.
  const unknown = new Set<string>();
  for (const set of CAP_SETS) for (const name of p.capabilities?.[set] ?? []) if (!KNOWN_CAPS.has(name)) unknown.add(name);
  if (unknown.size > 0) {
    c.warn(`${base}/capabilities`, `ignoring unknown capabilities: ${[...unknown].sort().join(', ')}`);
  }
}

function checkScheduler(c: Checker, p: Process, base: string): void {
  const s = p.scheduler as
    | { policy: string; nice?: number; priority?: number; runtime?: number; deadline?: number; period?: number }
    | undefined;
  if (!s) return;
  const at = `${base}/scheduler`;
  // <linux/sched.h> reserves the number, but no Linux kernel implements it: sched_setattr says EINVAL.
  if (s.policy === 'SCHED_ISO') c.fail(`${at}/policy`, 'SCHED_ISO is not implemented by Linux');
  // sched_setattr(2) ranges and which fields mean something for which policy.
  if ((s.policy === 'SCHED_OTHER' || s.policy === 'SCHED_BATCH') && s.nice !== undefined && (s.nice < -20 || s.nice > 19)) {
    c.fail(`${at}/nice`, `must be between -20 and 19 for ${s.policy} (got ${s.nice})`);
  }
  if (s.priority !== undefined && s.priority !== 0 && s.policy !== 'SCHED_FIFO' && s.policy !== 'SCHED_RR') {
    c.fail(`${at}/priority`, `can only be set for SCHED_FIFO or SCHED_RR (policy is ${s.policy})`);
  }
  if (s.policy !== 'SCHED_DEADLINE') {
    for (const f of ['runtime', 'deadline', 'period'] as const) {
      if (s[f] !== undefined && s[f] !== 0) c.fail(`${at}/${f}`, `can only be set for SCHED_DEADLINE (policy is ${s.policy})`);
    }
  }
}

// In a new user namespace, setuid/setgid/setgroups to an id without a mapping fail (EINVAL) inside
// the C init, where the message would be far vaguer than this one.
function checkUserMapped(c: Checker, p: Process, base: string, spec?: Spec): void {
  const userns = namespaceOf(spec, 'user');
  if (!userns || userns.path) return;
  const uids = spec?.linux?.uidMappings ?? [];
  const gids = spec?.linux?.gidMappings ?? [];
  if (uids.length === 0 || gids.length === 0) return; // reported by the namespace checks
  if (!mapped(uids, p.user.uid)) c.fail(`${base}/user/uid`, `uid ${p.user.uid} is not mapped by /linux/uidMappings`);
  if (!mapped(gids, p.user.gid)) c.fail(`${base}/user/gid`, `gid ${p.user.gid} is not mapped by /linux/gidMappings`);
  (p.user.additionalGids ?? []).forEach((g, i) => {
    if (!mapped(gids, g)) c.fail(`${base}/user/additionalGids/${i}`, `gid ${g} is not mapped by /linux/gidMappings`);
  });
}

function mapped(maps: readonly IdMapping[], id: number): boolean {
  return maps.some((m) => id >= m.containerID && id < m.containerID + m.size);
}
