// The two images the CRI test needs, built locally (there is no registry): the busybox image of
// conformance/env/image.ts for containers, and a pod sandbox ("pause") image holding one static
// binary built from conformance/cri/pause.c with musl-gcc. Both are docker-archive tarballs that
// `ctr -n k8s.io images import` loads into the namespace containerd's CRI plugin uses.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildArchive } from './image.js';

export { buildBusyboxArchive, IMAGE_REF as BUSYBOX_REF } from './image.js';

export const PAUSE_TAG = 'tsrc-conformance/pause:latest';
/** The sandbox_image containerd is configured with (CRI normalises refs to docker.io/…). */
export const PAUSE_REF = `docker.io/${PAUSE_TAG}`;
const PAUSE_SOURCE = join(dirname(fileURLToPath(import.meta.url)), '..', 'cri', 'pause.c');

/** Writes the pause image (one layer: /pause, entrypoint ["/pause"]) to `out`; returns `out`. */
export function buildPauseArchive(work: string, out: string): string {
  buildArchive(work, out, {
    tag: PAUSE_TAG,
    // Static: the image has no libc. Stripped: the layer stays ~20 KB.
    fill: (tree) => execFileSync('musl-gcc', ['-static', '-Os', '-s', '-o', join(tree, 'pause'), PAUSE_SOURCE], { timeout: 60_000 }),
    rootOwned: true,
    config: { Entrypoint: ['/pause'], WorkingDir: '/' },
    createdBy: 'tsrc conformance: conformance/cri/pause.c',
  });
  rmSync(work, { recursive: true, force: true });
  return out;
}
