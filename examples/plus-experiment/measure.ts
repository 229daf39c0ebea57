/**
 * Synth time of the web tier written with lib/'s L1 WebTier vs with cdk8s-plus-27
 * (web-tier-plus.ts), for docs/decisions/0001-l1-vs-cdk8s-plus.md. A measurement, not a
 * test: `npx tsx examples/plus-experiment/measure.ts [rounds]`.
 */
import { execFileSync } from 'child_process';
import { App, Chart, Testing } from 'cdk8s';
import { EXPERIMENT, experimentConfig, plusWebTier } from './web-tier-plus';
import { WebTier } from '../../lib/web-tier';

const rounds = Number(process.argv[2] ?? 200);
const e = EXPERIMENT;
const variants: Record<string, () => void> = {
  'L1 WebTier': () => {
    const chart = new Chart(new App(), 'ours', { disableResourceNameHashes: true });
    new WebTier(chart, 'Web', { namespace: e.namespace, name: e.name, image: e.image, autoscaling: e.autoscaling, config: experimentConfig(chart), secretEnv: { DB_PASSWORD: 'password' } });
    Testing.synth(chart);
  },
  'cdk8s-plus-27': () => {
    const chart = new Chart(new App(), 'plus', { disableResourceNameHashes: true });
    plusWebTier(chart, experimentConfig(chart));
    Testing.synth(chart);
  },
};

// Loading the module: a fresh node process each time, median of 5.
const loadMs = (mod: string) => {
  const times = [1, 2, 3, 4, 5].map(() => Number(execFileSync(process.execPath, ['-e',
    `const t = process.hrtime.bigint(); require(${JSON.stringify(mod)}); console.log(Number(process.hrtime.bigint() - t) / 1e6)`], { encoding: 'utf8' })));
  return times.sort((a, b) => a - b)[2];
};
console.log(`require('cdk8s'): ${loadMs('cdk8s').toFixed(0)} ms; require('cdk8s-plus-27'): ${loadMs('cdk8s-plus-27').toFixed(0)} ms (includes cdk8s)`);

for (const [name, build] of Object.entries(variants)) {
  for (let i = 0; i < 20; i++) build(); // warm up
  const t = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) build();
  console.log(`${name}: ${(Number(process.hrtime.bigint() - t) / 1e6 / rounds).toFixed(2)} ms per synth (${rounds} rounds)`);
}
