import { openContainer } from '../container/load.js';
import { publicState } from '../container/state.js';
import type { GlobalArgs } from './main.js';

export default async function state(a: GlobalArgs & { 'container-id': string }): Promise<void> {
  const c = await openContainer(a.root, a['container-id']);
  process.stdout.write(JSON.stringify(publicState(c.state, c.status()), null, 2) + '\n');
}
