// linux.resources.blockIO -> v1 blkio.* / v2 io.{weight,bfq.weight,max}.
import type { BlockIO, ThrottleDevice, WeightDevice } from '../../spec/types.js';
import { fileExists, tryReadCgroupFile } from '../fsio.js';
import { invalid, uint, type WriteContext } from './context.js';
import { blkioWeightToIoWeight } from './convert.js';

function dev(field: string, d: { major: number; minor: number }): string {
  return `${uint(`${field}.major`, d.major)}:${uint(`${field}.minor`, d.minor)}`;
}

const THROTTLES: Array<[keyof BlockIO, string, string]> = [
  ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device', 'rbps'],
  ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device', 'wbps'],
  ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device', 'riops'],
  ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device', 'wiops'],
];

function checkWeight(field: string, w: number | undefined): number {
  if (w === undefined || w === 0) return 0;
  const n = uint(field, w);
  if (n < 10 || n > 1000) throw invalid(field, `must be 10-1000, got ${n}`);
  return n;
}

export function applyBlkioV1(ctx: WriteContext, dir: string, b: BlockIO): void {
  // CFQ (gone since 5.0) had blkio.weight; BFQ has blkio.bfq.weight; with neither (as with
  // mq-deadline/none) proportional weights do not exist: warn, as the limit cannot be honoured.
  const [weightFile, weightDevFile] = fileExists(`${dir}/blkio.weight`) ? ['blkio.weight', 'blkio.weight_device'] : ['blkio.bfq.weight', 'blkio.bfq.weight_device'];
  const haveWeight = fileExists(`${dir}/${weightFile}`);
  const weight = checkWeight('blockIO.weight', b.weight);
  const leaf = checkWeight('blockIO.leafWeight', b.leafWeight);
  const wantsWeights = weight !== 0 || (b.weightDevice ?? []).some((w) => (w.weight ?? 0) !== 0);
  if (wantsWeights && !haveWeight) ctx.warn(`blockIO weights are not supported here (no ${weightFile}: no CFQ/BFQ I/O scheduler); ignored`);
  if (weight !== 0 && haveWeight) ctx.write(dir, weightFile, String(weight));
  const haveLeaf = fileExists(`${dir}/blkio.leaf_weight`);
  const wantsLeaf = leaf !== 0 || (b.weightDevice ?? []).some((w) => (w.leafWeight ?? 0) !== 0);
  if (wantsLeaf && !haveLeaf) ctx.warn('blockIO leaf weights are not supported by this kernel (no blkio.leaf_weight); ignored');
  if (leaf !== 0 && haveLeaf) ctx.write(dir, 'blkio.leaf_weight', String(leaf));
  for (const [i, wd] of (b.weightDevice ?? []).entries()) {
    const field = `blockIO.weightDevice[${i}]`;
    const w = checkWeight(`${field}.weight`, wd.weight);
    const lw = checkWeight(`${field}.leafWeight`, wd.leafWeight);
    if (w !== 0 && haveWeight) ctx.write(dir, weightDevFile, `${dev(field, wd)} ${w}`);
    if (lw !== 0 && haveLeaf) ctx.write(dir, 'blkio.leaf_weight_device', `${dev(field, wd)} ${lw}`);
  }
  for (const [key, file] of THROTTLES) {
    for (const [i, td] of ((b[key] as ThrottleDevice[] | undefined) ?? []).entries()) {
      const field = `blockIO.${key}[${i}]`;
      ctx.write(dir, file, `${dev(field, td)} ${uint(`${field}.rate`, td.rate)}`);
    }
  }
}

/** io.bfq.weight holds a bare default weight, or "default N" + "MAJ:MIN N" lines on kernels that take per-device weights. */
function bfqTakesDevices(dir: string): boolean {
  const text = tryReadCgroupFile(dir, 'io.bfq.weight');
  return text !== undefined && !/^\s*\d+\s*$/.test(text);
}

export function applyIoV2(ctx: WriteContext, dir: string, b: BlockIO): void {
  const weight = checkWeight('blockIO.weight', b.weight);
  const haveBfq = fileExists(`${dir}/io.bfq.weight`);
  if (weight !== 0) {
    // BFQ takes the v1 range [1..1000] as is; io.weight (iocost) wants [1..10000].
    if (haveBfq) ctx.write(dir, 'io.bfq.weight', String(weight));
    else ctx.write(dir, 'io.weight', String(blkioWeightToIoWeight(weight)));
  }
  if (checkWeight('blockIO.leafWeight', b.leafWeight) !== 0 || (b.weightDevice ?? []).some((w: WeightDevice) => (w.leafWeight ?? 0) !== 0)) {
    ctx.warn('blockIO leaf weights have no cgroup v2 equivalent; ignored');
  }
  const perDevBfq = haveBfq && bfqTakesDevices(dir);
  for (const [i, wd] of (b.weightDevice ?? []).entries()) {
    const field = `blockIO.weightDevice[${i}]`;
    const w = checkWeight(`${field}.weight`, wd.weight);
    if (w === 0) continue;
    if (perDevBfq) ctx.write(dir, 'io.bfq.weight', `${dev(field, wd)} ${w}`);
    else if (fileExists(`${dir}/io.weight`)) ctx.write(dir, 'io.weight', `${dev(field, wd)} ${blkioWeightToIoWeight(w)}`);
    else ctx.warn(`${field}: per-device weights are not supported here (no io.weight or per-device io.bfq.weight); ignored`);
  }
  for (const [key, , v2key] of THROTTLES) {
    for (const [i, td] of ((b[key] as ThrottleDevice[] | undefined) ?? []).entries()) {
      const field = `blockIO.${key}[${i}]`;
      ctx.write(dir, 'io.max', `${dev(field, td)} ${v2key}=${uint(`${field}.rate`, td.rate)}`);
    }
  }
}
