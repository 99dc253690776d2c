// SCMP_ACT_NOTIFY, the runtime's side: the C init (or an exec'd process) sends its filter's notify
// fd to a socket of ours (one fd, one message: the console socket's protocol, so listenConsole's
// receiver serves), and we hand it to the seccomp agent at linux.seccomp.listenerPath.
import { closeSync } from 'node:fs';
import { containerProcessState } from '../plan/seccomp.js';
import type { ConsoleReceiver } from '../sys/console.js';
import { sendFd } from '../sys/native.js';
import { TsrcError } from '../util/errors.js';

/**
 * config-linux.md: the container process state (pid: the process the filter is on, as the
 * runtime sees it), with the notify fd (SCM_RIGHTS), over one new connection to listenerPath; a
 * failure to send is an error of the command.
 */
export async function sendToSeccompAgent(notify: ConsoleReceiver, listenerPath: string, metadata: string, pid: number, state: Record<string, unknown>): Promise<void> {
  let fd: number;
  try {
    fd = await notify.master;
  } catch (e) {
    throw new TsrcError(`seccomp: the process sent no notify fd: ${(e as Error).message}`);
  } finally {
    notify.close();
  }
  try {
    sendFd(listenerPath, containerProcessState(metadata, pid, state), fd);
  } catch (e) {
    throw new TsrcError(`config.json: /linux/seccomp/listenerPath: cannot send the seccomp state to ${listenerPath}: ${(e as Error).message}`);
  } finally {
    closeSync(fd);
  }
}
