// Where the container's cgroup lives in each hierarchy, with runc's cgroupfs-driver rules:
//   absolute cgroupsPath "/a/b"  -> <mountpoint>/a/b in every hierarchy;
//   relative cgroupsPath "a/b"   -> v1: <this process's cgroup in that hierarchy>/a/b
//                                   v2: <the PARENT of this process's cgroup>/a/b (the own cgroup
//                                       holds processes, so controllers could not be enabled in it);
//                                   hybrid's cgroup2 mount uses the v2 rule;
//   absent (or "")               -> "/tsrc/<id>" (runc uses "<id>" relative to its own cgroup; a
//                                   fixed absolute default keeps tsrc's cgroups in one place that
//                                   does not depend on where the calling shell happens to sit).
import { posix } from 'node:path';
import { CgroupError } from './api.js';
import { ownDir, V1_CONTROLLERS, type CgroupLayout, type Hierarchy } from './layout.js';

/**
 * runc's CleanPath: lexically clean a path and never let a relative one climb out ("../../x"
 * becomes "x"); absolute paths stay absolute.
 */
export function cleanPath(p: string): string {
  if (p === '') return '';
  if (p.startsWith('/')) return posix.normalize(p).replace(/(.)\/+$/, '$1');
  const abs = posix.normalize('/' + p);
  return posix.relative('/', abs);
}

/** The cgroup path inside each hierarchy, before it is joined to a mount point. */
export function innerPath(cgroupsPath: string | undefined, id: string): string {
  const byDefault = cgroupsPath === undefined || cgroupsPath === '';
  const raw = byDefault ? `/tsrc/${id}` : cgroupsPath;
  const what = byDefault ? `container id ${JSON.stringify(id)}` : `cgroupsPath ${JSON.stringify(cgroupsPath)}`;
  if (raw.includes('\0')) throw new CgroupError(`${what}: contains a NUL byte`);
  const inner = cleanPath(raw);
  // The root (or our own cgroup) is never the container's: destroy() would try to remove it.
  const bad = inner === '/' || inner === '' || (byDefault && !inner.startsWith('/tsrc/'));
  if (bad) throw new CgroupError(`${what}: does not name a cgroup of its own (it resolves to ${JSON.stringify(inner || '.')})`);
  return inner;
}

function v1Dir(h: Hierarchy, inner: string): string {
  return inner.startsWith('/') ? posix.join(h.mountpoint, inner) : posix.join(ownDir(h), inner);
}

function v2Dir(h: Hierarchy, inner: string): string {
  if (inner.startsWith('/')) return posix.join(h.mountpoint, inner);
  // The parent of our own cgroup; the root's parent is the root (never above the mount).
  const own = posix.relative(h.mountpoint, ownDir(h));
  return posix.join(h.mountpoint, posix.dirname('/' + own), inner);
}

/**
 * The paths map (controller -> absolute directory; "" is the cgroup2 directory, the only key on
 * v2). Co-mounted v1 controllers get the same directory.
 */
export function resolvePaths(layout: CgroupLayout, inner: string): Record<string, string> {
  const paths: Record<string, string> = {};
  if (layout.mode === 'v2') {
    paths[''] = v2Dir(layout.unified!, inner);
    return paths;
  }
  for (const c of V1_CONTROLLERS) {
    const h = layout.v1.get(c);
    if (h) paths[c] = v1Dir(h, inner);
  }
  if (layout.unified) paths[''] = v2Dir(layout.unified, inner);
  return paths;
}
