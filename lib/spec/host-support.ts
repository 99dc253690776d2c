// Config fields that depend on what this host has: refused here, before anything is touched, with
// the field named, rather than failing half-way through create with a bare errno (or, worse,
// being dropped). lsm.ts does the same for the LSM fields.
import { existsSync, readFileSync } from 'node:fs';
import { MAX_NODE, parseList } from '../plan/process-tuning.js';
import { fstypeAt } from '../util/mounted.js';
import { specError } from './errors.js';
import { ptr } from './pointer.js';
import type { Spec } from './types.js';

const RESCTRL = '/sys/fs/resctrl';
const NODES_ONLINE = '/sys/devices/system/node/online';

export function checkHostSupport(spec: Spec, file: string): void {
  const linux = spec.linux ?? {};
  if (linux.intelRdt) {
    // Applying it needs RDT hardware to test against, which no machine this is built on has.
    const why = fstypeAt(RESCTRL) === 'resctrl' ? 'tsrc cannot apply Intel RDT settings yet' : `Intel RDT is not available on this host (no resctrl filesystem mounted at ${RESCTRL})`;
    throw specError(file, '/linux/intelRdt', why);
  }
  const mp = linux.memoryPolicy as { mode: string; nodes?: string; flags?: string[] } | undefined;
  if (mp && mp.mode !== 'MPOL_DEFAULT') {
    if (!existsSync(NODES_ONLINE)) throw specError(file, '/linux/memoryPolicy', 'this kernel has no NUMA support (no /sys/devices/system/node)');
    // Relative and static node masks may name nodes that are not (yet) there: the kernel maps them.
    if (mp.nodes && !(mp.flags ?? []).some((f) => f === 'MPOL_F_RELATIVE_NODES' || f === 'MPOL_F_STATIC_NODES')) {
      const online = new Set(parseList(readFileSync(NODES_ONLINE, 'utf8').trim(), MAX_NODE));
      const missing = parseList(mp.nodes, MAX_NODE).filter((n) => !online.has(n));
      if (missing.length) throw specError(file, '/linux/memoryPolicy/nodes', `NUMA node ${missing.join(', ')} is not online on this host (online: ${[...online].join(',')})`);
    }
  }
  const netDevices = Object.keys(linux.netDevices ?? {});
  if (netDevices.length && !['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].some((f) => existsSync(f))) {
    throw specError(file, '/linux/netDevices', "moving network devices needs iproute2's ip command (Debian package iproute2)");
  }
  for (const name of netDevices) {
    // The runtime's own network namespace is where the device is taken from.
    if (!existsSync(`/sys/class/net/${name}`)) throw specError(file, ptr('linux', 'netDevices', name), 'no network device of that name on the host');
  }
}
