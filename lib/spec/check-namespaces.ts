// Semantic checks tying settings to the namespaces they need: duplicate namespace types, user
// namespace mappings, time offsets, hostname/domainname, masked/readonly paths.
import { Checker, hasNul, namespaceOf } from './checker.js';
import { TIME_NAMESPACE_CLOCKS } from './known-names.js';
import { ptr } from './pointer.js';
import type { IdMapping, Spec } from './types.js';

/** user_namespaces(7): at most 340 lines per uid_map/gid_map (since Linux 4.15). */
export const MAX_ID_MAPPINGS = 340;
/** HOST_NAME_MAX; sethostname(2)/setdomainname(2) fail with EINVAL beyond it. */
export const MAX_HOSTNAME_LENGTH = 64;

export function checkNamespaces(c: Checker, spec: Spec): void {
  const seen = new Map<string, number>();
  (spec.linux?.namespaces ?? []).forEach((ns, i) => {
    const first = seen.get(ns.type);
    // config-linux.md: duplicated namespace types MUST generate an error.
    if (first !== undefined) c.fail(`/linux/namespaces/${i}/type`, `duplicate namespace type ${ns.type} (also at /linux/namespaces/${first})`);
    seen.set(ns.type, i);
  });

  checkUserNamespace(c, spec);
  checkTimeNamespace(c, spec);
  checkUts(c, spec);

  // Without a mount namespace the container shares the runtime's mount table (config-linux.md:
  // it inherits the runtime's namespace) and is only chrooted into its root. Whatever would
  // mount in that table would change the host's and outlive the container (runc mounts it there
  // and leaves it), so it is refused; runc refuses masked and read-only paths too.
  const linux = spec.linux ?? {};
  if (!namespaceOf(spec, 'mount')) {
    const fail = (at: string) => c.fail(at, 'needs a mount namespace (add {"type": "mount"} to /linux/namespaces)');
    if (spec.mounts?.length) fail('/mounts');
    if (spec.root?.readonly) fail('/root/readonly');
    if (linux.rootfsPropagation) fail('/linux/rootfsPropagation');
    if (linux.devices?.length) fail('/linux/devices');
    if (linux.maskedPaths?.length) fail('/linux/maskedPaths');
    if (linux.readonlyPaths?.length) fail('/linux/readonlyPaths');
    if (spec.process?.terminal) fail('/process/terminal');
  }
}

function checkUserNamespace(c: Checker, spec: Spec): void {
  const linux = spec.linux ?? {};
  const userns = namespaceOf(spec, 'user');
  const uid = linux.uidMappings;
  const gid = linux.gidMappings;
  if (!userns) {
    if (uid?.length) c.fail('/linux/uidMappings', 'needs a user namespace (add {"type": "user"} to /linux/namespaces)');
    if (gid?.length) c.fail('/linux/gidMappings', 'needs a user namespace (add {"type": "user"} to /linux/namespaces)');
    return;
  }
  if (userns.path) {
    // Joining a namespace whose maps are already written: there is nothing to apply them to.
    if (uid?.length || gid?.length) {
      c.warn('/linux/uidMappings', 'ignored: the user namespace is joined from its path, whose mappings are already set');
    }
    return;
  }
  // A new user namespace without maps leaves every id unmapped (nobody/65534): setuid, setgid
  // and chown all fail in it. runc refuses this too.
  if (!uid?.length) c.fail('/linux/uidMappings', 'is required for a new user namespace');
  if (!gid?.length) c.fail('/linux/gidMappings', 'is required for a new user namespace');
  checkMappings(c, '/linux/uidMappings', uid);
  checkMappings(c, '/linux/gidMappings', gid);
}

/** What the kernel would refuse when the map is written: empty or overflowing ranges, overlaps. */
export function checkMappings(c: Checker, at: string, maps: readonly IdMapping[]): void {
  if (maps.length > MAX_ID_MAPPINGS) c.fail(at, `must have at most ${MAX_ID_MAPPINGS} entries (got ${maps.length})`);
  maps.forEach((m, i) => {
    if (m.size === 0) c.fail(`${at}/${i}/size`, 'must be at least 1');
    if (m.containerID + m.size > 2 ** 32) c.fail(`${at}/${i}`, 'containerID + size must not exceed 4294967296');
    if (m.hostID + m.size > 2 ** 32) c.fail(`${at}/${i}`, 'hostID + size must not exceed 4294967296');
    for (let j = 0; j < i; j++) {
      const o = maps[j];
      if (overlaps(m.containerID, m.size, o.containerID, o.size)) c.fail(`${at}/${i}`, `container ID range overlaps ${at}/${j}`);
      if (overlaps(m.hostID, m.size, o.hostID, o.size)) c.fail(`${at}/${i}`, `host ID range overlaps ${at}/${j}`);
    }
  });
}

function overlaps(a: number, an: number, b: number, bn: number): boolean {
  return a < b + bn && b < a + an;
}

function checkTimeNamespace(c: Checker, spec: Spec): void {
  const offsets = spec.linux?.timeOffsets;
  const timens = namespaceOf(spec, 'time');
  if (!offsets || Object.keys(offsets).length === 0) return;
  if (!timens) c.fail('/linux/timeOffsets', 'needs a time namespace (add {"type": "time"} to /linux/namespaces)');
  // Offsets can only be written before the first process enters a new namespace.
  if (timens.path) c.fail('/linux/timeOffsets', 'cannot be set when the time namespace is joined from its path');
  for (const [clock, off] of Object.entries(offsets)) {
    const at = ptr('linux', 'timeOffsets', clock);
    if (!TIME_NAMESPACE_CLOCKS.includes(clock)) c.fail(at, `unknown clock (must be one of ${TIME_NAMESPACE_CLOCKS.join(', ')})`);
    if (off.nanosecs !== undefined && off.nanosecs > 999_999_999) c.fail(`${at}/nanosecs`, 'must be at most 999999999');
  }
}

function checkUts(c: Checker, spec: Spec): void {
  const uts = namespaceOf(spec, 'uts');
  for (const field of ['hostname', 'domainname'] as const) {
    const v = spec[field];
    if (v === undefined || v === '') continue;
    // Setting it without a UTS namespace would rename the host (runc refuses the same way, in these words).
    if (!uts) c.fail(`/${field}`, `unable to set ${field} without a private UTS namespace (add {"type": "uts"} to /linux/namespaces)`);
    if (Buffer.byteLength(v) > MAX_HOSTNAME_LENGTH) c.fail(`/${field}`, `must be at most ${MAX_HOSTNAME_LENGTH} bytes`);
    if (hasNul(v)) c.fail(`/${field}`, 'must not contain a NUL byte');
  }
}
