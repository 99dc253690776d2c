// A busybox image built locally, with no registry: Debian's busybox-static, its applet links, an
// /etc/passwd with root, a user 1000 and nobody, and a world-writable /tmp, packed as one layer in a
// docker-archive tarball (manifest.json + config JSON + <layer>/layer.tar). `ctr images import`,
// `docker load` and `podman load` all read this format.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const BUSYBOX = '/bin/busybox';
/** The name the archive's RepoTags give the image; callers see it normalised (docker.io/…, localhost/…). */
export const IMAGE_TAG = 'tsrc-conformance/busybox:latest';
export const IMAGE_REF = `docker.io/${IMAGE_TAG}`;

export const USER_UID = 1000;

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** Builds the image's root filesystem under dir. */
function makeLayerTree(dir: string): void {
  for (const d of ['bin', 'etc', 'tmp', 'root', 'home/user', 'data']) mkdirSync(join(dir, d), { recursive: true, mode: 0o755 });
  chmodSync(join(dir, 'tmp'), 0o1777);
  chmodSync(join(dir, 'root'), 0o700);
  chownSync(join(dir, 'home/user'), USER_UID, USER_UID);
  copyFileSync(BUSYBOX, join(dir, 'bin', 'busybox'));
  chmodSync(join(dir, 'bin', 'busybox'), 0o755);
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
  for (const a of applets) symlinkSync('busybox', join(dir, 'bin', a));
  writeFileSync(
    join(dir, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  );
  writeFileSync(join(dir, 'etc', 'group'), 'root:x:0:\ntty:x:5:\nuser:x:1000:\nnogroup:x:65534:\n');
  // A file that exists but is not executable, for the "permission denied" error path.
  writeFileSync(join(dir, 'etc', 'not-executable'), '#!/bin/sh\necho never\n', { mode: 0o644 });
}

/** Writes the docker-archive tarball to `out` (using `work` as scratch space) and returns its path. */
export function buildBusyboxArchive(work: string, out: string): string {
  return buildArchive(work, out, {
    tag: IMAGE_TAG,
    fill: makeLayerTree,
    // Numeric owners kept from the tree (root and 1000).
    rootOwned: false,
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: ['sh'],
      WorkingDir: '/',
    },
    createdBy: 'tsrc conformance: busybox-static',
  });
}

export interface ArchiveSpec {
  /** The archive's RepoTags entry. */
  tag: string;
  /** Fills the (empty) layer tree. */
  fill: (tree: string) => void;
  /** Every file in the layer owned by 0:0, rather than the tree's own (numeric) owners. */
  rootOwned: boolean;
  /** The image config's `config` (Env, Cmd, Entrypoint, WorkingDir…). */
  config: Record<string, unknown>;
  /** The history entry's created_by. */
  createdBy: string;
}

/**
 * Writes a one-layer docker-archive tarball (this busybox image, and cri-images.ts's pause image)
 * to `out`, using `work` as scratch space (emptied first; only `work` itself is left); returns `out`.
 */
export function buildArchive(work: string, out: string, spec: ArchiveSpec): string {
  const tree = join(work, 'tree');
  const pack = join(work, 'pack');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(tree, { recursive: true });
  mkdirSync(pack, { recursive: true });
  spec.fill(tree);

  const layerTmp = join(work, 'layer.tar');
  // Reproducible layer: sorted names, fixed mtime, numeric owners (the tree's, or 0:0 if rootOwned).
  const owners = spec.rootOwned ? ['--owner=0', '--group=0'] : [];
  execFileSync('tar', ['--sort=name', '--mtime=@0', ...owners, '--numeric-owner', '-C', tree, '-cf', layerTmp, '.']);
  const layer = readFileSync(layerTmp);
  const diffId = sha256(layer);
  mkdirSync(join(pack, diffId));
  writeFileSync(join(pack, diffId, 'layer.tar'), layer);

  const config = {
    architecture: 'amd64',
    os: 'linux',
    created: '1970-01-01T00:00:00Z',
    config: spec.config,
    rootfs: { type: 'layers', diff_ids: [`sha256:${diffId}`] },
    history: [{ created: '1970-01-01T00:00:00Z', created_by: spec.createdBy }],
  };
  const configText = JSON.stringify(config);
  const configName = `${sha256(configText)}.json`;
  writeFileSync(join(pack, configName), configText);
  writeFileSync(join(pack, 'manifest.json'), JSON.stringify([{ Config: configName, RepoTags: [spec.tag], Layers: [`${diffId}/layer.tar`] }]));
  execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', pack, '-cf', out, '.']);
  rmSync(tree, { recursive: true, force: true });
  rmSync(pack, { recursive: true, force: true });
  rmSync(layerTmp, { force: true });
  return out;
}
