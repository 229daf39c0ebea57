/**
 * Writes the manifests of every generated edge configuration that synth accepts (the
 * same generator and seed as test/edge-configs.test.ts) to a folder, one
 * `<NNNN>.k8s.yaml` per configuration with the configuration as a leading comment,
 * for a server-side dry run against a real API server (schemas/dry-run-generated.sh).
 * The configurations synth refuses are only counted.
 *
 * Usage: generate-edge-configs.ts --out DIR [--runs N] [--seed S]
 *   DIR must not exist or be empty; it is created.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import * as fc from 'fast-check';
import { edgeConfig, synthEdge } from '../test/edge-configs';
import { writeFile } from './safe-write';
import { manifestYaml } from './synth/yaml';

/** Defaults shared with test/edge-configs.test.ts, so the dry run sees what the test saw. */
export const EDGE_RUNS = 400;
export const EDGE_SEED = 20261121;

export function generate(outdir: string, runs = EDGE_RUNS, seed = EDGE_SEED): { accepted: number; refused: number } {
  if (fs.existsSync(outdir) && fs.readdirSync(outdir).length > 0) throw new Error(`${outdir} is not empty: give a new folder.`);
  // Written to a sibling first and renamed at the end, so an interrupted run leaves no half folder.
  const staging = `${outdir}.partial-${process.pid}`;
  fs.mkdirSync(staging, { recursive: true });
  try {
    let accepted = 0;
    let refused = 0;
    fc.sample(edgeConfig, { numRuns: runs, seed }).forEach((props, i) => {
      const outcome = synthEdge(props);
      if (!('manifests' in outcome)) {
        refused++;
        return;
      }
      accepted++;
      // U+2028/2029 and U+0085 end a line in kubectl's YAML reader: escaped, the comment stays one line.
      const header = `# edge configuration ${i} (seed ${seed}): ${JSON.stringify(props).replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
      // Written as npm run synth writes dist/ (scripts/synth/yaml.ts), so the dry run reads what a user would apply.
      const body = manifestYaml(...outcome.manifests);
      writeFile(path.join(staging, `${String(i).padStart(4, '0')}.k8s.yaml`), header + body);
    });
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.renameSync(staging, outdir);
    return { accepted, refused };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, runs: { type: 'string' }, seed: { type: 'string' } } });
  const number = (flag: string, text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback;
    if (!/^\d+$/.test(text)) {
      console.error(`--${flag} ${text}: must be a whole number.`);
      process.exit(2);
    }
    return Number(text);
  };
  if (!values.out) {
    console.error('usage: generate-edge-configs.ts --out DIR [--runs N] [--seed S]');
    process.exit(2);
  }
  try {
    const runs = number('runs', values.runs, EDGE_RUNS);
    const seed = number('seed', values.seed, EDGE_SEED);
    const { accepted, refused } = generate(values.out, runs, seed);
    console.log(`${values.out}: ${accepted} accepted configurations written, ${refused} refused by synth (runs ${runs}, seed ${seed})`);
  } catch (err) {
    console.error(`generate-edge-configs: ${(err as Error).message}`);
    process.exit(1);
  }
}
