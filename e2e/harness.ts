/**
 * The numbered-step runner of the end-to-end suites (suite.ts, prod.ts). A suite declares
 * its whole step list up front, each step either to run or skipped with a reason (decided
 * from its settings before anything runs), so the number of steps never depends on how far
 * a run got. The runner prints the plan, runs the steps with elapsed seconds, prints the
 * suite's diagnostics after a failed step, and ends with a summary whose last line is
 *
 *   <label>: N passed, M failed, K skipped (of T declared)
 *
 * where N + M + K = T always: a step that never ran because the suite crashed or a fatal
 * step failed counts as failed. The plan line `<label>: plan: T steps (R to run, K skipped)`
 * comes first, with a line `<label>: skipped: <n>. <title> (<reason>)` per skipped step;
 * .ci/run counts these lines and fails when the closing count differs from the plan.
 */
import { writeFile } from '../scripts/safe-write';

/** What a suite plugs into the harness. */
export interface HarnessOptions {
  /** Label of the plan and closing lines, e.g. `e2e` or `e2e:prod`. */
  readonly label: string;
  /** Prints what a person needs after a failed step (events, describe, logs). */
  readonly diagnose: () => void;
  /** Deletes what the suite created; skipped with E2E_KEEP=1. */
  readonly cleanup: () => void;
  /** File to write the timings and results to, as JSON. @default - none */
  readonly reportFile?: string;
  /** Appended to the closing line, e.g. where the output went. @default '' */
  readonly closingSuffix?: string;
}

/** One declared step. */
export interface Step {
  readonly title: string;
  /** Why the step does not apply to this run (printed and counted as skipped). @default - it runs */
  readonly skip?: string;
  /** A failure ends the suite: the steps after it depend on it. @default false */
  readonly fatal?: boolean;
  /** The check; returns a detail for the log, throws on failure. */
  readonly run: () => Promise<string | void> | string | void;
}

export interface StepResult {
  readonly step: string;
  readonly result: 'passed' | 'failed' | 'skipped';
  readonly detail: string;
}

export class Harness {
  /** Measured figures, written into the summary and the report. */
  public readonly timings: Record<string, number> = {};
  public readonly results: StepResult[] = [];
  private readonly started = Date.now();
  private plan: readonly Step[] = [];
  private finished = false;

  constructor(private readonly options: HarnessOptions) {}

  /** Seconds since the suite started, e.g. "12.3". */
  public elapsed(): string {
    return ((Date.now() - this.started) / 1000).toFixed(1);
  }

  public log(msg: string): void {
    console.log(`[${this.elapsed().padStart(6)}s] ${msg}`);
  }

  /**
   * Declares the steps, prints the plan, runs them in order, then finishes (exit 0 only
   * when no step failed). A failed step prints diagnostics and the run goes on, unless the
   * step is fatal.
   */
  public async run(steps: readonly Step[]): Promise<never> {
    if (this.plan.length > 0) throw new Error('Harness.run: the steps were declared already');
    if (steps.length === 0) throw new Error('Harness.run: no steps declared');
    this.plan = steps;
    const skipped = steps.filter((s) => s.skip !== undefined).length;
    console.log(`${this.options.label}: plan: ${steps.length} steps (${steps.length - skipped} to run, ${skipped} skipped)`);
    steps.forEach((s, i) => console.log(`  ${String(i + 1).padStart(2)}. ${s.title}`));
    steps.forEach((s, i) => { if (s.skip !== undefined) console.log(`${this.options.label}: skipped: ${i + 1}. ${s.title} (${s.skip})`); });
    for (const [i, s] of steps.entries()) {
      const name = `${i + 1}. ${s.title}`;
      if (s.skip !== undefined) {
        this.log(`${name}\n   SKIPPED: ${s.skip}`);
        this.results.push({ step: name, result: 'skipped', detail: s.skip });
        continue;
      }
      const t0 = Date.now();
      this.log(name);
      try {
        const detail = (await s.run()) ?? '';
        this.log(`   ok (${((Date.now() - t0) / 1000).toFixed(1)}s)${detail ? `: ${detail}` : ''}`);
        this.results.push({ step: name, result: 'passed', detail: String(detail) });
      } catch (err) {
        this.log(`   FAILED: ${(err as Error).message}`);
        this.results.push({ step: name, result: 'failed', detail: (err as Error).message });
        this.options.diagnose();
        if (s.fatal) return this.finish(`step ${i + 1} failed and the steps after it depend on it`);
      }
    }
    return this.finish();
  }

  /** Records a crash of the suite itself (outside any step): the steps not run count as failed. */
  public crashed(err: unknown): never {
    console.error(err);
    return this.finish(`the suite crashed: ${String(err)}`);
  }

  /**
   * Cleans up, prints the summary and the closing line, and exits 0 only when no step
   * failed. Declared steps that did not run (a crash, a fatal failure) count as failed;
   * a crash before any step was declared counts as one failed step of an empty plan (so
   * .ci/run, finding no plan line, fails it).
   */
  private finish(stopped?: string): never {
    if (this.finished) process.exit(1);
    this.finished = true;
    if (stopped && this.plan.length === 0) this.results.push({ step: 'suite (before its steps were declared)', result: 'failed', detail: stopped });
    for (const [i, s] of this.plan.entries()) {
      if (i < this.results.length) continue;
      this.results.push({ step: `${i + 1}. ${s.title}`, result: 'failed', detail: `not run: ${stopped ?? 'the suite stopped'}` });
    }
    if (process.env.E2E_KEEP !== '1') this.options.cleanup();
    console.log('\nSummary');
    for (const r of this.results) console.log(`  ${r.result === 'passed' ? 'PASS' : r.result === 'failed' ? 'FAIL' : 'SKIP'}  ${r.step}${r.result === 'passed' ? '' : `  (${r.detail.split('\n')[0].slice(0, 160)})`}`);
    console.log(`Timings (s): ${JSON.stringify(this.timings)}`);
    if (this.options.reportFile) writeFile(this.options.reportFile, JSON.stringify({ timings: this.timings, results: this.results }, null, 2));
    const count = (r: StepResult['result']) => this.results.filter((x) => x.result === r).length;
    const failed = count('failed');
    console.log(`${this.options.label}: ${count('passed')} passed, ${failed} failed, ${count('skipped')} skipped (of ${this.plan.length} declared)${this.options.closingSuffix ?? ''}`);
    process.exit(failed === 0 ? 0 : 1);
  }
}
