import { deleteContainer } from '../container/delete.js';
import { openContainer } from '../container/load.js';
import { NotExistError } from '../util/errors.js';
import type { GlobalArgs } from './main.js';

export default async function del(a: GlobalArgs & { 'container-id': string; force: boolean }): Promise<void> {
  let c;
  try {
    c = await openContainer(a.root, a['container-id'], { cgroup: true });
  } catch (e) {
    // runc: delete --force of a container that does not exist succeeds; what a killed create
    // left without any state is removed on the way.
    if (a.force && e instanceof NotExistError) {
      const { removeStaleDir } = await import('../container/stale.js');
      removeStaleDir(a.root, a['container-id']);
      return;
    }
    throw e;
  }
  await deleteContainer(c, a.force);
}
