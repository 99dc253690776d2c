// The scheduling side of a process, decided here and applied by native/init/tuning.c just before
// execve: linux.personality, process.scheduler, process.ioPriority, linux.memoryPolicy and (for
// exec) process.execCPUAffinity. Names become the kernel's numbers; CPU and node lists become
// bitmasks of 64-bit words, as sched_setaffinity(2) and set_mempolicy(2) take them.
import type { Linux, Process } from '../spec/types.js';
import { listMembers } from '../util/cpu-list.js';
import type { CpuAffinityPlan, MemoryPolicyPlan, SchedulerPlan } from './types.js';

/** <linux/personality.h>: PER_LINUX, PER_LINUX32. */
export const PERSONA: Record<string, number> = { LINUX: 0x0000, LINUX32: 0x0008 };

/** <linux/sched.h> policies. SCHED_ISO is reserved there but Linux never implemented it. */
export const SCHED_POLICY: Record<string, number> = { SCHED_OTHER: 0, SCHED_FIFO: 1, SCHED_RR: 2, SCHED_BATCH: 3, SCHED_ISO: 4, SCHED_IDLE: 5, SCHED_DEADLINE: 6 };

export const SCHED_FLAG: Record<string, bigint> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01n,
  SCHED_FLAG_RECLAIM: 0x02n,
  SCHED_FLAG_DL_OVERRUN: 0x04n,
  SCHED_FLAG_KEEP_POLICY: 0x08n,
  SCHED_FLAG_KEEP_PARAMS: 0x10n,
  SCHED_FLAG_UTIL_CLAMP_MIN: 0x20n,
  SCHED_FLAG_UTIL_CLAMP_MAX: 0x40n,
};

/** <linux/ioprio.h> classes; the value is class << 13 | level. */
export const IOPRIO_CLASS: Record<string, number> = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 };

/** <linux/mempolicy.h> modes and mode flags (OR-ed into the mode). */
export const MPOL_MODE: Record<string, number> = { MPOL_DEFAULT: 0, MPOL_PREFERRED: 1, MPOL_BIND: 2, MPOL_INTERLEAVE: 3, MPOL_LOCAL: 4, MPOL_PREFERRED_MANY: 5, MPOL_WEIGHTED_INTERLEAVE: 6 };
export const MPOL_FLAG: Record<string, number> = { MPOL_F_STATIC_NODES: 1 << 15, MPOL_F_RELATIVE_NODES: 1 << 14, MPOL_F_NUMA_BALANCING: 1 << 13 };

/** Highest CPU (CONFIG_NR_CPUS allows 8192) and NUMA node (MAX_NUMNODES 1024) a list may name. */
export const MAX_CPU = 8191;
export const MAX_NODE = 1023;

/** "0-3,7" → its members; throws a message for what the kernel's list format would not take. */
export function parseList(list: string, max: number): number[] {
  const r = listMembers(list, max, false);
  if (Array.isArray(r)) return r;
  if (r.kind === 'syntax') throw new Error(`"${r.part}" is not a number or a range`);
  if (r.kind === 'backwards') throw new Error(`range ${r.part} ends before it starts`);
  throw new Error(`${r.value} is above the highest allowed, ${max}`);
}

/** Members → a bitmask in as few 64-bit words as hold the highest one. */
export function maskWords(members: readonly number[]): bigint[] {
  const words: bigint[] = [];
  for (const i of members) {
    const w = Math.floor(i / 64);
    while (words.length <= w) words.push(0n);
    words[w] |= 1n << BigInt(i % 64);
  }
  return words;
}

const mask = (list: string | undefined, max: number): bigint[] => (list ? maskWords(parseList(list, max)) : []);

export function personalityPlan(linux: Linux | undefined): number | undefined {
  const d = linux?.personality?.domain;
  return d === undefined ? undefined : PERSONA[d];
}

export function schedulerPlan(p: Process): SchedulerPlan | undefined {
  const s = p.scheduler as { policy: string; nice?: number; priority?: number; flags?: string[]; runtime?: number; deadline?: number; period?: number } | undefined;
  if (!s) return undefined;
  // The spec's "if not set, the runtime must use the value 0" for each number.
  return {
    policy: SCHED_POLICY[s.policy],
    flags: (s.flags ?? []).reduce((a, f) => a | SCHED_FLAG[f], 0n),
    nice: s.nice ?? 0,
    priority: s.priority ?? 0,
    runtime: BigInt(s.runtime ?? 0),
    deadline: BigInt(s.deadline ?? 0),
    period: BigInt(s.period ?? 0),
  };
}

export function ioPriorityPlan(p: Process): number | undefined {
  const io = p.ioPriority;
  return io ? (IOPRIO_CLASS[io.class] << 13) | io.priority : undefined;
}

export function memoryPolicyPlan(linux: Linux | undefined): MemoryPolicyPlan | undefined {
  const mp = linux?.memoryPolicy as { mode: string; nodes?: string; flags?: string[] } | undefined;
  if (!mp) return undefined;
  return { mode: (mp.flags ?? []).reduce((a, f) => a | MPOL_FLAG[f], MPOL_MODE[mp.mode]), nodes: mask(mp.nodes, MAX_NODE) };
}

export function cpuAffinityPlan(p: Process): CpuAffinityPlan | undefined {
  const a = p.execCPUAffinity;
  if (!a || (!a.initial && !a.final)) return undefined;
  return { initial: mask(a.initial, MAX_CPU), final: mask(a.final, MAX_CPU) };
}
