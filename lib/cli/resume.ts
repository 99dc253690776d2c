import { openContainer } from '../container/load.js';
import { resumeContainer } from '../container/pause.js';
import type { GlobalArgs } from './main.js';

export default async function resume(a: GlobalArgs & { 'container-id': string }): Promise<void> {
  resumeContainer(await openContainer(a.root, a['container-id'], { cgroup: true }));
}
