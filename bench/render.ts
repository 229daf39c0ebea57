/**
 * The Helm/Kustomize equivalence: renders the Helm chart and the Kustomize overlays with the
 * real binaries (built once by bench/install-tools.sh) and compares each render with dist/,
 * object by object and field by field (bench/compare.ts). CI runs it as its own step, and
 * `npm run bench` runs it before timing; `npm test` never needs helm or kustomize.
 *
 *   npm run bench:render    write the scripts' copies, render into .cache/bench/rendered/
 *                           (git-ignored, to read or diff), compare with dist/; exit 1 on
 *                           any difference, printing it
 */
import { execFileSync, spawnSync } from 'child_process';
import * as path from 'path';
import { compareFiles } from './compare';
import { backupScripts, patroniScripts } from '../lib/postgres-scripts';
import { formatText } from '../scripts/review/semantic-diff';
import { replaceFiles } from '../scripts/safe-write';
import { App } from 'cdk8s';
import { environments } from '../config/environments';
import { PostgresDatabase } from '../lib/postgres-database';
import { ReferenceArchitecture } from '../lib/reference-architecture';

const ROOT = path.resolve(__dirname, '..');
export const RENDERED = path.join(ROOT, '.cache', 'bench', 'rendered');
export const ENVS = ['dev', 'prod'] as const;

/**
 * The chart and the Kustomize component ship the database scripts as files (each must be
 * complete on its own; Helm reads files only inside the chart, Kustomize only inside the
 * component). They are written from lib/postgres-scripts.ts, their one source, under the
 * name of the ConfigMap that carries them, before every render, into git-ignored folders:
 * a copy is never committed, so it cannot go stale.
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

/**
 * Writes the scripts' copies, renders every environment with both tools into RENDERED and
 * compares each render with dist/<env>.k8s.yaml. Returns one line per render and the
 * differences, if any.
 */
export function checkEquivalence(t: { helm: string; kustomize: string }): { ok: boolean; lines: string[]; diff: string } {
  writeScriptFiles();
  const rendered = renderAll(t);
  replaceFiles([...rendered].map(([f, text]) => ({ path: path.join(RENDERED, f), data: text, display: `.cache/bench/rendered/${f}` })), { createFolders: true });
  const lines: string[] = [];
  let diff = '';
  for (const [f] of rendered) {
    const file = path.join(RENDERED, f);
    const env = f.replace(/^[a-z]+-/, '').replace(/\.yaml$/, '');
    const d = compareFiles(file, path.join(ROOT, 'dist', `${env}.k8s.yaml`));
    const same = d.objects.length === 0;
    lines.push(`bench:render: ${f.replace(/\.yaml$/, '')} ${same ? 'equals' : 'DIFFERS FROM'} dist/${env}.k8s.yaml`);
    if (!same) diff += formatText([{ ...d, name: `dist/${env}.k8s.yaml -> .cache/bench/rendered/${f}` }]);
  }
  return { ok: diff === '', lines, diff };
}

function main(): number {
  const r = checkEquivalence(tools());
  for (const line of r.lines) process.stdout.write(`${line}\n`);
  if (!r.ok) {
    process.stdout.write(`\n${r.diff}\nThe chart or the overlays must change to render what dist/ holds: bench/README.md, "When dist/ changes".\n`);
    return 1;
  }
  process.stdout.write(`bench:render: the Helm chart and the Kustomize overlays render the objects of dist/ (renders in ${path.relative(ROOT, RENDERED)}/)\n`);
  return 0;
}

if (require.main === module) process.exitCode = main();
