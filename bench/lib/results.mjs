// Samples and failures per (metric, runtime), and the give-up rule for runtimes that keep failing.
export const GIVE_UP_AFTER = 3; // failed iterations of one scenario before a runtime skips it

export class Results {
  constructor() {
    this.samples = {}; // metric -> runtime -> number[]
    this.errors = {}; // metric -> runtime -> { count, first }
    this.scenarioFailures = {}; // scenario -> runtime -> count
    this.skipped = {}; // metric -> runtime -> why
  }

  skip(metric, rt, why) {
    (this.skipped[metric] ??= {})[rt] = why;
  }

  add(metric, rt, value) {
    ((this.samples[metric] ??= {})[rt] ??= []).push(value);
  }

  /** `after`: the earlier step whose failure kept this metric from being measured, if any. */
  fail(metric, rt, message, after = '') {
    const e = ((this.errors[metric] ??= {})[rt] ??= { count: 0, first: message, after });
    e.count++;
  }

  /** Records one failed iteration of `scenario`; `metrics` are the ones it could not measure. */
  scenarioFailed(scenario, rt, metrics, message) {
    for (const m of metrics) this.fail(m, rt, message);
    const s = (this.scenarioFailures[scenario] ??= {});
    s[rt] = (s[rt] ?? 0) + 1;
  }

  gaveUp(scenario, rt) {
    return (this.scenarioFailures[scenario]?.[rt] ?? 0) >= GIVE_UP_AFTER;
  }

  get(metric, rt) {
    return this.samples[metric]?.[rt] ?? [];
  }

  error(metric, rt) {
    return this.errors[metric]?.[rt];
  }

  toJSON() {
    return { samples: this.samples, errors: this.errors, skipped: this.skipped };
  }
}
