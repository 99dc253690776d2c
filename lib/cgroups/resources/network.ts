// linux.resources.network -> v1 net_cls.classid / net_prio.ifpriomap (no v2 equivalent).
import type { Resources } from '../../spec/types.js';
import { invalid, uint, type WriteContext } from './context.js';

type Network = NonNullable<Resources['network']>;

export function applyNetClsV1(ctx: WriteContext, dir: string, n: Network): void {
  if (n.classID !== undefined && n.classID !== 0) ctx.write(dir, 'net_cls.classid', String(uint('network.classID', n.classID)));
}

export function applyNetPrioV1(ctx: WriteContext, dir: string, n: Network): void {
  for (const [i, p] of (n.priorities ?? []).entries()) {
    if (typeof p.name !== 'string' || p.name === '' || /\s/.test(p.name)) {
      throw invalid(`network.priorities[${i}].name`, `${JSON.stringify(p.name)} is not an interface name`);
    }
    ctx.write(dir, 'net_prio.ifpriomap', `${p.name} ${uint(`network.priorities[${i}].priority`, p.priority)}`);
  }
}

export function wantsNetCls(n: Network | undefined): boolean {
  return n?.classID !== undefined && n.classID !== 0;
}

export function wantsNetPrio(n: Network | undefined): boolean {
  return (n?.priorities ?? []).length > 0;
}
