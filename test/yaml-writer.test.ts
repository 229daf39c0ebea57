/**
 * scripts/synth/yaml.ts lays plain data out itself and asks the `yaml` library for every
 * scalar; what it writes must be, byte for byte, what the library's Document writes (with
 * the kubectl-safe quoting of misreadAsBlock strings), and anything it does not lay out
 * must go to the library whole. The library is the oracle here: documents generated with
 * the strings YAML treats specially, at every depth, as keys and as values.
 */
import * as fc from 'fast-check';
import { compose, newApp } from '../main';
import { blockDocument, libraryDocument, manifestYaml } from '../scripts/synth/yaml';
import { committedEnvironments, variantEnvironments } from './support';

/** Strings the library writes in another style than plain, or plain only in some places. */
const SPECIAL = [
  '', ' ', '  x', 'x ', '\t', '\tx', 'x\t', '\n', '\n\n', 'a\n', 'a\nb', 'a\n\n', 'a\n\nb\n', ' a\nb', 'a\n b', 'a \nb', '\n a', '\t\na', '\n\t',
  'yes', 'No', 'ON', 'off', 'y', 'n', 'true', 'False', 'null', 'Null', '~', '-', '?', ':', '- a', '? a', 'a: b', 'a:b', 'a #b', '#a', 'a#', '&a', '*a', '!a', '|', '>', "'", '"', "it's", 'say "hi"', `"'`, '%a', '@a', '`a',
  '0', '1', '-1', '+1', '0x1F', '0o17', '017', '0b101', '1_000', '1.5', '.5', '1e3', '-1.5e-3', '.inf', '-.Inf', '.NaN', '1:20', '190:20:30', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '12:30',
  '---', '--- a', '...', 'a\n---\nb', 'a\n...', '%YAML', '[a]', '{a}', 'a, b', 'a,b', '\u0000', '\u0007x', 'a\u0085b', 'a\u2028b', '\u00a0', 'é', '😀', '\ud800',
  'x'.repeat(1030), `${'y'.repeat(100)} ${'z'.repeat(100)}`, 'line one\nline two\n', '#!/bin/sh\nset -eu\necho "$1"\n', '  indented\n  block\n', 'trailing\n\n\n',
];

const scalar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom('a', ' ', '\n', '\t', ':', '#', '-', '"', "'", '0', '.'), maxLength: 8 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom(0, -0, 1e21, 5e-324, Number.NaN, Infinity, -Infinity)) },
);
const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('name', 'a', 'metadata', 'spec', 'x-y', '1', 'on') }, { weight: 2, arbitrary: fc.constantFrom(...SPECIAL) }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) });
const { node } = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('map'), tie('seq')),
  map: fc.dictionary(key, tie('node'), { maxKeys: 5 }),
  seq: fc.array(tie('node'), { maxLength: 4 }),
}));
const documentOf = fc.dictionary(key, node, { minKeys: 1, maxKeys: 6 });

test('the writer writes what the library writes, for generated documents of special strings at every depth', () => {
  let laidOut = 0;
  fc.assert(fc.property(documentOf, (d) => {
    expect(manifestYaml(d)).toBe(libraryDocument(d));
    if (blockDocument(d) !== undefined) laidOut++;
  }), { numRuns: 3000 });
  // Most of them are plain data, laid out by the writer itself, not handed to the library.
  expect(laidOut).toBeGreaterThan(2000);
});

test('several documents, and an undefined one, are joined as cdk8s writes them', () => {
  const docs = [{ a: 1 }, undefined, { b: ['x', { c: 'y\nz' }] }];
  expect(manifestYaml(...docs)).toBe(['a: 1\n', '\n', libraryDocument(docs[2])].join('---\n'));
});

test('what it does not lay out goes to the library whole', () => {
  const shared = { x: 1 };
  class Thing { y = 2; }
  const cases: unknown[] = [
    { a: shared, b: shared }, // an object seen twice: the library writes an anchor and an alias
    { a: undefined }, // kept as the library keeps undefined
    { a: new Thing() }, // not plain data
    { a: [1, , 3] }, // eslint-disable-line no-sparse-arrays
    { ['k'.repeat(1100)]: 1 }, // an explicit `? ` key
    { a: 'kept\n\n' }, // `|+`: the lines after it depend on the kept newlines
    { a: -0, b: Number.NaN },
    { '<<': 'x' }, { a: '<<' }, // YAML 1.1's merge key, which the library writes with its own tag
    [1, 2], 'text', 7, null, {},
  ];
  for (const d of cases) {
    expect(blockDocument(d)).toBeUndefined();
    expect(manifestYaml(d)).toBe(libraryDocument(d));
  }
});

test.each([['committed', committedEnvironments()], ['variants', variantEnvironments()]] as Array<[string, Record<string, any>]>)('%s environments: every manifest is laid out by the writer and equals the library\'s', (_name, definitions) => {
  const app = compose(newApp(), JSON.parse(JSON.stringify(definitions)));
  for (const chart of app.charts) {
    for (const object of chart.toJson()) {
      expect(blockDocument(object)).toBe(libraryDocument(object));
    }
  }
});
