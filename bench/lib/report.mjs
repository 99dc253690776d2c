// Markdown tables of medians and ratios from the collected Results.
import { median } from './util.mjs';

const FLOOR_TARGET = 1.15;

const LATENCY = [
  ['t:create', '`create` (sleep bundle, waits on start)', true],
  ['t:state', '`state` of a created container', true],
  ['t:start', '`start`', true],
  ['t:exec', '`exec <id> /bin/true` in a running container', true],
  ['t:kill', '`kill <id> KILL` of a running container', true],
  ['t:delete', '`delete` of a stopped container', true],
  ['t:run', '`run` of /bin/true', true],
  ['t:csd', '`create` + `start` + `delete` of /bin/true (sum of the 3 calls)', false],
  ['t:concurrent', '20 concurrent `create`s (wall time until the last returns)', false],
  ['t:ctr', '`ctr run --rm … true` through a private containerd', false],
];

const MEMORY = [
  ['rss:init', 'waiting init of a created container (VmRSS)'],
  ['rss:create', 'peak RSS of `create`'],
  ['rss:state', 'peak RSS of `state`'],
  ['rss:start', 'peak RSS of `start`'],
  ['rss:exec', 'peak RSS of `exec`'],
  ['rss:kill', 'peak RSS of `kill`'],
  ['rss:delete', 'peak RSS of `delete`'],
  ['rss:run', 'peak RSS of `run` /bin/true'],
  ['rss:list@1', 'peak RSS of `list` (1 container)'],
];

const esc = (s) => String(s).replace(/\|/g, '\\|').replace(/\s+/g, ' ');

function num(v) {
  if (!Number.isFinite(v)) return 'n/a';
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  if (Math.abs(v) >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

export class Report {
  /** `names`: runtimes in column order; `scale`: function metric→value for KiB→MiB etc. */
  constructor(results, names) {
    this.r = results;
    this.names = names;
    this.others = names.includes('tsrc') ? names.filter((n) => n !== 'tsrc') : [];
    this.notes = []; // distinct error messages, cited as [E1], [E2], … in the cells
  }

  /** Footnote mark for an error message (same text → same mark). */
  mark(rt, message) {
    const text = `${rt}: ${message}`;
    let i = this.notes.indexOf(text);
    if (i < 0) i = this.notes.push(text) - 1;
    return `[E${i + 1}]`;
  }

  /** The error of `metric`, or for a peak-RSS metric the error of the call it measures. */
  errorOf(metric, rt) {
    return this.r.error(metric, rt) ?? (metric.startsWith('rss:') ? this.r.error(`t:${metric.slice(4)}`, rt) : undefined);
  }

  value(metric, rt, scale = 1) {
    const xs = this.r.get(metric, rt);
    return xs.length ? median(xs) * scale : NaN;
  }

  cell(metric, rt, scale = 1) {
    const xs = this.r.get(metric, rt);
    const err = this.errorOf(metric, rt);
    const why = this.r.skipped[metric]?.[rt];
    if (xs.length === 0) {
      if (why) return `skipped (${esc(why)})`;
      if (!err) return 'n/a (not run)';
      return err.after ? `n/a (${err.after} failed ${this.mark(rt, err.first)})` : `n/a (error ${this.mark(rt, err.first)})`;
    }
    const v = num(median(xs) * scale);
    return err ? `${v} (${err.count} of ${err.count + xs.length} failed ${this.mark(rt, err.first)})` : v;
  }

  ratio(a, b) {
    return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a';
  }

  header(withFloor) {
    const cols = ['', ...this.names, ...this.others.map((o) => `tsrc/${o}`)];
    if (withFloor && this.others.length + 1 === this.names.length) {
      cols.push(`tsrc/\`node -e 0\` (target ≤ ${FLOOR_TARGET}×)`, 'tsrc/`node -e 0` without NODE_*');
    }
    return [`| ${cols.join(' | ')} |`, `|${cols.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`];
  }

  row(label, metric, { scale = 1, floor = false, withFloor = false, derived } = {}) {
    const val = (rt) => (derived ? derived(rt) : this.value(metric, rt, scale));
    const cells = [label, ...this.names.map((rt) => (derived ? num(derived(rt)) : this.cell(metric, rt, scale)))];
    const t = val('tsrc');
    for (const o of this.others) cells.push(this.ratio(t, val(o)));
    if (withFloor && this.names.includes('tsrc')) {
      const f = this.value('t:floor', 'node');
      const clean = this.value('t:floor-clean', 'node');
      if (floor && Number.isFinite(t) && f > 0) cells.push(`${(t / f).toFixed(2)}× ${t / f <= FLOOR_TARGET ? '✓' : '✗'}`);
      else cells.push(floor ? 'n/a' : '—');
      cells.push(floor && Number.isFinite(t) && clean > 0 ? `${(t / clean).toFixed(2)}×` : floor ? 'n/a' : '—');
    }
    return `| ${cells.join(' | ')} |`;
  }

  markdown({ command, machine, iterations, levels, notes }) {
    const L = [];
    const floorMs = this.value('t:floor', 'node');
    const floorMiB = this.value('rss:floor', 'node', 1 / 1024);
    L.push(`## Results (${machine.date.slice(0, 10)})`, '');
    L.push(`Reproduce with: \`${command}\``, '');
    L.push(`Medians of ${iterations.main} interleaved iterations (create/start/state/kill/delete, run, create+start+delete), ` +
      `${iterations.scale} for list/state, ${iterations.concurrent} for 20 concurrent creates` +
      `${iterations.ctr ? `, ${iterations.ctr} for \`ctr run\`` : ''}. ` +
      'Runtimes take turns within each iteration; the order rotates every iteration.', '');
    const cleanMs = this.value('t:floor-clean', 'node');
    const extra = Object.keys(process.env).filter((k) => k.startsWith('NODE_'));
    L.push(`Floor: \`node -e 0\` takes **${num(floorMs)} ms** (peak RSS ${num(floorMiB)} MiB) here, in the environment every runtime ` +
      `is run with${extra.length ? ` (it sets ${extra.map((k) => `\`${k}\``).join(', ')})` : ''}; **${num(cleanMs)} ms** without its NODE_* ` +
      'variables, which is how build/tsrc runs Node (it drops them: tsrc takes no Node flags from its caller and makes no TLS connection).', '');
    L.push('### Latency (ms)', '', ...this.header(true));
    for (const [m, label, floor] of LATENCY) L.push(this.row(label, m, { floor, withFloor: true }));
    L.push('', '### `list` and `state` with N waiting containers present (ms)', '', ...this.header(true));
    for (const n of levels) L.push(this.row(`\`list\`, ${n} container${n === 1 ? '' : 's'}`, `t:list@${n}`, { floor: true, withFloor: true }));
    for (const n of levels.filter((x) => x > 1)) {
      L.push(this.row(`\`list\` cost per extra container, (t(${n}) − t(1)) / ${n - 1}`, null, {
        withFloor: true,
        derived: (rt) => (this.value(`t:list@${n}`, rt) - this.value('t:list@1', rt)) / (n - 1),
      }));
    }
    for (const n of levels) L.push(this.row(`\`state\`, ${n} container${n === 1 ? '' : 's'} present`, `t:state@${n}`, { floor: true, withFloor: true }));
    L.push('', '### Memory (MiB)', '', ...this.header(false));
    for (const [m, label] of MEMORY) L.push(this.row(label, m, { scale: 1 / 1024 }));
    if (this.notes.length) {
      L.push('', '### Errors', '');
      this.notes.forEach((n, i) => L.push(`- [E${i + 1}] ${esc(n)}`));
    }
    L.push('', '### Machine', '');
    L.push(`- date: ${machine.date}`);
    L.push(`- CPU: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB RAM`);
    L.push(`- kernel: ${machine.kernel}; ${machine.distro}`);
    L.push(`- cgroups: ${machine.cgroups}`);
    L.push(`- node: ${machine.node}; containerd: ${machine.containerd}`);
    for (const [n, v] of Object.entries(machine.runtimes)) L.push(`- ${n}: ${esc(v)}`);
    for (const n of notes) L.push(`- note: ${n}`);
    L.push('');
    return L.join('\n');
  }
}
