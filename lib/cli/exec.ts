import { execInContainer } from '../container/exec.js';
import { openContainer } from '../container/load.js';
import { TsrcError } from '../util/errors.js';
import type { GlobalArgs } from './main.js';

interface Args extends GlobalArgs {
  'container-id': string;
  '--'?: Array<string | number>;
  process?: string;
  tty: boolean;
  cwd?: string;
  env?: string[];
  user?: string;
  'additional-gids'?: string[];
  cap?: string[];
  'no-new-privs': boolean;
  'console-socket'?: string;
  detach: boolean;
  'pid-file'?: string;
  'preserve-fds': number;
  'ignore-paused': boolean;
  apparmor?: string;
  'process-label'?: string;
  cgroup?: string;
}

/** runc-exec(8): the process's exit status, or 255 when the runtime failed ("exec failed: …"),
 * so a caller can tell a failed exec from a program that exited 1. */
export default async function exec(a: Args): Promise<number> {
  try {
    return await run(a);
  } catch (e) {
    throw new TsrcError(`exec failed: ${(e as Error).message}`, 255);
  }
}

async function run(a: Args): Promise<number> {
  if (a.cgroup) throw new TsrcError('--cgroup: running an exec in a sub-cgroup is not supported yet');
  const c = await openContainer(a.root, a['container-id'], { cgroup: true });
  return execInContainer(c, {
    processFile: a.process,
    args: (a['--'] ?? []).map(String),
    tty: a.tty,
    cwd: a.cwd,
    env: a.env ?? [],
    user: a.user,
    additionalGids: a['additional-gids'] ?? [],
    caps: a.cap ?? [],
    noNewPrivs: a['no-new-privs'],
    consoleSocket: a['console-socket'],
    detach: a.detach,
    pidFile: a['pid-file'],
    preserveFds: a['preserve-fds'],
    apparmor: a.apparmor,
    processLabel: a['process-label'],
    ignorePaused: a['ignore-paused'],
  });
}
