/**
 * `npm run diagram`: two architecture pictures per environment, from the synthesized YAML
 * in dist/ (not from the constructs): the request path in docs/architecture-<env>.svg
 * and what each workload reads in docs/architecture-<env>-config.svg
 * (scripts/review/architecture.ts).
 *
 *   npm run diagram               write both for every dist/<env>.k8s.yaml
 *   npm run diagram -- --check    exit 1 if a committed SVG differs from a fresh render
 *   npm run diagram -- --dot      print the Graphviz source instead (for debugging a layout)
 *
 * Layout by Graphviz compiled to WebAssembly (@hpcc-js/wasm-graphviz): offline, and the
 * same input gives the same bytes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { View, architectureDot } from './architecture';
import { distEnvironments, readManifests } from './manifests';
import { SafeWriteError, replaceFiles } from '../safe-write';

const ROOT = path.resolve(__dirname, '..', '..');

export async function renderAll(distDir: string): Promise<Map<string, string>> {
  const { Graphviz } = await import('@hpcc-js/wasm-graphviz');
  const graphviz = await Graphviz.load();
  const out = new Map<string, string>();
  for (const env of distEnvironments(distDir)) {
    const objects = readManifests(path.join(distDir, `${env}.k8s.yaml`));
    for (const view of VIEWS) out.set(svgName(env, view), graphviz.dot(architectureDot(objects, titleOf(env, view), view)));
  }
  return out;
}

const VIEWS: readonly View[] = ['traffic', 'configuration'];
/** docs/architecture-<env>.svg (the request path, the README's) and docs/architecture-<env>-config.svg. */
const svgName = (env: string, view: View) => `architecture-${env}${view === 'traffic' ? '' : '-config'}.svg`;
const titleOf = (env: string, view: View) => `${env} (dist/${env}.k8s.yaml)${view === 'traffic' ? ': traffic' : ': configuration each workload reads'}`;

const USAGE = 'usage: npm run diagram [-- --check | --dot] [--dist DIR] [--docs DIR]';

async function main(args: readonly string[]): Promise<number> {
  const argv: string[] = [];
  let distDir = path.join(ROOT, 'dist');
  let docs = path.join(ROOT, 'docs');
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--dist' || args[i] === '--docs') {
      const v = args[i + 1];
      if (!v || v.startsWith('--')) return usage(`${args[i]} needs a folder`);
      if (args[i++] === '--dist') distDir = path.resolve(v); else docs = path.resolve(v);
    } else if (args[i] === '--check' || args[i] === '--dot') argv.push(args[i]);
    else return usage(`unknown argument ${JSON.stringify(args[i])}`);
  }
  if (!fs.existsSync(distDir) || distEnvironments(distDir).length === 0) return usage(`no <env>.k8s.yaml files in ${distDir} (run npm run synth first)`);
  if (argv.includes('--dot')) {
    for (const env of distEnvironments(distDir)) for (const view of VIEWS) process.stdout.write(architectureDot(readManifests(path.join(distDir, `${env}.k8s.yaml`)), titleOf(env, view), view));
    return 0;
  }
  fs.mkdirSync(docs, { recursive: true });
  const svgs = await renderAll(distDir);
  if (argv.includes('--check')) {
    const stale = [...svgs].filter(([f, svg]) => !fs.existsSync(path.join(docs, f)) || fs.readFileSync(path.join(docs, f), 'utf8') !== svg).map(([f]) => shown(docs, f));
    const orphans = fs.readdirSync(docs).filter((f) => /^architecture-.*\.svg$/.test(f) && !svgs.has(f)).map((f) => shown(docs, f));
    if (stale.length || orphans.length) {
      process.stderr.write(`diagram: out of date: ${[...stale, ...orphans.map((o) => `${o} (no such environment)`)].join(', ')}. Run \`npm run generate\` and commit.\n`);
      return 1;
    }
    process.stdout.write(`diagram: ${svgs.size} SVGs up to date\n`);
    return 0;
  }
  // All or nothing, never through a symlink: the SVGs and the removal of orphans in one step.
  const orphans = fs.readdirSync(docs).filter((x) => /^architecture-.*\.svg$/.test(x) && !svgs.has(x));
  try {
    replaceFiles([...svgs].map(([f, svg]) => ({ path: path.join(docs, f), data: svg, display: shown(docs, f) })),
      { remove: orphans.map((f) => ({ path: path.join(docs, f), display: shown(docs, f) })) });
  } catch (e) {
    if (e instanceof SafeWriteError) return fail(e.message);
    throw e;
  }
  process.stdout.write(`diagram: wrote ${[...svgs.keys()].map((f) => shown(docs, f)).join(', ')}\n`);
  return 0;
}

/** A written file as the user would type it: relative to where the command runs. */
function shown(dir: string, file: string): string {
  return path.relative(process.cwd(), path.join(dir, file));
}

/** A refusal to write (nothing was written): exit 1. */
function fail(message: string): number {
  process.stderr.write(`diagram: ${message}\n`);
  return 1;
}

function usage(message: string): number {
  process.stderr.write(`diagram: ${message}\n${USAGE}\n`);
  return 2;
}

// The message names the file and what is wrong; a stack trace only for an error that is not one of ours.
main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => { process.stderr.write(`diagram: ${e instanceof Error && e.constructor === Error ? e.message : e instanceof Error ? e.stack : String(e)}\n`); process.exitCode = 2; });
