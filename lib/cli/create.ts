import { createContainer } from '../container/create.js';
import type { GlobalArgs } from './main.js';

interface Args extends GlobalArgs {
  'container-id': string;
  bundle: string;
  'pid-file'?: string;
  'console-socket'?: string;
  'no-pivot': boolean;
  'no-new-keyring': boolean;
  'preserve-fds': number;
}

export function createOptions(a: Args, waitForExit: boolean) {
  return {
    root: a.root,
    id: a['container-id'],
    bundle: a.bundle,
    pidFile: a['pid-file'],
    consoleSocket: a['console-socket'],
    noPivot: a['no-pivot'],
    noNewKeyring: a['no-new-keyring'],
    preserveFds: a['preserve-fds'],
    systemdCgroup: a['systemd-cgroup'],
    waitForExit,
    ownConsole: waitForExit,
  };
}

// Prints nothing on success: the caller gave us the container's stdio.
export default async function create(a: Args): Promise<void> {
  await createContainer(createOptions(a, false));
}
