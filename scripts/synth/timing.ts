/**
 * Where a synth's time goes, by phase: each step of the pipeline runs inside {@link timed},
 * which adds its wall time to a total per phase (two clock reads: nothing next to the
 * work). `REFARCH_SYNTH_FAST_DEBUG=1 npm run synth` prints the totals, and `npm run bench`
 * reports their medians (docs/benchmarks.md), so a slower phase shows up by name.
 */
const totals = new Map<string, number>();

/**
 * Milliseconds on a monotonic clock. Not `performance.now()`: the first use of the
 * `performance` global loads perf_hooks and ten modules behind it (about 1 ms of a synth).
 */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Runs `fn`, adding its wall time to `phase`'s total. */
export function timed<T>(phase: string, fn: () => T): T {
  const start = now();
  try {
    return fn();
  } finally {
    totals.set(phase, (totals.get(phase) ?? 0) + now() - start);
  }
}

/** The milliseconds spent in each phase so far, in the order the phases first ran. */
export function phaseTimings(): ReadonlyMap<string, number> {
  return totals;
}

/** Forgets the totals: a startup snapshot (scripts/synth-snapshot.js) warms up with a synth whose phases are not the run's. */
export function resetPhaseTimings(): void {
  totals.clear();
}
