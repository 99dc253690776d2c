// Semantic checks of `mounts`: relative destinations (deprecated), NUL bytes, id-mapped mounts.
import { Checker, hasNul, namespaceOf } from './checker.js';
import { checkMappings } from './check-namespaces.js';
import type { Spec } from './types.js';

export function checkMounts(c: Checker, spec: Spec): void {
  const userns = namespaceOf(spec, 'user');
  (spec.mounts ?? []).forEach((m, i) => {
    const at = `/mounts/${i}`;
    if (m.destination === '') c.fail(`${at}/destination`, 'must not be empty');
    for (const f of ['destination', 'source', 'type'] as const) {
      const v = m[f];
      if (v !== undefined && hasNul(v)) c.fail(`${at}/${f}`, 'must not contain a NUL byte');
    }
    (m.options ?? []).forEach((o, j) => {
      if (hasNul(o)) c.fail(`${at}/options/${j}`, 'must not contain a NUL byte');
    });
    // config.md: on Linux a relative destination is deprecated and means relative to "/".
    if (!m.destination.startsWith('/')) {
      c.warn(`${at}/destination`, `relative path ${JSON.stringify(m.destination)} is deprecated; using "/${m.destination}"`);
    }
    // config.md idmap/ridmap: without mappings of its own the mount takes the container's user
    // namespace mapping, and without a user namespace either it is an error.
    const idmapped = (m.options ?? []).some((o) => o === 'idmap' || o === 'ridmap');
    if (idmapped && !m.uidMappings && !userns) {
      c.fail(`${at}/options`, 'idmap needs uidMappings/gidMappings on the mount or a user namespace for the container');
    }
    if (m.uidMappings) checkMappings(c, `${at}/uidMappings`, m.uidMappings);
    if (m.gidMappings) checkMappings(c, `${at}/gidMappings`, m.gidMappings);
  });
}
