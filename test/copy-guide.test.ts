/**
 * The README's "Copy a construct" table lists, for each construct file, the other
 * lib/ files it needs. This keeps that list true: it must equal the file's transitive
 * relative imports, so a user who copies exactly those files gets code that compiles.
 */
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
const libDir = path.join(root, 'lib');

function closure(file: string, seen = new Set<string>()): Set<string> {
  const source = fs.readFileSync(path.join(libDir, file), 'utf8');
  for (const [, dep] of source.matchAll(/from '\.\/([a-z-]+)'/g)) {
    const depFile = `${dep}.ts`;
    if (!seen.has(depFile)) {
      seen.add(depFile);
      closure(depFile, seen);
    }
  }
  return seen;
}

const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Copy a construct into your project'));
const rows = [...section.matchAll(/^\| `(\w+)`[^|]*\| `([a-z-]+\.ts)` \| ([^|]+) \|$/gm)]
  .map(([, construct, file, also]) => ({ construct, file, also: [...also.matchAll(/`([a-z-]+\.ts)`/g)].map((m) => m[1]).sort() }));

test('the table lists every construct file of lib/', () => {
  expect(rows.map((r) => r.file).sort()).toEqual([
    'app-config.ts', 'external-database.ts', 'namespace.ts', 'network-policies.ts', 'postgres-backup.ts', 'postgres-database.ts', 'web-ingress.ts', 'web-tier.ts',
  ]);
});

test.each(rows.map((r) => [r.construct, r]))('%s: "Also copy" equals its transitive lib/ imports', (_name, row) => {
  expect(row.also).toEqual([...closure(row.file)].sort());
  expect(fs.readFileSync(path.join(libDir, row.file), 'utf8')).toContain(`export class ${row.construct} `);
});

test('constructs import nothing outside lib/ but imports/k8s, cdk8s and constructs', () => {
  for (const file of fs.readdirSync(libDir)) {
    const source = fs.readFileSync(path.join(libDir, file), 'utf8');
    for (const [, spec] of source.matchAll(/from '([^']+)'/g)) {
      expect({ file, spec, ok: spec.startsWith('./') || ['../imports/k8s', 'cdk8s', 'constructs', 'crypto', 'net'].includes(spec) }).toEqual({ file, spec, ok: true });
    }
  }
});
