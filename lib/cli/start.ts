import { openContainer } from '../container/load.js';
import { startContainer } from '../container/start.js';
import type { GlobalArgs } from './main.js';

export default async function start(a: GlobalArgs & { 'container-id': string }): Promise<void> {
  await startContainer(await openContainer(a.root, a['container-id']));
}
