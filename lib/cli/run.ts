import { createContainer } from '../container/create.js';
import { deleteContainer } from '../container/delete.js';
import { openContainer } from '../container/load.js';
import { startContainer } from '../container/start.js';
import { log } from '../util/log.js';
import { createOptions } from './create.js';
import type { GlobalArgs } from './main.js';

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

type Args = Parameters<typeof createOptions>[0] & { detach: boolean; keep: boolean };

/** create + start; in the foreground, forward signals, wait, delete, and exit with the container's status. */
export default async function run(a: Args & GlobalArgs): Promise<number> {
  const created = await createContainer(createOptions(a, !a.detach));
  const c = await openContainer(a.root, a['container-id'], { cgroup: true });
  try {
    await startContainer(c);
  } catch (e) {
    await deleteContainer(c, true).catch(() => {});
    throw e;
  }
  if (a.detach) return 0;
  const { proxyConsole } = await import('../sys/console.js');
  const proxy = created.console ? proxyConsole(await created.console.master) : undefined;
  const forward = (sig: NodeJS.Signals) => {
    try {
      process.kill(created.init.pid, sig);
    } catch {
      /* already exited */
    }
  };
  // With a terminal, ^C and friends travel through the pty; only the signals a terminal cannot send are forwarded.
  const forwarded = proxy ? FORWARDED.filter((s) => s !== 'SIGINT' && s !== 'SIGQUIT' && s !== 'SIGWINCH') : FORWARDED;
  for (const s of forwarded) process.on(s, forward);
  const status = await created.init.exited;
  if (proxy) {
    await proxy.done;
    proxy.close();
  }
  for (const s of forwarded) process.off(s, forward);
  if (!a.keep) await deleteContainer(c, true).catch((e: Error) => log.warn(`delete after run: ${e.message}`));
  return status;
}
