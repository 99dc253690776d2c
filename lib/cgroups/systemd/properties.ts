// The unit properties tsrc sends to systemd, as runc's systemd driver does: the fixed ones
// (Description, Slice/Wants, Delegate, PIDs, accounting, DefaultDependencies) and the resource
// limits systemd can express. Everything else (and these too) is also written through cgroupfs
// afterwards, so systemd's view and the kernel's agree. Names and D-Bus types are systemd's
// (org.freedesktop.systemd1(5), systemd.resource-control(5)).
import type { CpuResources, Resources } from '../../spec/types.js';
import { listMembers } from '../../util/cpu-list.js';
import { int, invalid, uint } from '../resources/context.js';
import { sharesToWeight, swapToV2 } from '../resources/convert.js';
import { Variant } from './dbus/marshal.js';
import { deviceProperties, type DeviceEnv } from './devices.js';
import type { SystemdUnit } from './unit-name.js';

export type Property = [name: string, value: Variant];

/** systemd's "infinity" for uint64 properties (USEC_INFINITY, CGROUP_LIMIT_MAX). */
export const U64_MAX = (1n << 64n) - 1n;
/** The kernel's default CFS period, 100 ms, used when only a quota is given. */
const DEFAULT_PERIOD = 100000n;

// systemd versions that first understood a property (runc checks the same ones).
export const SINCE = { CPUQuotaPeriodUSec: 242, AllowedCPUs: 244, CPUIdle: 252, OOMPolicy: 253, DeviceMajorGlob: 240 } as const;

const prop = (name: string, sig: string, value: unknown): Property => [name, new Variant(sig, value)];
const u64 = (name: string, v: bigint | number): Property => prop(name, 't', BigInt(v));
/** A signed spec value as systemd's uint64 (-1, "unlimited", becomes infinity, as Go's uint64() cast in runc). */
const asU64 = (v: number): bigint => (v < 0 ? U64_MAX : BigInt(v));

/** Properties every unit gets; `pid` is the first-stage process systemd moves into the new scope. */
export function unitProperties(unit: SystemdUnit, pid: number, mode: 'v1' | 'v2'): Property[] {
  const props: Property[] = [prop('Description', 's', `tsrc container ${unit.name}`)];
  if (unit.kind === 'slice') {
    // A slice's parent comes from its name; Wants= orders it after the parent (as runc).
    props.push(prop('Wants', 'as', [unit.slice]));
  } else {
    props.push(prop('Slice', 's', unit.slice));
    // We manage the cgroup below the scope ourselves (and freeze, kill, set limits in it).
    props.push(prop('Delegate', 'b', true));
  }
  props.push(prop('PIDs', 'au', [pid]));
  props.push(prop('MemoryAccounting', 'b', true), prop('CPUAccounting', 'b', true));
  props.push(prop(mode === 'v1' ? 'BlockIOAccounting' : 'IOAccounting', 'b', true), prop('TasksAccounting', 'b', true));
  // Don't tie the container's lifetime to shutdown.target & co.
  props.push(prop('DefaultDependencies', 'b', false));
  return props;
}

/**
 * runc's RangeToBits: a cpuset list ("0-3,7") as the little-endian byte mask systemd wants for
 * AllowedCPUs/AllowedMemoryNodes (byte 0 holds CPUs 0-7, lowest bit first).
 */
export function rangeToBits(list: string, field: string): Buffer {
  const bits = listMembers(list, 65535, true);
  const q = JSON.stringify(list);
  if (!Array.isArray(bits)) {
    if (bits.kind === 'syntax') throw invalid(field, `${q} is not a list like "0-3,7"`);
    if (bits.kind === 'backwards') throw invalid(field, `${q}: range ${bits.part} goes backwards`);
    throw invalid(field, `${q}: ${bits.value} is beyond any CPU or memory node number`);
  }
  if (bits.length === 0) throw invalid(field, `${q} names no CPU or node`);
  const out = Buffer.alloc(Math.floor(Math.max(...bits) / 8) + 1);
  for (const b of bits) out[b >> 3] |= 1 << (b & 7);
  return out;
}

export interface ResourceProperties {
  props: Property[];
  /**
   * The resources to write through cgroupfs afterwards: the input, except a CPU quota rounded up
   * the way systemd rounds CPUQuotaPerSecUSec (to whole percents), so both agree (as runc).
   */
  resources: Resources | undefined;
  warnings: string[];
}

export interface ResourceOptions {
  mode: 'v1' | 'v2';
  /** systemd's version number (Manager.Version), for properties older versions lack. */
  version: number;
  /** True for StartTransientUnit: properties systemd only takes at unit creation (OOMPolicy). */
  atStart: boolean;
  deviceEnv?: DeviceEnv;
}

/** runc's addCPUQuota. Returns the (possibly rounded-up) quota. */
function cpuQuota(props: Property[], c: CpuResources, version: number, warn: (m: string) => void): number | undefined {
  const period = BigInt(c.period === undefined ? 0 : uint('cpu.period', c.period));
  let quota = c.quota === undefined ? 0 : int('cpu.quota', c.quota);
  if (period !== 0n) {
    if (version >= SINCE.CPUQuotaPeriodUSec) props.push(u64('CPUQuotaPeriodUSec', period));
    else warn(`systemd ${version} cannot set CPUQuotaPeriodUSec (needs ${SINCE.CPUQuotaPeriodUSec}); cpu.period is set through cgroupfs only`);
  }
  if (quota !== 0 || period !== 0n) {
    let perSec = U64_MAX;
    if (quota > 0) {
      const p = period || DEFAULT_PERIOD;
      perSec = (BigInt(quota) * 1000000n) / p;
      // systemd keeps CPU quota as a whole percentage: round up to 10 ms per second.
      if (perSec % 10000n !== 0n) {
        perSec = (perSec / 10000n + 1n) * 10000n;
        quota = Number((perSec * p) / 1000000n);
      }
    }
    props.push(u64('CPUQuotaPerSecUSec', perSec));
  }
  return c.quota === undefined && quota === 0 ? undefined : quota;
}

function cpusetProps(props: Property[], c: CpuResources, version: number, warn: (m: string) => void): void {
  if (!c.cpus && !c.mems) return;
  if (version < SINCE.AllowedCPUs) {
    warn(`systemd ${version} cannot set AllowedCPUs/AllowedMemoryNodes (needs ${SINCE.AllowedCPUs}); cpu.cpus/mems are set through cgroupfs only`);
    return;
  }
  if (c.cpus) props.push(prop('AllowedCPUs', 'ay', rangeToBits(c.cpus, 'cpu.cpus')));
  if (c.mems) props.push(prop('AllowedMemoryNodes', 'ay', rangeToBits(c.mems, 'cpu.mems')));
}

function tasksMax(props: Property[], limit: number | undefined): void {
  if (limit === undefined) return;
  if (!Number.isInteger(limit)) throw invalid('pids.limit', `must be an integer, got ${JSON.stringify(limit)}`);
  // systemd refuses TasksMax=0; runc asks for 1 (cgroupfs then gets the real value).
  props.push(u64('TasksMax', limit < 0 ? U64_MAX : limit === 0 ? 1 : limit));
}

const UNIFIED_MEMORY: Record<string, string> = {
  'memory.high': 'MemoryHigh',
  'memory.low': 'MemoryLow',
  'memory.min': 'MemoryMin',
  'memory.max': 'MemoryMax',
  'memory.swap.max': 'MemorySwapMax',
};

function parseU64(key: string, v: string): bigint {
  if (v === 'max') return U64_MAX;
  if (!/^\d+$/.test(v)) throw invalid(`unified["${key}"]`, `${JSON.stringify(v)} is not a number or "max"`);
  const n = BigInt(v);
  if (n > U64_MAX) throw invalid(`unified["${key}"]`, `${v} is out of range`);
  return n;
}

/** runc's unifiedResToSystemdProps: the linux.resources.unified keys systemd has a property for. */
function unifiedProps(props: Property[], unified: Record<string, string>, o: ResourceOptions, warn: (m: string) => void): void {
  const idle = (unified['cpu.idle'] ?? '').trim() === '1' && o.version >= SINCE.CPUIdle;
  for (const [k, raw] of Object.entries(unified)) {
    if (k.includes('/')) throw invalid('unified', `${JSON.stringify(k)} must be a file name (no slashes)`);
    if (k.indexOf('.') <= 0) throw invalid('unified', `${JSON.stringify(k)} must be in the form CONTROLLER.PARAMETER`);
    const v = raw.trim();
    if (k === 'cpu.idle') {
      // CPUWeight=0 is systemd's way to say cpu.idle=1; 0 cannot be expressed.
      if (idle) props.push(u64('CPUWeight', 0));
    } else if (k === 'cpu.max') {
      const f = v.split(/\s+/);
      if (f.length < 1 || f.length > 2 || f[0] === '') throw invalid(`unified["${k}"]`, `${JSON.stringify(v)} is not "<quota|max> [period]"`);
      if (f[0] !== 'max' && !/^-?\d+$/.test(f[0])) throw invalid(`unified["${k}"]`, `quota ${JSON.stringify(f[0])} is not a number or "max"`);
      if (f[1] !== undefined && !/^\d+$/.test(f[1])) throw invalid(`unified["${k}"]`, `period ${JSON.stringify(f[1])} is not a number`);
      cpuQuota(props, { quota: f[0] === 'max' ? 0 : Number(f[0]), period: f[1] === undefined ? Number(DEFAULT_PERIOD) : Number(f[1]) }, o.version, warn);
    } else if (k === 'cpu.weight') {
      if (idle) {
        warn('linux.resources.unified: systemd cannot take both cpu.weight and cpu.idle; cpu.weight goes to cgroupfs only');
        continue;
      }
      props.push(u64('CPUWeight', parseU64(k, v)));
    } else if (k === 'cpuset.cpus' || k === 'cpuset.mems') {
      const name = k === 'cpuset.cpus' ? 'AllowedCPUs' : 'AllowedMemoryNodes';
      const bits = rangeToBits(v, `unified["${k}"]`);
      if (o.version >= SINCE.AllowedCPUs) props.push(prop(name, 'ay', bits));
      else warn(`systemd ${o.version} cannot set ${name} (needs ${SINCE.AllowedCPUs}); ${k} is set through cgroupfs only`);
    } else if (UNIFIED_MEMORY[k]) {
      props.push(u64(UNIFIED_MEMORY[k], parseU64(k, v)));
    } else if (k === 'pids.max') {
      const n = parseU64(k, v);
      props.push(u64('TasksMax', n === 0n ? 1n : n));
    } else if (k === 'memory.oom.group') {
      if (!o.atStart || o.version < SINCE.OOMPolicy) continue;
      if (v === '0') props.push(prop('OOMPolicy', 's', 'continue'));
      else if (v === '1') props.push(prop('OOMPolicy', 's', 'kill'));
      else if (!/^\d+$/.test(v)) throw invalid(`unified["${k}"]`, `${JSON.stringify(v)} is not a number`);
    }
    // Other keys have no systemd property: cgroupfs only.
  }
}

/** The resource properties for `r` (runc's genV1ResourcesProperties / genV2ResourcesProperties). */
export function resourceProperties(r: Resources | undefined, o: ResourceOptions): ResourceProperties {
  const warnings: string[] = [];
  const warn = (m: string): void => {
    if (!warnings.includes(m)) warnings.push(m);
  };
  const props: Property[] = [];
  if (!r) return { props, resources: r, warnings };
  let resources = r;
  if (r.devices && r.devices.length > 0) props.push(...deviceProperties(r.devices, o.version, warn, o.deviceEnv));
  const m = r.memory ?? {};
  const c = r.cpu ?? {};
  const limit = m.limit === undefined ? 0 : int('memory.limit', m.limit);
  const shares = c.shares === undefined ? 0 : uint('cpu.shares', c.shares);
  if (o.mode === 'v1') {
    if (limit !== 0) props.push(u64('MemoryLimit', asU64(limit)));
    if (shares) props.push(u64('CPUShares', shares));
  } else {
    if (limit !== 0) props.push(u64('MemoryMax', asU64(limit)));
    const reservation = m.reservation === undefined ? 0 : int('memory.reservation', m.reservation);
    if (reservation) props.push(u64('MemoryLow', asU64(reservation)));
    const swap = swapToV2(m.swap === undefined ? 0 : int('memory.swap', m.swap), limit);
    if (swap !== undefined && swap !== 0) props.push(u64('MemorySwapMax', asU64(swap)));
    let idleSet = false;
    if (c.idle === 1 && o.version >= SINCE.CPUIdle) {
      props.push(u64('CPUWeight', 0));
      idleSet = true;
    }
    if (shares) {
      if (idleSet) warn('linux.resources.cpu: systemd cannot take both a CPU weight and cpu.idle; cpu.shares goes to cgroupfs only');
      else props.push(u64('CPUWeight', sharesToWeight(shares)));
    }
  }
  const quota = cpuQuota(props, c, o.version, warn);
  if (quota !== undefined && quota !== c.quota) resources = { ...r, cpu: { ...c, quota } };
  if (o.mode === 'v1' && r.blockIO?.weight) props.push(u64('BlockIOWeight', uint('blockIO.weight', r.blockIO.weight)));
  tasksMax(props, r.pids?.limit);
  cpusetProps(props, c, o.version, warn);
  if (o.mode === 'v2' && r.unified) unifiedProps(props, r.unified, o, warn);
  return { props, resources, warnings };
}
