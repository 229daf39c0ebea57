/**
 * Strict schema validation (validation/, `npm run check:schema`): every synthesized manifest
 * of every environment matches the API server schema of every supported minor, and the
 * validator really refuses what a strict API server refuses.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { serverVersion, supportedMinors } from '../schema-check/schemas';
import { main } from '../scripts/check-schema';
import { formatIssue, validateYaml, ValidationIssue } from '../schema-check/validator';
import { allVariants, find, Manifest } from './support';

const root = path.resolve(__dirname, '..');
const minors = supportedMinors();
const toYaml = (manifests: object[]) => manifests.map((m) => stringify(m)).join('---\n');
const report = (issues: ValidationIssue[]) => issues.map(formatIssue).join('\n');
const variants = allVariants(); // synthesized once for the whole file

test('schemas are committed for 1.27 and for the minor the local cluster runs', () => {
  const env = fs.readFileSync(path.join(root, 'cluster', 'versions.env'), 'utf8');
  const clusterMinor = /^K8S_VERSION=v(1\.\d+)\./m.exec(env)?.[1];
  expect(minors).toEqual(expect.arrayContaining(['1.27', clusterMinor]));
  for (const m of minors) expect(serverVersion(m).gitVersion).toMatch(new RegExp(`^v${m.replace('.', '\\.')}\\.\\d+$`));
});

describe.each(['dev.k8s.yaml', 'prod.k8s.yaml'])('committed dist/%s', (file) => {
  test('is valid against every supported minor, strictly', () => {
    const rel = `dist/${file}`;
    expect(report(validateYaml(rel, fs.readFileSync(path.join(root, rel), 'utf8')))).toBe('');
  });
});

test.each(variants)('every synthesized manifest of %s is valid against every supported minor', (name, manifests) => {
  expect(manifests.length).toBeGreaterThan(0);
  expect(report(validateYaml(`${name}.k8s.yaml`, toYaml(manifests)))).toBe('');
});

describe('the validator bites', () => {
  // Start from the real dev Deployment and break one thing at a time.
  const dev = variants.find(([name]) => name === 'dev')![1];
  const deployment = (): Manifest => structuredClone(find(dev, 'Deployment'));
  const container = (d: Manifest) => d.spec.template.spec.containers[0];
  const check = (broken: object) => validateYaml('fixtures/broken.yaml', toYaml([find(dev, 'Namespace'), broken]));

  const expectIssue = (issues: ValidationIssue[], expected: Partial<ValidationIssue>) => {
    expect(issues).toEqual([expect.objectContaining({ file: 'fixtures/broken.yaml', document: 1, k8s: minors, ...expected })]);
    expect(issues[0].line).toBeGreaterThan(1);
  };

  test('a misspelled field', () => {
    const d = deployment();
    const c = container(d);
    c.imagePulPolicy = c.imagePullPolicy;
    delete c.imagePullPolicy;
    const issues = check(d);
    expectIssue(issues, {
      kind: 'Deployment', name: 'guestbook', namespace: 'refarch-dev', apiVersion: 'apps/v1',
      path: 'spec.template.spec.containers[0].imagePulPolicy', message: 'unknown field "imagePulPolicy"',
    });
    expect(formatIssue(issues[0])).toMatch(/^fixtures\/broken\.yaml:\d+: Deployment guestbook \(namespace refarch-dev, apps\/v1\): spec\.template\.spec\.containers\[0\]\.imagePulPolicy: unknown field "imagePulPolicy" \[k8s 1\.27, /);
  });

  test('a misspelled field in metadata and at the top level', () => {
    const d = deployment();
    (d.metadata as any).label = { a: 'b' };
    d.sepc = {};
    expect(check(d).map((i) => `${i.path}: ${i.message}`)).toEqual(['metadata.label: unknown field "label"', 'sepc: unknown field "sepc"']);
  });

  test('a string where an integer belongs', () => {
    const d = deployment();
    container(d).ports[0].containerPort = '8080';
    expectIssue(check(d), {
      kind: 'Deployment', name: 'guestbook', path: 'spec.template.spec.containers[0].ports[0].containerPort',
      message: 'expected integer, got string "8080"',
    });
  });

  test('an integer out of int32 range', () => {
    const d = deployment();
    d.spec.revisionHistoryLimit = 2 ** 31;
    expectIssue(check(d), { path: 'spec.revisionHistoryLimit', message: expect.stringMatching(/^invalid int32 value 2147483648/) });
  });

  test('a missing required field', () => {
    const d = deployment();
    delete container(d).name;
    expectIssue(check(d), {
      kind: 'Deployment', name: 'guestbook', path: 'spec.template.spec.containers[0].name', message: 'missing required field "name"',
    });
    const s = deployment();
    delete s.spec.selector;
    expectIssue(check(s), { path: 'spec.selector', message: 'missing required field "selector"' });
  });

  test('a bad enum value', () => {
    const d = deployment();
    container(d).imagePullPolicy = 'Sometimes';
    expectIssue(check(d), {
      kind: 'Deployment', name: 'guestbook', path: 'spec.template.spec.containers[0].imagePullPolicy',
      message: 'unsupported value "Sometimes": must be one of "Always", "IfNotPresent", "Never"',
    });
  });

  test('int-or-string and quantity fields take what the API server takes, and nothing else', () => {
    const d = deployment();
    d.spec.strategy.rollingUpdate.maxSurge = '25%';
    d.spec.strategy.rollingUpdate.maxUnavailable = 0;
    container(d).resources.limits.cpu = 1; // a number is a valid quantity
    expect(check(d)).toEqual([]);
    d.spec.strategy.rollingUpdate.maxSurge = true;
    container(d).resources.limits.memory = '512MB';
    expect(check(d).map((i) => `${i.path}: ${i.message}`)).toEqual([
      'spec.strategy.rollingUpdate.maxSurge: expected string or integer, got boolean true',
      expect.stringMatching(/^spec\.template\.spec\.containers\[0\]\.resources\.limits\.memory: invalid quantity value "512MB"/),
    ]);
  });

  test('Secret data must be base64', () => {
    const secret = structuredClone(find(dev, 'Secret'));
    secret.data = { password: 'not base64!' };
    expectIssue(check(secret), { kind: 'Secret', path: 'data.password', message: 'invalid byte value "not base64!" (must be standard base64)' });
  });

  test('an apiVersion the server does not serve, and one only served with --runtime-config', () => {
    const pdb = structuredClone(find(dev, 'PodDisruptionBudget'));
    pdb.apiVersion = 'policy/v1beta1';
    expectIssue(check(pdb), { kind: 'PodDisruptionBudget', path: '', message: expect.stringContaining('does not serve kind PodDisruptionBudget in apiVersion policy/v1beta1 (it does in policy/v1)') });
    const vap = { apiVersion: 'admissionregistration.k8s.io/v1alpha1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'x' }, spec: {} };
    const issues = validateYaml('fixtures/alpha.yaml', toYaml([vap]), { minors: ['1.27'] });
    expect(issues.map((i) => i.message)).toEqual([expect.stringContaining('not served by a Kubernetes 1.27 API server with default flags')]);
    expect(validateYaml('fixtures/alpha.yaml', toYaml([vap]), { minors: ['1.27'], allApis: true })).toEqual([]);
  });

  test('YAML that is not a Kubernetes object', () => {
    expect(validateYaml('x.yaml', 'kind: Service\nmetadata: {name: a}\n').map((i) => i.message)).toEqual(['missing required field "apiVersion"']);
    expect(validateYaml('x.yaml', 'a: [1\n')[0].message).toMatch(/^YAML error/);
  });
});

// The same files schemas/crosscheck.sh dry-runs against real 1.27 and 1.35 API servers.
const fixtures = fs.readdirSync(path.join(root, 'schema-check', 'fixtures')).filter((f) => f.endsWith('.yaml'));
test.each(fixtures)('schema-check/fixtures/%s is refused (bad-*) or accepted (ok-*) under every minor', (name) => {
  const file = `schema-check/fixtures/${name}`;
  const issues = validateYaml(file, fs.readFileSync(path.join(root, file), 'utf8'));
  if (name.startsWith('ok-')) {
    expect(report(issues)).toBe('');
  } else {
    expect(issues.length).toBeGreaterThan(0);
    expect(new Set(issues.flatMap((i) => i.k8s))).toEqual(new Set(minors));
    for (const i of issues) expect(i).toEqual(expect.objectContaining({ file, kind: expect.any(String), name: name.replace(/\.yaml$/, '') }));
  }
});

describe('npm run check:schema', () => {
  let tmp: string;
  let broken: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-validate-'));
    broken = path.join(tmp, 'broken.yaml');
    fs.writeFileSync(broken, 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: "80"\n');
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** The command in-process (its output and exit status), so only one test pays for a child process. */
  const runInProcess = (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((...a) => { out.push(a.join(' ')); });
    const error = jest.spyOn(console, 'error').mockImplementation((...a) => { err.push(a.join(' ')); });
    try {
      return { status: main(args), stdout: out.join('\n'), stderr: err.join('\n') };
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  };

  test('a YAML alias bomb is one problem naming the file and document, found in bounded time', () => {
    const bomb = path.join(tmp, 'bomb.yaml');
    const level = (name: string, of: string) => `${name}: &${name} [${Array(9).fill(`*${of}`).join(', ')}]\n`;
    fs.writeFileSync(bomb, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\na: &a [x, x, x, x, x, x, x, x, x]\n${level('b', 'a')}${level('c', 'b')}${level('d', 'c')}${level('e', 'd')}${level('f', 'e')}`);
    const r = runInProcess([bomb]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`${bomb}: document 1: YAML error: its YAML aliases (*name) expand to more than 100 times the nodes they name, as in an alias bomb`);
  });

  test('exits 0 on dist/ (the default) with a summary', () => {
    const ok = runInProcess([]);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/^OK: \d+ object\(s\) in 2 file\(s\) against Kubernetes 1\.27 \(v1\.27\.\d+\), .*all valid \(strict\)$/);
    expect(ok.status).toBe(0);
  });

  test('exits 2 on an unknown minor or a missing path', () => {
    expect(runInProcess(['--k8s', '1.99'])).toEqual(expect.objectContaining({ status: 2, stderr: expect.stringContaining('no captured schema for Kubernetes 1.99; supported: 1.27') }));
    expect(runInProcess([path.join(tmp, 'missing.yaml')]).status).toBe(2);
  });

  test('as a process: exits 1 with one readable line per problem', () => {
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/check-schema.ts', '--k8s', '1.27', broken, 'dist/dev.k8s.yaml'], { cwd: root, encoding: 'utf8' });
    expect(bad.stdout).toContain(`${broken}:7: Service web (v1): spec.ports[0].port: expected integer, got string "80" [k8s 1.27]`);
    expect(bad.stdout).toMatch(/FAIL: 1 problem\(s\) in 1\d object\(s\) in 2 file\(s\) against Kubernetes 1\.27 \(v1\.27\.\d+\)/);
    expect(bad.status).toBe(1);
  });
});
