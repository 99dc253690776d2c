// `update`: change a live container's cgroup limits, from runc's flags and/or a LinuxResources
// JSON document (--resources FILE, or - for stdin as Docker sends it). Flags override the document.
import { readFileSync } from 'node:fs';
import { updateCgroup } from '../container/cgroup-ops.js';
import { openContainer } from '../container/load.js';
import type { Resources } from '../spec/types.js';
import { TsrcError } from '../util/errors.js';
import { ramInBytes } from '../util/units.js';
import type { GlobalArgs } from './main.js';

export interface UpdateArgs {
  resources?: string;
  memory?: string;
  'memory-reservation'?: string;
  'memory-swap'?: string;
  'kernel-memory'?: string;
  'kernel-memory-tcp'?: string;
  'cpu-share'?: number;
  'cpu-quota'?: number;
  'cpu-period'?: number;
  'cpu-rt-period'?: number;
  'cpu-rt-runtime'?: number;
  'cpuset-cpus'?: string;
  'cpuset-mems'?: string;
  'pids-limit'?: number;
  'blkio-weight'?: number;
}

export async function resourcesFrom(a: UpdateArgs, readStdin: () => string): Promise<Resources> {
  let r: Resources = {};
  if (a.resources !== undefined) {
    const { parseResources } = await import('../spec/parse-resources.js');
    const file = a.resources === '-' ? 'stdin' : a.resources;
    r = parseResources(a.resources === '-' ? readStdin() : readFileSync(a.resources, 'utf8'), file);
  }
  const mem = (flag: keyof UpdateArgs) => (a[flag] === undefined ? undefined : ramInBytes(`--${flag}`, String(a[flag])));
  const set = <K extends keyof Resources>(k: K, v: Partial<NonNullable<Resources[K]>>) => {
    const defined = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined));
    if (Object.keys(defined).length) r[k] = { ...(r[k] as object), ...defined } as Resources[K];
  };
  set('memory', { limit: mem('memory'), reservation: mem('memory-reservation'), swap: mem('memory-swap'), kernel: mem('kernel-memory'), kernelTCP: mem('kernel-memory-tcp') });
  set('cpu', {
    shares: a['cpu-share'],
    quota: a['cpu-quota'],
    period: a['cpu-period'],
    realtimePeriod: a['cpu-rt-period'],
    realtimeRuntime: a['cpu-rt-runtime'],
    cpus: a['cpuset-cpus'],
    mems: a['cpuset-mems'],
  });
  set('pids', { limit: a['pids-limit'] });
  set('blockIO', { weight: a['blkio-weight'] });
  return r;
}

export default async function update(a: GlobalArgs & UpdateArgs & { 'container-id': string }): Promise<void> {
  const c = await openContainer(a.root, a['container-id'], { cgroup: true });
  if (c.status() === 'stopped') throw new TsrcError('container not running');
  const resources = await resourcesFrom(a, () => readFileSync(0, 'utf8'));
  await updateCgroup(c.cgroup(), resources);
}
