import { killContainer } from '../container/kill.js';
import { openContainer } from '../container/load.js';
import { parseSignal } from '../util/signals.js';
import type { GlobalArgs } from './main.js';

export default async function kill(a: GlobalArgs & { 'container-id': string; signal?: string; all: boolean }): Promise<void> {
  const sig = parseSignal(a.signal);
  await killContainer(await openContainer(a.root, a['container-id'], { cgroup: a.all }), sig, a.all);
}
