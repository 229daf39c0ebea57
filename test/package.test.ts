/**
 * The constructs as a package (docs/constructs.md, "As a package"): `npm run
 * pack:constructs` makes an `npm pack` tarball; installed into a fresh project offline it
 * type-checks under the strictest flags, synthesizes, and the result passes the policy
 * plugin and the strict schema check. Offline: cdk8s and constructs are this checkout's
 * (file: dependencies, which npm links), the tarball is local, and npm runs with --offline.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import * as ts from 'typescript';
import * as YAML from 'yaml';
import { checkPolicy, formatResult } from '../plugins/refarch-policy';
import { formatIssue, validateYaml } from '../schema-check/validator';
import { PACKAGE_NAME, packConstructs } from '../scripts/pack-constructs';

const root = path.resolve(__dirname, '..');
let tmp: string;
let tarball: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-package-'));
  tarball = packConstructs(path.join(tmp, 'pack'));
}, 180_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const CHART = `import { App, Chart } from 'cdk8s';
import {
  AppConfig, NetworkPolicies, Peer, PostgresBackup, PostgresDatabase, WebIngress, WebTier, k8s, postgresSecretKeys,
} from '${PACKAGE_NAME}';

const app = new App();
const chart = new Chart(app, 'shop', { disableResourceNameHashes: true });
const namespace = 'shop';
const keys: readonly string[] = postgresSecretKeys({ replicas: 1 });
const db = new PostgresDatabase(chart, 'db', { namespace, name: 'shop-db', databaseName: 'shop', user: 'shop' });
new PostgresBackup(chart, 'backup', { database: db });
const config = new AppConfig(chart, 'config', { namespace, name: 'shop', database: db.connection, settings: { LOG_LEVEL: 'info' } });
const web = new WebTier(chart, 'web', { namespace, name: 'shop', image: 'registry.example.com/shop:1.4.2', config, secretEnv: { DB_PASSWORD: keys[0] ?? 'password' } });
new WebIngress(chart, 'ingress', { namespace, name: 'shop', host: 'shop.example.com', backend: web });
const policies = new NetworkPolicies(chart, 'policies', { namespace });
policies.allow(Peer.namespace('traefik'), web, web.ports.http);
policies.allow(web, db, db.ports.postgresql);
web.deployment.metadata.addAnnotation('example.com/size', String(k8s.Quantity.fromString('1Gi').value));
app.synth();
`;

test('the tarball holds the compiled constructs, their declarations, the L1 classes and the shell scripts; cdk8s and constructs are peers', () => {
  const list = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
  expect(list.status).toBe(0);
  const files = list.stdout.trim().split('\n');
  for (const file of ['package/package.json', 'package/lib/index.js', 'package/lib/index.d.ts', 'package/lib/k8s.js', 'package/lib/k8s.d.ts', 'package/lib/web-tier.js', 'package/lib/scripts/backup.sh']) {
    expect(files).toContain(file);
  }
  expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  const manifest = JSON.parse(spawnSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }).stdout);
  expect(manifest).toMatchObject({ name: PACKAGE_NAME, main: 'lib/index.js', types: 'lib/index.d.ts', peerDependencies: { cdk8s: expect.any(String), constructs: expect.any(String) } });
  expect(manifest.dependencies).toBeUndefined();
});

test('installed into a fresh project offline, a chart type-checks (strict flags), synthesizes and passes the policy plugin and the schema check', () => {
  const project = path.join(tmp, 'project');
  fs.mkdirSync(project);
  const link = (name: string) => `file:${path.join(root, 'node_modules', name)}`;
  fs.writeFileSync(path.join(project, 'package.json'), `${JSON.stringify({ name: 'shop', private: true, dependencies: { cdk8s: link('cdk8s'), constructs: link('constructs') } }, null, 2)}\n`);
  const install = spawnSync('npm', ['install', '--offline', '--legacy-peer-deps', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { cwd: project, encoding: 'utf8' });
  expect({ status: install.status, stderr: install.stderr.replace(/^npm warn.*\n/gm, '') }).toEqual({ status: 0, stderr: '' });
  expect(JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8')).dependencies[PACKAGE_NAME]).toMatch(/^file:/);
  expect(fs.existsSync(path.join(project, 'node_modules', PACKAGE_NAME, 'lib', 'index.js'))).toBe(true);
  fs.writeFileSync(path.join(project, 'main.ts'), CHART);

  const options: ts.CompilerOptions = {
    strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, noEmit: true, target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, types: ['node'], typeRoots: [path.join(root, 'node_modules', '@types')],
  };
  const program = ts.createProgram({ rootNames: [path.join(project, 'main.ts')], options });
  expect(program.getSourceFiles().map((f) => f.fileName).filter((f) => f.includes(`/node_modules/${PACKAGE_NAME}/lib/index.d.ts`))).toHaveLength(1);
  expect(ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '))).toEqual([]);

  const tsx = pathToFileURL(path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const run = spawnSync(process.execPath, ['--import', tsx, 'main.ts'], { cwd: project, encoding: 'utf8', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  const yaml = fs.readFileSync(path.join(project, 'dist', 'shop.k8s.yaml'), 'utf8');
  const objects = YAML.parseAllDocuments(yaml).map((d) => d.toJS());
  expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(expect.arrayContaining([
    'StatefulSet/shop-db', 'CronJob/shop-db-backup', 'ConfigMap/shop-db-backup-scripts', 'Deployment/shop', 'NetworkPolicy/allow-shop-to-shop-db-egress',
  ]));
  // The backup scripts come from the package's lib/scripts/, read at synth time.
  const scripts = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'shop-db-backup-scripts');
  expect(scripts.data['backup.sh']).toBe(fs.readFileSync(path.join(root, 'lib', 'scripts', 'backup.sh'), 'utf8'));
  expect(formatResult(checkPolicy([{ file: 'shop.k8s.yaml', objects }]))).toBe('refarch-policy: 0 violations, 0 rules switched off by annotation.');
  expect(validateYaml('shop.k8s.yaml', yaml, { minors: ['1.27'] }).map(formatIssue)).toEqual([]);
}, 120_000);
