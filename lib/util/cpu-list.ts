// The kernel's list format for CPUs and NUMA nodes ("0-3,7"), parsed in one place for every
// config field that holds one (cpuset via systemd, execCPUAffinity, memoryPolicy nodes). The
// caller words what is wrong: each field's message names it its own way.

export interface ListProblem {
  /** syntax: a part is not N or N-M; backwards: M < N; above: a member beyond `max`. */
  kind: 'syntax' | 'backwards' | 'above';
  /** The offending part, trimmed. */
  part: string;
  /** The highest member of that part (for `above`). */
  value: number;
}

/** The members, sorted and each once, or the first problem. `skipEmpty`: "0,,2" and "" are fine. */
export function listMembers(list: string, max: number, skipEmpty: boolean): number[] | ListProblem {
  const out = new Set<number>();
  for (const raw of list.split(',')) {
    const part = raw.trim();
    if (part === '' && skipEmpty) continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return { kind: 'syntax', part, value: NaN };
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) return { kind: 'backwards', part, value: hi };
    if (hi > max) return { kind: 'above', part, value: hi };
    for (let i = lo; i <= hi; i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}
