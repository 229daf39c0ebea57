/**
 * Benchmark-only app: one chart with N copies of the WebTier construct (Deployment,
 * Service, PodDisruptionBudget each) plus one AppConfig, synthesized to the folder
 * given. Usage: scaling-chart.ts N OUTDIR
 */
import { App, Chart } from 'cdk8s';
import { AppConfig } from '../lib/app-config';
import { WebTier } from '../lib/web-tier';

const copies = Number(process.argv[2]);
const outdir = process.argv[3];
if (!Number.isInteger(copies) || copies < 1 || !outdir) {
  console.error('usage: scaling-chart.ts N OUTDIR');
  process.exit(2);
}
const app = new App({ outdir });
const chart = new Chart(app, 'scaling', { disableResourceNameHashes: true });
const config = new AppConfig(chart, 'config', { namespace: 'bench', settings: { LOG_LEVEL: 'info' }, secretStringData: { password: 'bench' } });
for (let i = 0; i < copies; i++) {
  new WebTier(chart, `web-${i}`, { namespace: 'bench', name: `web-${i}`, config, secretEnv: { DB_PASSWORD: 'password' } });
}
app.synth();
