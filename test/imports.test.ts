/**
 * imports/k8s.ts is what `npm run import` makes from the committed schema, offline, and
 * the constructs use it (not cdk8s-plus-27's copy of the L1 classes).
 */
import * as fs from 'fs';
import * as path from 'path';
import { generateK8sImports, generatorVersions } from '../scripts/import-k8s';
import { IMPORT_MINOR, schemaSha256, serverVersion } from '../schema-check/schemas';

const root = path.resolve(__dirname, '..');
const committed = fs.readFileSync(path.join(root, 'imports', 'k8s.ts'), 'utf8');

test('the committed imports/k8s.ts is what `npm run import` generates from the committed schema, offline (if this fails: `npm run generate`, commit)', async () => {
  // Regenerating takes about half a second, so compare the whole file, not just the header,
  // with every way out to the network replaced by a failure (the modules themselves:
  // an `import * as` namespace object is frozen).
  const http = require('http');
  const https = require('https');
  const net = require('net');
  const spies = [
    jest.spyOn(https, 'get'), jest.spyOn(https, 'request'), jest.spyOn(http, 'get'), jest.spyOn(http, 'request'),
    jest.spyOn(net, 'connect'), jest.spyOn(net, 'createConnection'),
  ].map((spy) => spy.mockImplementation(() => { throw new Error('network access during import'); }));
  let fresh: string;
  try {
    fresh = await generateK8sImports();
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  expect(committed.split('\n').slice(0, 6).join('\n')).toBe(fresh.split('\n').slice(0, 6).join('\n'));
  expect(committed === fresh).toBe(true);
});

test('its header records the schema hash, the server version and the generator', () => {
  const gen = generatorVersions();
  expect(committed).toContain(`// schema: schemas/v${IMPORT_MINOR}/openapi-v2.json\n`);
  expect(committed).toContain(`// schema-sha256: ${schemaSha256(IMPORT_MINOR)}\n`);
  expect(committed).toContain(`// server: kube-apiserver ${serverVersion(IMPORT_MINOR).gitVersion}\n`);
  expect(committed).toContain(`// generator: cdk8s-cli ${gen['cdk8s-cli']}, json2jsii ${gen.json2jsii}\n`);
});

test('lib/ and main.ts use the generated L1 classes, not cdk8s-plus-27', () => {
  const files = ['main.ts', ...fs.readdirSync(path.join(root, 'lib')).map((f) => `lib/${f}`)].filter((f) => f.endsWith('.ts'));
  const offenders = files.filter((f) => /from ['"]cdk8s-plus-\d+['"]/.test(fs.readFileSync(path.join(root, f), 'utf8')));
  expect(offenders).toEqual([]);
  const users = files.filter((f) => fs.readFileSync(path.join(root, f), 'utf8').includes("from '../imports/k8s'"));
  expect(users.length).toBeGreaterThan(5);
});
