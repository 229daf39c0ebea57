/**
 * Every object a construct renders is reachable from its public fields, and the override
 * example of docs/constructs.md ("Change what a construct renders") does what it says.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, JsonPatch } from 'cdk8s';
import { IConstruct } from 'constructs';
import * as ts from 'typescript';
import { ReferenceArchitecture, ReferenceArchitectureProps } from '../../lib/reference-architecture';
import { WebTier } from '../../lib/web-tier';
import { Manifest, committedEnvironments, find, fullDataTier, synthIn, testApp } from '../support';

const root = path.resolve(__dirname, '../..');

/** ApiObjects found by following public fields and getters from `start`, never the construct tree. */
function reachable(start: object): Set<ApiObject> {
  const found = new Set<ApiObject>();
  const seen = new Set<unknown>();
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || seen.has(value) || value instanceof Map) return;
    seen.add(value);
    if (value instanceof ApiObject) { found.add(value); return; }
    if (Array.isArray(value)) { value.forEach(visit); return; }
    const getters = Object.entries(Object.getOwnPropertyDescriptors(Object.getPrototypeOf(value) ?? {}))
      .filter(([, d]) => d.get !== undefined).map(([k]) => k);
    for (const key of [...Object.keys(value), ...getters]) {
      if (key !== 'node') visit((value as Record<string, unknown>)[key]);
    }
  };
  visit(start);
  return found;
}

const inTree = (scope: IConstruct) => scope.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);

describe('every rendered object is a public field', () => {
  const variants: Array<[string, string, (p: ReferenceArchitectureProps) => ReferenceArchitectureProps]> = [
    ['dev', 'dev', (p) => p],
    ['prod', 'prod', (p) => p],
    ['dev (3 replicas, TLS, backups)', 'dev', fullDataTier],
    ['dev (external database)', 'dev', (p) => ({ ...p, database: { mode: 'external', externalHost: 'db.example.com' } })],
  ];
  test.each(variants)('%s', (_name, env, change) => {
    const chart = new ReferenceArchitecture(testApp(), env, change(committedEnvironments()[env]));
    const fields = reachable(chart);
    const missing = inTree(chart).filter((o) => !fields.has(o)).map((o) => `${o.kind}/${o.name} at ${o.node.path}`);
    expect(missing).toEqual([]);
    expect(inTree(chart).length).toBeGreaterThan(10);
  });
});

/** The guide's block, run as written: its imports resolved against this checkout. */
function readmeOverrideExample(): (web: WebTier) => void {
  const guide = fs.readFileSync(path.join(root, 'docs', 'constructs.md'), 'utf8');
  const section = guide.slice(guide.indexOf('## Change what a construct renders'));
  const source = /```ts\n([\s\S]*?)```/.exec(section)![1];
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const mod = { exports: {} as Record<string, any> };
  const load = (spec: string) => require(spec.startsWith('./') ? path.join(root, spec) : spec);
  new Function('require', 'module', 'exports', js)(load, mod, mod.exports);
  return mod.exports.customizeWeb;
}

describe('docs/constructs.md: Change what a construct renders', () => {
  test('the example annotates the Deployment, adds a field and sets a Quantity', () => {
    const customizeWeb = readmeOverrideExample();
    const m = synthIn((c) => customizeWeb(new WebTier(c, 'web')));
    const deployment = find(m, 'Deployment', 'web');
    expect(deployment.metadata.annotations).toEqual({ 'example.com/owner': 'team-shop' });
    expect(deployment.spec.minReadySeconds).toBe(10);
    expect(deployment.spec.template.spec.volumes[0]).toEqual({ name: 'tmp', emptyDir: { sizeLimit: '128Mi' } });
  });

  test('the trap it warns about: a plain string where a Quantity belongs is written as null', () => {
    const m: Manifest[] = synthIn((c) => new WebTier(c, 'web').deployment.addJsonPatch(JsonPatch.replace('/spec/template/spec/volumes/0/emptyDir/sizeLimit', '128Mi')));
    expect(find(m, 'Deployment', 'web').spec.template.spec.volumes[0].emptyDir.sizeLimit ?? null).toBeNull();
  });
});

// ExternalDatabase needs the server's host and PostgresBackup the database it backs up:
// neither has a sensible default, so both keep a required prop.
test.each(['RestrictedNamespace', 'AppConfig', 'WebTier', 'WebIngress', 'PostgresDatabase', 'NetworkPolicies'])('new %s(this, \'foo\') works', (name) => {
  const lib = require('../../lib');
  expect(synthIn((c) => new lib[name](c, 'foo')).length).toBeGreaterThan(0);
});

test.each<[string, RegExp]>([
  ['ExternalDatabase', /foo: host: \(not set\)\. Must be a DNS name for an ExternalName Service/],
  ['PostgresBackup', /foo: database: \(not set\)\. Required: the PostgresDatabase to back up/],
])('new %s(this, \'foo\') says which prop it needs', (name, message) => {
  const lib = require('../../lib');
  expect(() => synthIn((c) => new lib[name](c, 'foo'))).toThrow(message);
});
