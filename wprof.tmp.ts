import * as fs from 'fs'; import * as path from 'path'; import * as vm from 'vm'; import * as esbuild from 'esbuild';
import { bundleOptions, evaluate, nodeModule, syncAssets } from './scripts/synth-fast';
const root = process.cwd(); const h = () => Number(process.hrtime.bigint()) / 1e6;
(async () => {
  const ctx = await esbuild.context(bundleOptions({ bundlePackages: false, root }));
  const file = path.join(root, 'lib', 'web-tier.ts'); const text = fs.readFileSync(file, 'utf8');
  const rows: number[][] = [];
  for (let i = 0; i < 12; i++) {
    fs.writeFileSync(file, text.replace('revisionHistoryLimit: 5,', `revisionHistoryLimit: ${i % 2 ? 5 : 6},`));
    const t0 = h(); const r = await ctx.rebuild(); const t1 = h();
    syncAssets(root); const t2 = h();
    const fn = path.join(root, '.cache', 'synth', 'watch-bundle.js');
    const script = new vm.Script((nodeModule() as any).wrap(r.outputFiles![0].text), { filename: fn }); const t3 = h();
    const synth = evaluate(script, fn, root); const t4 = h();
    synth.runCli(['--out', '/tmp/wout'], { project: root, env: { CDK8S_CHECK_UPGRADE: 'false' }, cwd: root, stdout: () => {}, stderr: () => {} }); const t5 = h();
    rows.push([t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t5 - t0]);
    if (i > 1) console.log(`esbuild ${(t1 - t0).toFixed(1)} assets ${(t2 - t1).toFixed(1)} compile ${(t3 - t2).toFixed(1)} evaluate ${(t4 - t3).toFixed(1)} runCli ${(t5 - t4).toFixed(1)} total ${(t5 - t0).toFixed(1)} | ${[...synth.phaseTimings()].map(([k, v]: any) => k + ' ' + v.toFixed(1)).join(', ')}`);
  }
  fs.writeFileSync(file, text); await ctx.dispose();
})();
