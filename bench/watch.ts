/**
 * `node --import tsx bench/watch.ts [--json] [--saves N]`: how long `npm run watch` takes from
 * saving a one-line change in lib/ to the updated dist/, measured the way a user sees it:
 * the real watcher (fs.watch, batching) and rebuild step of scripts/watch.ts, on a copy of
 * the project, saving lib/web-tier.ts N times (default 21, alternating between two values).
 * A benchmark, not a test: it prints figures and never fails on them.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RebuildResult, Rebuilder, watchSources } from '../scripts/watch';

const ROOT = path.resolve(__dirname, '..');
const COPY = ['main.ts', 'package.json', 'lib', 'config', 'imports', 'dist', 'scripts/synth.ts', 'scripts/synth', 'scripts/synth-fast.js', 'scripts/safe-write.js', 'plugins/refarch-policy/index.js', 'plugins/refarch-policy/package.json', 'plugins/refarch-policy/src'];

export interface WatchFigures { saves: number; medianMs: number; minMs: number; maxMs: number; p90Ms: number; rebuildMedianMs: number; cpuMsPerSave: number }

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function measure(saves: number): Promise<WatchFigures> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-bench-watch-'));
  process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
  for (const p of COPY) fs.cpSync(path.join(ROOT, p), path.join(tmp, p), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(tmp, 'node_modules'));
  const env: NodeJS.ProcessEnv = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };
  delete env.DB_PASSWORD;
  const rebuilder = new Rebuilder(tmp, [], { stdout: () => {}, stderr: (t) => process.stderr.write(t), env, cwd: tmp });
  await rebuilder.rebuild(); // the esbuild context's first, full build
  let next: ((r: RebuildResult) => void) | undefined;
  const stop = watchSources(tmp, async (files) => {
    const r = await rebuilder.rebuild(files);
    next?.(r);
  });
  const file = path.join(tmp, 'lib', 'web-tier.ts');
  const text = fs.readFileSync(file, 'utf8');
  const latencies: number[] = [];
  const rebuilds: number[] = [];
  const cpuBefore = process.cpuUsage();
  // Two warm-up saves, then the measured ones; each waits for its result and a quiet moment.
  for (let i = 0; i < saves + 2; i++) {
    const done = new Promise<RebuildResult>((resolve) => { next = resolve; });
    const saved = performance.now();
    fs.writeFileSync(file, text.replace('revisionHistoryLimit: 5,', `revisionHistoryLimit: ${i % 2 ? 5 : 6},`));
    const r = await done;
    if (!r.ok) throw new Error('a rebuild failed');
    if (i >= 2) {
      latencies.push(r.at - saved);
      rebuilds.push(r.ms);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  const cpu = process.cpuUsage(cpuBefore);
  stop();
  await rebuilder.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    saves,
    medianMs: median(latencies),
    minMs: sorted[0],
    maxMs: sorted[sorted.length - 1],
    p90Ms: sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.9) - 1)],
    rebuildMedianMs: median(rebuilds),
    // Includes the 150 ms idle waits (negligible CPU) and the two warm-up saves.
    cpuMsPerSave: (cpu.user + cpu.system) / 1000 / (saves + 2),
  };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const n = args.includes('--saves') ? Number(args[args.indexOf('--saves') + 1]) : 21;
  void measure(n).then((f) => {
    if (args.includes('--json')) console.log(JSON.stringify(f));
    else console.log(`npm run watch, save in lib/ -> dist/ updated (${f.saves} saves): median ${f.medianMs.toFixed(0)} ms, min ${f.minMs.toFixed(0)}, p90 ${f.p90Ms.toFixed(0)}, max ${f.maxMs.toFixed(0)}; rebuild step alone median ${f.rebuildMedianMs.toFixed(0)} ms; CPU ${f.cpuMsPerSave.toFixed(0)} ms per save`);
    process.exit(0);
  });
}
