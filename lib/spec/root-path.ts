// root.path: "A directory MUST exist at the path declared by the field" (config.md); a relative
// path is relative to the bundle.
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { CONFIG_FILE, specError } from './errors.js';
import { describeFsError } from './json-document.js';
import type { Spec } from './types.js';

/**
 * The root filesystem's absolute path, after checking it is a directory. Errors:
 * `config.json: /root/path: "/b/rootfs": no such file or directory`, `... is not a directory`.
 */
export function checkRootDirectory(spec: Spec, bundleDir: string): string {
  if (!spec.root) throw specError(CONFIG_FILE, '/root', 'is required on Linux');
  const path = isAbsolute(spec.root.path) ? spec.root.path : resolve(bundleDir, spec.root.path);
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    throw specError(CONFIG_FILE, '/root/path', `${JSON.stringify(path)}: ${describeFsError(e)}`);
  }
  if (!isDir) throw specError(CONFIG_FILE, '/root/path', `${JSON.stringify(path)} is not a directory`);
  return path;
}
