/**
 * `npm run bench:size`: how long synth takes with very large text in every free-text
 * setting, and how long the policy rules take on a megabyte in every place they read text.
 * Target: each under a second. test/policy-linearity.test.ts checks the growth (linear);
 * this prints the absolute figures on this machine.
 *
 *   web.title (the only free-text setting; it lands in the ConfigMap) of 1 MB: refused at
 *   construct time (more than kubectl apply takes), and of the largest size accepted;
 *   credentials.password at its 64 KiB limit; the policy rules on 1 MB per value.
 */
import { render } from '../scripts/synth';
import { checkPolicy, parseManifestText } from '../plugins/refarch-policy';
import { PATHOLOGICAL } from '../test/pathological-text';

const MB = 1024 * 1024;

/** Median of 5 wall-clock runs, in ms. */
function time(f: () => unknown): number {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = process.hrtime.bigint();
    f();
    runs.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return runs.sort((a, b) => a - b)[2];
}

function synth(sets: string[]): string {
  try {
    render({ env: {}, only: ['dev'], sets });
    return 'accepted';
  } catch (err) {
    return `refused: ${(err as Error).message.split('\n')[0].slice(0, 100)}...`;
  }
}

const rows: string[][] = [];
for (const [family, make] of Object.entries(PATHOLOGICAL)) {
  const text = make(MB);
  rows.push([`web.title = 1 MB (${family})`, synth([`dev.web.title=${JSON.stringify(text)}`]), time(() => synth([`dev.web.title=${JSON.stringify(text)}`])).toFixed(0)]);
}
const largest = 'a'.repeat(255 * 1024);
rows.push(['web.title = 255 KB (largest that applies)', synth([`dev.web.title=${JSON.stringify(largest)}`]), time(() => synth([`dev.web.title=${JSON.stringify(largest)}`])).toFixed(0)]);
const password = 'p'.repeat(64 * 1024);
rows.push(['credentials.password = 64 KiB', synth([`dev.credentials.password=${JSON.stringify(password)}`]), time(() => synth([`dev.credentials.password=${JSON.stringify(password)}`])).toFixed(0)]);

const base = parseManifestText(render({ env: {}, only: ['dev'] }).files.get('dev.k8s.yaml')!, 'dist/dev.k8s.yaml') as any[];
for (const [family, make] of Object.entries(PATHOLOGICAL)) {
  const text = make(MB);
  const objects = JSON.parse(JSON.stringify(base)) as any[];
  for (const o of objects) {
    o.metadata.annotations = { ...o.metadata.annotations, 'example.com/note': text };
    if (o.kind === 'ConfigMap') o.data = { ...o.data, APP_TITLE: text };
    for (const c of o.spec?.template?.spec?.containers ?? []) c.env = [...(c.env ?? []), { name: 'API_TOKEN', value: text }];
  }
  rows.push([`policy rules, 1 MB per value (${family})`, `${checkPolicy([{ file: 'dev.k8s.yaml', objects }]).violations.length} findings`, time(() => checkPolicy([{ file: 'dev.k8s.yaml', objects }])).toFixed(0)]);
}

const width = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length), 8));
console.log(`${'case'.padEnd(width[0])}  ${'outcome'.padEnd(width[1])}  ms (median of 5)`);
for (const r of rows) console.log(`${r[0].padEnd(width[0])}  ${r[1].padEnd(width[1])}  ${r[2].padStart(6)}`);
const worst = Math.max(...rows.map((r) => Number(r[2])));
console.log(`\nslowest: ${worst} ms (target: under 1000 ms each)`);
process.exitCode = worst < 1000 ? 0 : 1;
