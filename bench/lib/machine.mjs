// Where the numbers came from: CPU, cores, memory, kernel, distribution, tool versions.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

function firstLine(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30000 });
  if (r.error || r.status !== 0) return 'n/a';
  return r.stdout.split('\n').find(Boolean) ?? 'n/a';
}

function distro() {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return m ? m[1] : 'n/a';
  } catch {
    return 'n/a';
  }
}

/** Machine description; `runtimes` supply their own version strings. */
export function describeMachine(runtimes, nodeBin, cgroupNote) {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpu: cpus[0]?.model?.trim() ?? 'n/a',
    cores: cpus.length,
    memoryGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    kernel: os.release(),
    distro: distro(),
    node: `${firstLine(nodeBin, ['--version'])} (${nodeBin})`,
    containerd: firstLine('containerd', ['--version']),
    cgroups: cgroupNote,
    runtimes: Object.fromEntries(runtimes.map((rt) => [rt.name, `${rt.version()}${rt.bin ? ` (${rt.bin})` : ''}`])),
  };
}
