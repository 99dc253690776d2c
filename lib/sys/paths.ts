// Where the native build outputs live: <package root>/build/Release, found by walking up from
// this module to tsrc's package.json, so it works from lib/ (tests), dist/ and a bundle alike.
// TSRC_NATIVE_DIR overrides the directory (e.g. an installed copy elsewhere).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'tsrc') return (root = dir);
      } catch {
        /* not ours: keep walking */
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`tsrc: cannot find the tsrc package root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export function nativeDir(): string {
  return process.env.TSRC_NATIVE_DIR || join(packageRoot(), 'build', 'Release');
}

function built(name: string): string {
  const p = join(nativeDir(), name);
  if (!existsSync(p)) throw new Error(`tsrc: ${p} is missing; build it with \`node scripts/build.mjs native\``);
  return p;
}

/** The C init program. */
export function initBinaryPath(): string {
  return built('tsrc-init');
}

/** The N-API addon. */
export function addonPath(): string {
  return built('tsrc_native.node');
}
