// Puts a device filter program on a cgroup v2 directory. Like runc: load the new program, attach
// it with BPF_F_ALLOW_MULTI next to whatever is there, then detach the programs that were there
// before — so there is no moment without a filter, and an update replaces rather than stacks
// (with several programs attached, the kernel allows an access only if all of them do).
import { closeSync, constants, openSync } from 'node:fs';
import { bpfProgAttach, bpfProgDetach, bpfProgGetFdById, bpfProgLoadCgroupDevice, bpfProgQuery } from '../../sys/native.js';
import { CgroupError } from '../api.js';
import { encode, type Insn } from './insn.js';

export const BPF_CGROUP_DEVICE = 6; // enum bpf_attach_type
export const BPF_F_ALLOW_MULTI = 2;
// The program calls no helpers, so no GPL-only helper needs a GPL license; use the project's.
const LICENSE = 'Apache-2.0';

function withCgroupFd<T>(dir: string, fn: (fd: number) => T): T {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    return fn(fd);
  } finally {
    closeSync(fd);
  }
}

const fail = (what: string, dir: string, e: unknown): CgroupError =>
  new CgroupError(`cgroup: ${what} the device filter on ${dir}: ${(e as Error).message}`, (e as { code?: string }).code);

/** Ids of the device programs attached to `dir` itself. */
export function attachedDevicePrograms(dir: string): number[] {
  return withCgroupFd(dir, (fd) => bpfProgQuery(fd, BPF_CGROUP_DEVICE));
}

/** Loads `prog`, attaches it to `dir`, then detaches the device programs attached before. */
export function replaceDeviceFilter(dir: string, prog: readonly Insn[]): void {
  withCgroupFd(dir, (cg) => {
    let old: number[];
    try {
      old = bpfProgQuery(cg, BPF_CGROUP_DEVICE);
    } catch (e) {
      throw fail('query', dir, e);
    }
    let progFd: number;
    try {
      progFd = bpfProgLoadCgroupDevice(encode(prog), LICENSE);
    } catch (e) {
      throw fail('load', dir, e);
    }
    try {
      bpfProgAttach(progFd, cg, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI);
    } catch (e) {
      throw fail('attach', dir, e);
    } finally {
      closeSync(progFd); // the attachment holds the program now
    }
    for (const id of old) {
      let fd: number;
      try {
        fd = bpfProgGetFdById(id);
      } catch (e) {
        if ((e as { code?: string }).code === 'ENOENT') continue; // gone meanwhile
        throw fail('open an old program of', dir, e);
      }
      try {
        bpfProgDetach(fd, cg, BPF_CGROUP_DEVICE);
      } catch (e) {
        if ((e as { code?: string }).code !== 'ENOENT') throw fail('detach an old program of', dir, e);
      } finally {
        closeSync(fd);
      }
    }
  });
}
