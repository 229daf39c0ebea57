/**
 * imports/k8s.ts is what `npm run import` makes from the committed schema, offline, and
 * the constructs use it (not cdk8s-plus-27's copy of the L1 classes).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { GATEWAY_API_GROUP, gatewayApiImportHeader, generateGatewayApiImports, generateK8sImports, generatorVersions } from '../scripts/import-k8s';
import { crdFiles, gatewayApiDir, gatewayApiVersion } from '../schema-check/crds';
import { IMPORT_MINOR, schemaSha256, serverVersion, supportedMinors } from '../schema-check/schemas';

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
  // Through lib/k8s.ts, which a copy replaces with imports/k8s.ts itself (docs/constructs.md).
  const users = files.filter((f) => fs.readFileSync(path.join(root, f), 'utf8').includes("from './k8s'"));
  expect(users.length).toBeGreaterThan(5);
  expect(fs.readFileSync(path.join(root, 'lib', 'k8s.ts'), 'utf8')).toContain("export * from '../imports/k8s';");
});

test('the committed imports/gateway.networking.k8s.io.ts is what `npm run import` generates from the vendored Gateway API CRDs, offline (run it and commit if this fails)', async () => {
  const gatewayFile = fs.readFileSync(path.join(root, 'imports', `${GATEWAY_API_GROUP}.ts`), 'utf8');
  const https = require('https');
  const http = require('http');
  const spies = [jest.spyOn(https, 'get'), jest.spyOn(https, 'request'), jest.spyOn(http, 'get'), jest.spyOn(http, 'request')]
    .map((spy) => spy.mockImplementation(() => { throw new Error('network access during import'); }));
  let fresh: string;
  try {
    fresh = await generateGatewayApiImports();
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  expect(gatewayFile.split('\n').slice(0, 6).join('\n')).toBe(gatewayApiImportHeader().trimEnd());
  expect(gatewayFile === fresh).toBe(true);
  // The v1 classes of the standard channel, which lib/ uses.
  for (const kind of ['Gateway', 'GatewayClass', 'HttpRoute', 'GrpcRoute', 'ReferenceGrant', 'BackendTlsPolicy', 'ListenerSet']) {
    expect(gatewayFile).toMatch(new RegExp(`^export class ${kind} extends ApiObject \\{`, 'm'));
  }
  expect(gatewayFile).toContain("apiVersion: 'gateway.networking.k8s.io/v1'");
});

test('the vendored Gateway API CRDs are the pinned version\'s, unchanged (SHA256SUMS), with the module\'s licence', () => {
  const dir = gatewayApiDir();
  expect(path.basename(dir)).toBe(gatewayApiVersion());
  const sums = fs.readFileSync(path.join(dir, 'SHA256SUMS'), 'utf8').trim().split('\n').map((l) => l.split(/\s+/));
  expect(sums.map(([, f]) => f).sort()).toEqual(['LICENSE', ...[...crdFiles().keys()]].sort());
  for (const [sum, file] of sums) expect({ file, sum: createHash('sha256').update(fs.readFileSync(path.join(dir, file))).digest('hex') }).toEqual({ file, sum });
  expect(fs.readFileSync(path.join(dir, 'LICENSE'), 'utf8')).toContain('Apache License');
  for (const text of crdFiles().values()) {
    expect(text).toContain(`gateway.networking.k8s.io/bundle-version: ${gatewayApiVersion()}`);
    expect(text).toContain('gateway.networking.k8s.io/channel: standard');
  }
  // Which CRDs each captured minor accepts is recorded for every supported minor.
  expect(Object.keys(JSON.parse(fs.readFileSync(path.join(dir, 'install-results.json'), 'utf8')))).toEqual(supportedMinors());
});
