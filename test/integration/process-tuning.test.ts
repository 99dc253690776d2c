// linux.personality, process.scheduler, process.ioPriority, linux.memoryPolicy and
// process.execCPUAffinity applied, judged from the host (/proc/<pid>/stat, numa_maps, status,
// ionice) and from inside (uname); what the host cannot do fails create with one line.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { errorMessage, Harness, haveRoot } from '../helpers/tsrc.js';
import type { Config } from '../helpers/tsrc.js';

/** /proc/<pid>/stat fields (1-based as proc(5) numbers them), after the command name. */
function stat(pid: number | string): string[] {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return ['', ...s.slice(0, s.indexOf(' (')).split(' '), '', ...s.slice(s.lastIndexOf(') ') + 2).trim().split(' ')];
}
const POLICY = 41;
const NICE = 19;

if (haveRoot(t)) {
  const h = new Harness('tuning');
  t.teardown(() => h.cleanup());

  t.test('the container and its execs run with the personality, scheduler, I/O priority and memory policy', async (t) => {
    const b = await h.bundle('sleep 1000', (c: Config) => {
      c.linux.personality = { domain: 'LINUX32' };
      c.process.scheduler = { policy: 'SCHED_BATCH', nice: 7 };
      c.process.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 0 };
      c.linux.memoryPolicy = { mode: 'MPOL_INTERLEAVE', nodes: '0' };
    });
    const r = h.tsrc(['run', '--detach', '--bundle', b.dir, b.id]);
    t.equal(r.status, 0, r.stderr);
    const pid = JSON.parse(h.tsrc(['state', b.id]).stdout).pid as number;
    const st = stat(pid);
    t.equal(st[POLICY], '3', 'SCHED_BATCH');
    t.equal(st[NICE], '7', 'nice 7');
    t.equal(execFileSync('ionice', ['-p', String(pid)], { encoding: 'utf8' }).trim(), 'idle', 'I/O class idle');
    t.match(readFileSync(`/proc/${pid}/numa_maps`, 'utf8'), /^[0-9a-f]+ interleave:0 /m, 'memory interleaved on node 0');
    const e = h.tsrc(['exec', b.id, 'sh', '-c', 'uname -m; cat /proc/self/stat; grep -m1 -o "interleave:0" /proc/self/numa_maps']);
    t.equal(e.status, 0, e.stderr);
    const [machine, selfStat, mpol] = e.stdout.trim().split('\n');
    t.equal(machine, 'i686', 'LINUX32: uname says a 32-bit machine, in an exec too');
    const fields = ['', ...selfStat.replace(/\(.*\)/, 'x').split(' ')];
    t.equal(fields[POLICY], '3', 'an exec gets the scheduler');
    t.equal(mpol, 'interleave:0', 'and the memory policy');
    t.equal(h.tsrc(['delete', '--force', b.id]).status, 0);

    const plain = await h.bundle('uname -m', (c: Config) => (c.linux.personality = { domain: 'LINUX' }));
    t.equal(h.tsrc(['run', '--bundle', plain.dir, plain.id]).stdout.trim(), 'x86_64', 'LINUX: the host machine');
  });

  t.test('exec: execCPUAffinity initial, then final after joining the cgroup', async (t) => {
    if (cpus().length < 2) return t.fail('needs two CPUs');
    const b = await h.bundle('sleep 1000');
    t.equal(h.tsrc(['run', '--detach', '--bundle', b.dir, b.id]).status, 0);
    const pj = join(h.work, 'affinity.json');
    // No user: the schema does not require it for an exec's process (runc takes it too).
    const proc = (aff: object) => (writeFileSync(pj, JSON.stringify({ args: ['/bin/grep', 'Cpus_allowed_list', '/proc/self/status'], cwd: '/', user: { uid: 0, gid: 0 }, execCPUAffinity: aff })), pj);
    for (const [aff, want] of [
      [{ initial: '1' }, '1'],
      [{ initial: '0', final: '1' }, '1'],
      [{ initial: '1', final: '0-1' }, '0-1'],
      [{ final: '0' }, '0'],
    ] as const) {
      const e = h.tsrc(['exec', '--process', proc(aff), b.id]);
      t.equal(e.stdout.split(/\s+/)[1], want, `${JSON.stringify(aff)} → ${want}`);
    }
    const off = h.tsrc(['exec', '--process', proc({ final: '4000' }), b.id]);
    t.not(off.status, 0, 'a CPU the host does not have fails the exec');
    t.match(errorMessage(off.stderr) ?? off.stderr, /cpuAffinity: set the final CPU affinity: invalid argument/);
    t.equal(h.tsrc(['delete', '--force', b.id]).status, 0);
  });

  t.test('features lists the memory policies it recognises, and no Intel RDT', async (t) => {
    const f = JSON.parse(h.tsrc(['features']).stdout);
    t.same(f.linux.memoryPolicy.modes.sort(), ['MPOL_BIND', 'MPOL_DEFAULT', 'MPOL_INTERLEAVE', 'MPOL_LOCAL', 'MPOL_PREFERRED', 'MPOL_PREFERRED_MANY', 'MPOL_WEIGHTED_INTERLEAVE']);
    t.same(f.linux.memoryPolicy.flags.sort(), ['MPOL_F_NUMA_BALANCING', 'MPOL_F_RELATIVE_NODES', 'MPOL_F_STATIC_NODES']);
    t.same(f.linux.intelRdt, { enabled: false });
  });

  t.test('what this host cannot do fails create with one line naming the field, leaving nothing', async (t) => {
    for (const [patch, message] of [
      [(c: Config) => (c.linux.intelRdt = { closID: 'x' }), /^config\.json: \/linux\/intelRdt: Intel RDT is not available on this host/],
      [(c: Config) => (c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '3' }), /^config\.json: \/linux\/memoryPolicy\/nodes: NUMA node 3 is not online on this host/],
      [(c: Config) => (c.process.scheduler = { policy: 'SCHED_ISO' }), /^config\.json: \/process\/scheduler\/policy: SCHED_ISO is not implemented by Linux$/],
      [(c: Config) => (c.process.scheduler = { policy: 'SCHED_DEADLINE', runtime: 1, deadline: 0, period: 0 }), /^scheduler: set scheduling policy 6 .*: invalid argument$/],
    ] as const) {
      const b = await h.bundle('true', patch);
      const r = h.tsrc(['create', '--bundle', b.dir, b.id]);
      t.equal(r.status, 1);
      t.match(errorMessage(r.stderr) ?? r.stderr, message);
      t.same(h.leftovers(b.id, b.cgroupsPath), [], 'nothing left behind');
    }
  });
}
