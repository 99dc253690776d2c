// linux.resources.rdma -> rdma.max, one "<device> hca_handle=N hca_object=M" line per device (v1 and v2).
import type { Resources } from '../../spec/types.js';
import { invalid, uint, type WriteContext } from './context.js';

export function applyRdma(ctx: WriteContext, dir: string, rdma: NonNullable<Resources['rdma']>): void {
  for (const [name, l] of Object.entries(rdma)) {
    if (name === '' || /\s/.test(name)) throw invalid('rdma', `${JSON.stringify(name)} is not a device name`);
    if (l.hcaHandles === undefined && l.hcaObjects === undefined) {
      throw invalid(`rdma.${name}`, 'needs hcaHandles or hcaObjects');
    }
    let line = name;
    if (l.hcaHandles !== undefined) line += ` hca_handle=${uint(`rdma.${name}.hcaHandles`, l.hcaHandles)}`;
    if (l.hcaObjects !== undefined) line += ` hca_object=${uint(`rdma.${name}.hcaObjects`, l.hcaObjects)}`;
    ctx.write(dir, 'rdma.max', line);
  }
}
