import { openContainer } from '../container/load.js';
import { pauseContainer } from '../container/pause.js';
import type { GlobalArgs } from './main.js';

export default async function pause(a: GlobalArgs & { 'container-id': string }): Promise<void> {
  pauseContainer(await openContainer(a.root, a['container-id'], { cgroup: true }));
}
