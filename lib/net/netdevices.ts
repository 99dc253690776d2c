// linux.netDevices: each named host device moved into the container's network namespace, under
// its new name, with its permanent global addresses and up (config-linux.md "Network Devices").
// Done from the host while the init waits before pivot_root, through iproute2's `ip` (netlink)
// run in that namespace with nsenter. Never moved back: the spec says the runtime MUST NOT; the
// kernel returns physical devices to the initial namespace when the container's dies.
import { spawnSync } from 'node:child_process';
import { ptr } from '../spec/pointer.js';
import { TsrcError } from '../util/errors.js';

interface AddrInfo {
  family: string;
  local: string;
  prefixlen: number;
  scope: string;
  broadcast?: string;
  dynamic?: boolean;
}

interface Link {
  ifindex: number;
  ifname: string;
  address?: string;
  addr_info?: AddrInfo[];
}

function run(argv: string[], what: string): string {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  if (r.error) throw new TsrcError(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new TsrcError(`${what}: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
  return r.stdout;
}

/** `ip` in the network namespace of pid (the container's), or in ours without one. */
const ip = (pid: number | null, args: string[]): string[] => (pid === null ? ['ip', ...args] : ['nsenter', `--net=/proc/${pid}/ns/net`, '--', 'ip', ...args]);

/** The devices in the container's network namespace. */
const links = (pid: number, at: string): Link[] => JSON.parse(run(ip(pid, ['-j', 'link', 'show']), `${at}: cannot list the container's devices`)) as Link[];

/** Permanent (not dynamic) addresses of global scope: what RFC 3549 and the spec say to keep. */
export function keptAddresses(link: Link): AddrInfo[] {
  return (link.addr_info ?? []).filter((a) => a.scope === 'global' && !a.dynamic && (a.family === 'inet' || a.family === 'inet6'));
}

export function moveNetDevices(pid: number, devices: Record<string, { name?: string }>): void {
  for (const [host, dev] of Object.entries(devices)) {
    const at = `config.json: ${ptr('linux', 'netDevices', host)}`;
    const target = dev.name || host;
    const [link] = JSON.parse(run(ip(null, ['-j', 'addr', 'show', 'dev', host]), `${at}: cannot read the device`)) as Link[];
    // Checked before the move: the kernel moves the device under its own name first and only then
    // fails the rename (EEXIST), which would leave it in a namespace that dies with the container.
    if (!target.includes('%d') && links(pid, at).some((l) => l.ifname === target)) throw new TsrcError(`${at}: the container's network namespace already has a device named ${target}`);
    // One RTM_NEWLINK: the device moves, then takes its new name (a %d template is numbered).
    run(ip(null, ['link', 'set', 'dev', host, 'netns', String(pid), 'name', target]), `${at}: cannot move it into the container's network namespace as ${target}`);
    // Its name there (a template was numbered): same ifindex unless the namespace had it taken.
    const there = links(pid, at);
    const moved = there.find((l) => l.ifindex === link.ifindex && (!link.address || l.address === link.address)) ?? there.find((l) => link.address && l.address === link.address);
    if (!moved) throw new TsrcError(`${at}: moved, but not found in the container's network namespace`);
    for (const a of keptAddresses(link)) {
      const args = ['addr', 'add', `${a.local}/${a.prefixlen}`, ...(a.broadcast ? ['broadcast', a.broadcast] : []), 'dev', moved.ifname];
      run(ip(pid, args), `${at}: cannot restore address ${a.local}/${a.prefixlen}`);
    }
    run(ip(pid, ['link', 'set', 'dev', moved.ifname, 'up']), `${at}: cannot set ${moved.ifname} up`);
  }
}
