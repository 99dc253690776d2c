import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSpec } from './default-spec.js';
import { fstypeAt } from '../util/mounted.js';
import { TsrcError, errnoCode } from '../util/errors.js';
import type { GlobalArgs } from './main.js';

/** As runc decides it (IsCgroup2UnifiedMode): cgroup2 mounted at /sys/fs/cgroup itself. */
const pureCgroupV2 = (): boolean => fstypeAt('/sys/fs/cgroup') === 'cgroup2';

export default async function spec(a: GlobalArgs & { bundle: string }): Promise<void> {
  const path = join(a.bundle, 'config.json');
  try {
    writeFileSync(path, JSON.stringify(defaultSpec(pureCgroupV2()), null, '\t') + '\n', { flag: 'wx', mode: 0o666 });
  } catch (e) {
    if (errnoCode(e) === 'EEXIST') throw new TsrcError(`File ${path} exists. Remove it first`);
    if (errnoCode(e) === 'ENOENT') throw new TsrcError(`bundle directory ${a.bundle} does not exist`);
    throw e;
  }
}
