/**
 * The kubeconform schemas generated from the captured OpenAPI (tools/linters/kubeconform-schemas.ts):
 * file names as kubeconform looks them up, files that stand alone, and strictness proved
 * by validating real manifests and the schema-check fixtures against them (with ajv here;
 * `npm run lint:manifests` runs kubeconform itself on them).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Ajv from 'ajv';
import { parseAllDocuments } from 'yaml';
import { withCrds } from '../../../schema-check/crds';
import { readOpenApi, servedByDefault, supportedMinors } from '../../../schema-check/schemas';
import { ensureSchemas, schemaFileName, standaloneSchemas } from '../kubeconform-schemas';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const with127 = withCrds(readOpenApi('1.27'), servedByDefault('1.27'), '1.27');
const schemas = standaloneSchemas(with127.doc, with127.served);

function docs(file: string): any[] {
  return parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS()).filter(Boolean);
}

// Compiling one of these large inlined schemas is the slow part: once per file.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
function validatorFor(obj: any) {
  const file = schemaFileName(obj.apiVersion, obj.kind);
  const schema = schemas.get(file);
  if (!schema) return undefined;
  // The k8s patterns are written for Go's RE2 and are plain enough for JS as well.
  if (!compiled.has(file)) compiled.set(file, ajv.compile(schema));
  return compiled.get(file)!;
}

function errorsOf(file: string): string[] {
  return docs(file).flatMap((obj) => {
    const validate = validatorFor(obj);
    if (!validate) return [`${obj.apiVersion} ${obj.kind}: no schema`];
    return validate(obj) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  });
}

test('file names follow kubeconform\'s {{ .ResourceKind }}{{ .KindSuffix }}.json', () => {
  expect(schemaFileName('apps/v1', 'Deployment')).toBe('deployment-apps-v1.json');
  expect(schemaFileName('v1', 'Service')).toBe('service-v1.json');
  expect(schemaFileName('networking.k8s.io/v1', 'NetworkPolicy')).toBe('networkpolicy-networking-v1.json');
  expect(schemaFileName('autoscaling/v2', 'HorizontalPodAutoscaler')).toBe('horizontalpodautoscaler-autoscaling-v2.json');
});

test('only served kinds get a file, and every $ref resolves inside its own file', () => {
  expect(schemas.has('deployment-apps-v1.json')).toBe(true);
  // Exists in the captured schema (alpha, all APIs enabled) but a default 1.27 server does not serve it.
  expect(schemas.has('validatingadmissionpolicy-admissionregistration-v1alpha1.json')).toBe(false);
  for (const [file, schema] of schemas) {
    const text = JSON.stringify(schema);
    for (const [, ref] of text.matchAll(/"\$ref":"([^"]*)"/g)) {
      expect(`${file}: ${ref}`).toMatch(/: #\/definitions\//);
      expect(schema.definitions?.[ref.slice('#/definitions/'.length)]).toBeDefined();
    }
  }
  // JSONSchemaProps refers to itself: kept once, locally, instead of inlined forever.
  const crd = schemas.get('customresourcedefinition-apiextensions-v1.json')!;
  expect(Object.keys(crd.definitions)).toEqual(['io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps']);
});

test('the synthesized manifests are valid (1.27 schemas)', () => {
  for (const env of ['dev', 'prod']) expect(errorsOf(path.join(ROOT, 'dist', `${env}.k8s.yaml`))).toEqual([]);
});

test('strict: every bad schema-check fixture is refused, the good one accepted', () => {
  const fixtures = path.join(ROOT, 'schema-check', 'fixtures');
  expect(errorsOf(path.join(fixtures, 'ok-deployment.yaml'))).toEqual([]);
  const bad = fs.readdirSync(fixtures).filter((f) => f.startsWith('bad-'));
  expect(bad.length).toBeGreaterThanOrEqual(10);
  for (const f of bad) expect([f, errorsOf(path.join(fixtures, f)).length > 0]).toEqual([f, true]);
  expect(errorsOf(path.join(fixtures, 'bad-misspelled-field.yaml'))).toContainEqual(expect.stringContaining('must NOT have additional properties'));
  expect(errorsOf(path.join(fixtures, 'bad-quantity.yaml')).join('\n')).toMatch(/resources\/limits\/memory must match pattern/);
});

test('a file is for its own apiVersion and kind only', () => {
  const validate = validatorFor({ apiVersion: 'apps/v1', kind: 'Deployment' })!;
  expect(validate({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'x' } })).toBe(false);
});

test('two types that would share a file are refused', () => {
  const def = (group: string) => ({ properties: { metadata: {} }, 'x-kubernetes-group-version-kind': [{ group, version: 'v1', kind: 'Thing' }] });
  const doc = { swagger: '2.0', definitions: { a: def('example.com'), b: def('example.org') } };
  expect(() => standaloneSchemas(doc)).toThrow('example.org/v1 Thing and example.com/v1 Thing both map to thing-example-v1.json');
});

test('generated once per content key, in kubeconform\'s folder layout', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kubeconform-schemas-'));
  try {
    const first = ensureSchemas(out);
    const folders = fs.readdirSync(first).sort();
    expect(folders).toEqual(supportedMinors().map((m) => `${JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas', `v${m}`, 'version.json'), 'utf8')).gitVersion}-standalone-strict`).sort());
    const marker = path.join(first, folders[0], 'deployment-apps-v1.json');
    fs.writeFileSync(marker, '{}'); // a second call must reuse the folder, not rewrite it
    expect(ensureSchemas(out)).toBe(first);
    expect(fs.readFileSync(marker, 'utf8')).toBe('{}');
    expect(fs.readdirSync(out)).toEqual([path.basename(first)]); // no temporary folder left
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}, 20000);
