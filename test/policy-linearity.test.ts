/**
 * No check that synth runs on a user's text may be worse than linear in its length: a
 * setting can hold a megabyte (the no-literal-secrets rule used to take 14 s for 100 KB).
 *
 * Not a wall-clock limit (that would be flaky on a shared machine, and say nothing about
 * growth): each check runs on an input and on one 16 times longer, and the CPU time may
 * grow by at most 64 times (the best of 3 runs each). Linear work grows about 16 times
 * (less, with the fixed costs); quadratic work grows 256 times, so the bound has 4x slack
 * on both sides. The sizes (4 KB and 64 KB) are small enough that quadratic code fails
 * here in seconds instead of hanging the suite; the absolute figures for 1 MB in every
 * free-text setting are printed by `npm run bench:size`.
 */
import * as fc from 'fast-check';
import { render } from '../scripts/synth';
import { checkPolicy, parseManifestText } from '../plugins/refarch-policy';
import { hasJsonWebToken, hasUrlWithPassword } from '../plugins/refarch-policy/src/secret-values';
import { PATHOLOGICAL } from './pathological-text';

/** Best-of-3 CPU time of `f`, in microseconds. */
function cpu(f: () => unknown): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const start = process.cpuUsage();
    f();
    const used = process.cpuUsage(start);
    best = Math.min(best, used.user + used.system);
  }
  return Math.max(best, 1);
}

/** Growth of the CPU time from input size n to 16n. */
function growth(run: (text: string) => unknown, make: (n: number) => string, n: number): number {
  const small = make(n);
  const large = make(16 * n);
  run(small); // warm up the compiled code
  return cpu(() => run(large)) / cpu(() => run(small));
}

describe('the policy rules are linear in the length of a value', () => {
  // The manifests of dev, with the text in every free-text place a rule reads: ConfigMap
  // data, container env values and names, annotations.
  const base = parseManifestText(render({ env: {}, only: ['dev'] }).files.get('dev.k8s.yaml')!, 'dist/dev.k8s.yaml') as any[];
  const withText = (text: string) => {
    const objects = JSON.parse(JSON.stringify(base)) as any[];
    for (const o of objects) {
      o.metadata.annotations = { ...o.metadata.annotations, 'example.com/note': text };
      if (o.kind === 'ConfigMap') o.data = { ...o.data, APP_TITLE: text, [`PASSWORD_${text.slice(0, 40).replace(/[^A-Za-z0-9]/g, '_')}`]: text };
      for (const c of o.spec?.template?.spec?.containers ?? []) c.env = [...(c.env ?? []), { name: 'NOTE', value: text }, { name: 'API_TOKEN', value: text }];
    }
    return [{ file: 'dist/dev.k8s.yaml', objects }];
  };

  test.each(Object.keys(PATHOLOGICAL))('%s text, 4 KB and 64 KB', (family) => {
    expect(growth((text) => checkPolicy(withText(text)), PATHOLOGICAL[family], 4 * 1024)).toBeLessThan(64);
  });
});

test.each(['jwt-like', 'url-like', 'letters'])('synth is linear in the length of web.title: %s text, 4 KB and 64 KB', (family) => {
  const run = (title: string) => render({ env: {}, only: ['dev'], sets: [`dev.web.title=${JSON.stringify(title)}`] });
  expect(growth(run, PATHOLOGICAL[family], 4 * 1024)).toBeLessThan(64);
});

describe('the scans find exactly what the patterns they replace found', () => {
  // The patterns as they were, quadratic on long text: compared on short text only.
  const URL_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i;
  const JSON_WEB_TOKEN = /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;
  const pieces = (alphabet: string[]) => fc.array(fc.constantFrom(...alphabet), { maxLength: 30 }).map((a) => a.join(''));

  test('a URL with a password', () => {
    const text = pieces(['a', 'Z', '1', '+', '.', '-', ':', '/', '//', '://', '@', ' ', '\n', 'u', 'p', '_', 'x://u:p@', 'é']);
    fc.assert(fc.property(text, (v) => { expect([v, hasUrlWithPassword(v)]).toEqual([v, URL_WITH_PASSWORD.test(v)]); }), { numRuns: 20_000, seed: 17 });
  });

  test('a JSON Web Token', () => {
    const text = pieces(['eyJ', 'abcd', 'abcdefgh', '-', '_', '.', ' ', 'x', 'E', 'y', 'J', '-eyJ', '_eyJ', 'eyJabcdefgh.']);
    fc.assert(fc.property(text, (v) => { expect([v, hasJsonWebToken(v)]).toEqual([v, JSON_WEB_TOKEN.test(v)]); }), { numRuns: 20_000, seed: 17 });
  });
});
