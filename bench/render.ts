/**
 * Renders the Helm chart and the Kustomize overlays with the real binaries (built once by
 * bench/install-tools.sh) into bench/rendered/<tool>-<env>.yaml, which are committed so
 * that `npm test` can compare them with dist/ offline. The script files the chart and the
 * overlays ship are written first (writeScriptFiles).
 *
 *   npm run bench:render            re-render and write bench/rendered/
 *   npm run bench:render -- --check re-render and exit 1 if the committed renders differ
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { backupScripts, patroniScripts } from '../lib/postgres-scripts';
import { replaceFiles } from '../scripts/safe-write';
import { App } from 'cdk8s';
import { environments } from '../config/environments';
import { PostgresDatabase } from '../lib/postgres-database';
import { ReferenceArchitecture } from '../lib/reference-architecture';

const ROOT = path.resolve(__dirname, '..');
export const RENDERED = path.join(ROOT, 'bench', 'rendered');
export const ENVS = ['dev', 'prod'] as const;

/**
 * The chart and the Kustomize component ship the database scripts as files (each must be
 * complete on its own); they are written from lib/postgres-scripts.ts, their one source,
 * under the name of the ConfigMap that carries them, every time the bench renders, and are
 * not committed (.gitignore): the committed renders in bench/rendered/ carry their text, and
 * npm test compares those with dist/.
 */
export function writeScriptFiles(): string[] {
  const sets = { 'postgres-scripts': patroniScripts(), 'postgres-backup-scripts': backupScripts() };
  const writes: Array<{ path: string; data: string; display: string }> = [];
  for (const base of [path.join('bench', 'helm', 'refarch', 'files'), path.join('bench', 'kustomize', 'components', 'data-tier')]) {
    for (const [configMap, files] of Object.entries(sets)) {
      for (const [name, text] of Object.entries(files)) {
        const display = path.join(base, configMap, name);
        writes.push({ path: path.join(ROOT, display), data: text, display });
      }
    }
  }
  // Kustomize cannot template: the component (prod's data tier) ships prod's patroni.yml and bootstrap.yml as files.
  for (const [name, text] of Object.entries(prodPatroniConfig())) {
    const display = path.join('bench', 'kustomize', 'components', 'data-tier', 'postgres-scripts', name);
    writes.push({ path: path.join(ROOT, display), data: text, display });
  }
  replaceFiles(writes, { createFolders: true });
  return writes.map((w) => w.display);
}

/** patroni.yml and bootstrap.yml as the constructs render them for prod (ConfigMap postgres-scripts). */
export function prodPatroniConfig(): Record<'patroni.yml' | 'bootstrap.yml', string> {
  const chart = new ReferenceArchitecture(new App(), 'prod', environments().prod);
  const data = (chart.database as PostgresDatabase).scriptsConfigMap?.toJson().data ?? {};
  for (const name of ['patroni.yml', 'bootstrap.yml']) {
    if (typeof data[name] !== 'string') throw new Error(`prod renders no ${name}`);
  }
  return { 'patroni.yml': data['patroni.yml'], 'bootstrap.yml': data['bootstrap.yml'] };
}

/** Path of each tool's binary, building it on first use. */
export function tools(): { helm: string; kustomize: string } {
  const script = path.join(ROOT, 'bench', 'install-tools.sh');
  const r = spawnSync('bash', [script], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`bench/install-tools.sh failed (exit ${r.status})`);
  const [helmDir, kustomizeDir] = execFileSync('bash', [script, '--print-dir', 'helm', 'kustomize'], { encoding: 'utf8' }).trim().split('\n');
  return { helm: path.join(helmDir, 'helm'), kustomize: path.join(kustomizeDir, 'kustomize') };
}

/** The command lines that render one environment; the benchmark times exactly these. */
export function renderCommands(t: { helm: string; kustomize: string }, env: string): { helm: string[]; kustomize: string[] } {
  return {
    helm: [t.helm, 'template', `refarch-${env}`, path.join(ROOT, 'bench', 'helm', 'refarch'), '--namespace', `refarch-${env}`, '-f', path.join(ROOT, 'bench', 'helm', `values-${env}.yaml`)],
    kustomize: [t.kustomize, 'build', path.join(ROOT, 'bench', 'kustomize', 'overlays', env)],
  };
}

export function renderAll(t: { helm: string; kustomize: string }): Map<string, string> {
  writeScriptFiles();
  const out = new Map<string, string>();
  // HOME and the helm cache/config go to a throw-away place: `helm template` of a local chart needs no repository config, and must not touch the network.
  const helmEnv = { ...process.env, HELM_CACHE_HOME: '/nonexistent/helm-cache', HELM_CONFIG_HOME: '/nonexistent/helm-config', HELM_DATA_HOME: '/nonexistent/helm-data' };
  for (const env of ENVS) {
    const c = renderCommands(t, env);
    for (const tool of ['helm', 'kustomize'] as const) {
      const [bin, ...args] = c[tool];
      out.set(`${tool}-${env}.yaml`, execFileSync(bin, args, { encoding: 'utf8', env: helmEnv }).replaceAll(ROOT, '.'));
    }
  }
  return out;
}

function main(): number {
  const check = process.argv.includes('--check');
  const rendered = renderAll(tools());
  if (check) {
    const stale = [...rendered].filter(([f, text]) => !fs.existsSync(path.join(RENDERED, f)) || fs.readFileSync(path.join(RENDERED, f), 'utf8') !== text).map(([f]) => `bench/rendered/${f}`);
    if (stale.length) {
      process.stderr.write(`bench/rendered is stale: ${stale.join(', ')}. Run \`npm run bench:render\` and commit.\n`);
      return 1;
    }
    process.stdout.write(`bench/rendered: ${rendered.size} renders up to date\n`);
    return 0;
  }
  replaceFiles([...rendered].map(([f, text]) => ({ path: path.join(RENDERED, f), data: text, display: `bench/rendered/${f}` })), { createFolders: true });
  process.stdout.write(`wrote ${[...rendered.keys()].map((f) => `bench/rendered/${f}`).join(', ')}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main();
