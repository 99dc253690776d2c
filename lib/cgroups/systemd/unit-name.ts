// linux.cgroupsPath in the systemd driver's "slice:prefix:name" form -> the systemd unit and where
// its cgroup lives, by runc's rules:
//   "system.slice:docker:abc"  -> scope "docker-abc.scope" in slice "system.slice",
//                                 cgroup /system.slice/docker-abc.scope
//   ":docker:abc"              -> the slice defaults to "system.slice"
//   "a-b.slice:x:y"            -> cgroup /a.slice/a-b.slice/x-y.scope (slice names nest by "-")
//   "a.slice:x:a-y.slice"      -> the unit is the slice "a-y.slice" itself (prefix unused)
//   absent or ""               -> "system.slice:tsrc:<id>" (runc: "system.slice:runc:<id>")
import { CgroupError } from '../api.js';

export interface SystemdUnit {
  /** The parent slice, as passed to systemd ("system.slice"). */
  slice: string;
  /** The unit tsrc starts: "<prefix>-<name>.scope", or a "*.slice" name. */
  unit: string;
  kind: 'scope' | 'slice';
  /** The container name part (for the unit's Description). */
  name: string;
  /** The unit's cgroup below each hierarchy's root: "/system.slice/tsrc-abc.scope". */
  cgroup: string;
}

/**
 * systemd's slice nesting: "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" (the root
 * slice) -> "/". Throws for what systemd would not accept as a slice name.
 */
export function expandSlice(slice: string): string {
  const suffix = '.slice';
  const bad = (): Error => new Error(`invalid slice name: ${slice}`);
  if (!slice.endsWith(suffix) || slice.length <= suffix.length || slice.includes('/')) throw bad();
  const base = slice.slice(0, -suffix.length);
  if (base === '-') return '/';
  let path = '';
  let prefix = '';
  for (const part of base.split('-')) {
    if (part === '') throw bad(); // "a--b.slice", "-a.slice", "a-.slice"
    path += `/${prefix}${part}${suffix}`;
    prefix += `${part}-`;
  }
  return path;
}

// systemd's unit_name_is_valid(): at most 255 bytes of [A-Za-z0-9:_.\-], a non-empty name before
// the type suffix. ("@" would make a template instance, which a transient unit cannot be; "\"
// only appears in systemd's own escaping, which runc does not do either.)
const UNIT_NAME = /^[A-Za-z0-9:_.-]+\.(scope|slice)$/;

function checkUnitName(unit: string, what: string): void {
  if (unit.length > 255 || !UNIT_NAME.test(unit) || unit.startsWith('.')) {
    throw new CgroupError(`${what}: ${JSON.stringify(unit)} is not a valid systemd unit name (letters, digits, ":", "_", "." and "-" only, at most 255)`);
  }
}

/** Parse linux.cgroupsPath for the systemd driver (see the top of this file). */
export function parseSystemdCgroupsPath(cgroupsPath: string | undefined, id: string): SystemdUnit {
  const byDefault = cgroupsPath === undefined || cgroupsPath === '';
  const what = byDefault ? `container id ${JSON.stringify(id)}` : `linux.cgroupsPath ${JSON.stringify(cgroupsPath)}`;
  const parts = byDefault ? ['system.slice', 'tsrc', id] : cgroupsPath.split(':');
  if (parts.length !== 3) {
    throw new CgroupError(`${what}: expected the format "slice:prefix:name" for systemd cgroups (e.g. "system.slice:tsrc:mycontainer")`);
  }
  const [given, prefix, name] = parts;
  const slice = given === '' ? 'system.slice' : given;
  let slicePath: string;
  try {
    slicePath = expandSlice(slice);
  } catch (e) {
    throw new CgroupError(`${what}: ${(e as Error).message}`);
  }
  if (name === '') throw new CgroupError(`${what}: the name part (after the second ":") is empty`);
  if (name.endsWith('.slice')) {
    checkUnitName(name, what);
    let own: string;
    try {
      own = expandSlice(name);
    } catch (e) {
      throw new CgroupError(`${what}: ${(e as Error).message}`);
    }
    // systemd places a slice by its name alone; runc computes <parent>/<name>. Where the two
    // disagree runc's directory is one systemd never made, so refuse instead.
    const expected = slicePath === '/' ? `/${name}` : `${slicePath}/${name}`;
    if (own !== expected) {
      throw new CgroupError(`${what}: slice ${JSON.stringify(name)} is not a child of ${JSON.stringify(slice)} (systemd would place it at ${own}; name it after its parent, e.g. ${JSON.stringify(slice === '-.slice' ? 'x.slice' : `${slice.slice(0, -'.slice'.length)}-x.slice`)})`);
    }
    return { slice, unit: name, kind: 'slice', name, cgroup: own };
  }
  const unit = `${prefix}-${name}.scope`;
  checkUnitName(unit, what);
  return { slice, unit, kind: 'scope', name, cgroup: slicePath === '/' ? `/${unit}` : `${slicePath}/${unit}` };
}
