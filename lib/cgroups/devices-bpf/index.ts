// The cgroup v2 device filter: rules -> eBPF program (program.ts, insn.ts) -> attached (attach.ts).
export { attachedDevicePrograms, replaceDeviceFilter } from './attach.js';
export { deviceFilterProgram, parseDeviceRule, type DeviceRule } from './program.js';
