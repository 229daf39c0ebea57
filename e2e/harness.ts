/**
 * The numbered-step harness of the end-to-end suites (suite.ts, prod.ts): log lines with
 * elapsed seconds, one recorded result per step, the suite's diagnostics after a failed
 * step, and a summary ending in the plain line `<label>: N passed, M failed`, which
 * .ci/run and e2e/kind.sh count.
 */
import { writeFile } from '../scripts/safe-write';

/** What a suite plugs into the harness. */
export interface HarnessOptions {
  /** Label of the closing line, e.g. `e2e` or `e2e:prod`. */
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

export interface StepResult {
  readonly step: string;
  readonly ok: boolean;
  readonly detail: string;
}

export class Harness {
  /** Measured figures, written into the summary and the report. */
  public readonly timings: Record<string, number> = {};
  public readonly results: StepResult[] = [];
  private readonly started = Date.now();
  private stepNo = 0;

  constructor(private readonly options: HarnessOptions) {}

  /** Seconds since the suite started, e.g. "12.3". */
  public elapsed(): string {
    return ((Date.now() - this.started) / 1000).toFixed(1);
  }

  public log(msg: string): void {
    console.log(`[${this.elapsed().padStart(6)}s] ${msg}`);
  }

  /** Runs one numbered check; a failure prints diagnostics and is recorded, the suite goes on where it can. */
  public async step(title: string, body: () => Promise<string | void> | string | void, opts: { fatal?: boolean } = {}): Promise<boolean> {
    this.stepNo++;
    const name = `${this.stepNo}. ${title}`;
    const t0 = Date.now();
    this.log(name);
    try {
      const detail = (await body()) ?? '';
      this.log(`   ok (${((Date.now() - t0) / 1000).toFixed(1)}s)${detail ? `: ${detail}` : ''}`);
      this.results.push({ step: name, ok: true, detail: String(detail) });
      return true;
    } catch (err) {
      this.log(`   FAILED: ${(err as Error).message}`);
      this.results.push({ step: name, ok: false, detail: (err as Error).message });
      this.options.diagnose();
      if (opts.fatal) this.finish();
      return false;
    }
  }

  /** Records a crash of the suite itself (outside any step) as a failure. */
  public crashed(err: unknown): never {
    console.error(err);
    this.results.push({ step: 'suite', ok: false, detail: String(err) });
    return this.finish();
  }

  /** Cleans up, prints the summary and the closing line, and exits 0 only when every step passed. */
  public finish(): never {
    const failed = this.results.filter((r) => !r.ok);
    if (process.env.E2E_KEEP !== '1') this.options.cleanup();
    console.log('\nSummary');
    for (const r of this.results) console.log(`  ${r.ok ? 'PASS' : 'FAIL'}  ${r.step}`);
    console.log(`Timings (s): ${JSON.stringify(this.timings)}`);
    if (this.options.reportFile) writeFile(this.options.reportFile, JSON.stringify({ timings: this.timings, results: this.results }, null, 2));
    console.log(`${this.options.label}: ${this.results.length - failed.length} passed, ${failed.length} failed${this.options.closingSuffix ?? ''}`);
    process.exit(failed.length === 0 ? 0 : 1);
  }
}
