// The two images the CRI test needs, built locally (there is no registry): the busybox image of
// conformance/env/image.ts for containers, and a pod sandbox ("pause") image holding one static
// binary built from conformance/cri/pause.c with musl-gcc. Both are docker-archive tarballs that
// `ctr -n k8s.io images import` loads into the namespace containerd's CRI plugin uses.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export { buildBusyboxArchive, IMAGE_REF as BUSYBOX_REF } from './image.js';

export const PAUSE_TAG = 'tsrc-conformance/pause:latest';
/** The sandbox_image containerd is configured with (CRI normalises refs to docker.io/…). */
export const PAUSE_REF = `docker.io/${PAUSE_TAG}`;
const PAUSE_SOURCE = join(dirname(fileURLToPath(import.meta.url)), '..', 'cri', 'pause.c');

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** Writes the pause image (one layer: /pause, entrypoint ["/pause"]) to `out`; returns `out`. */
export function buildPauseArchive(work: string, out: string): string {
  const tree = join(work, 'tree');
  const pack = join(work, 'pack');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(tree, { recursive: true });
  mkdirSync(pack, { recursive: true });
  // Static: the image has no libc. Stripped: the layer stays ~20 KB.
  execFileSync('musl-gcc', ['-static', '-Os', '-s', '-o', join(tree, 'pause'), PAUSE_SOURCE], { timeout: 60_000 });
  const layerTmp = join(work, 'layer.tar');
  execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', tree, '-cf', layerTmp, '.']);
  const layer = readFileSync(layerTmp);
  const diffId = sha256(layer);
  mkdirSync(join(pack, diffId));
  writeFileSync(join(pack, diffId, 'layer.tar'), layer);
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    created: '1970-01-01T00:00:00Z',
    config: { Entrypoint: ['/pause'], WorkingDir: '/' },
    rootfs: { type: 'layers', diff_ids: [`sha256:${diffId}`] },
    history: [{ created: '1970-01-01T00:00:00Z', created_by: 'tsrc conformance: conformance/cri/pause.c' }],
  });
  const configName = `${sha256(config)}.json`;
  writeFileSync(join(pack, configName), config);
  writeFileSync(join(pack, 'manifest.json'), JSON.stringify([{ Config: configName, RepoTags: [PAUSE_TAG], Layers: [`${diffId}/layer.tar`] }]));
  execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', pack, '-cf', out, '.']);
  rmSync(work, { recursive: true, force: true });
  return out;
}
