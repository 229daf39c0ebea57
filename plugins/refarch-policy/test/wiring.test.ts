/**
 * The plugin on the reference architecture and in its two uses: as a cdk8s CLI validation
 * plugin (a cdk8s.yaml `validations:` entry, as a project of your own would use it) and
 * as the policy step of this project's synth pipeline (scripts/synth/render.ts), which
 * every entry point runs (test/entry-points.test.ts).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as CliValidation from 'cdk8s-cli/lib/plugins/validation';
import {
  EXTERNAL_SECRETS_ANNOTATION, RULES, RefArchPolicy, checkPolicy, checkPolicyFolder, formatResult, readManifestFolder, rulesTable, withRulesTable,
} from '..';
import { GROUPS } from '../src/groups';
import { ObjectIndex, podTemplateOf } from '../src/objects';
import { loadRules } from '../src/registry';
import { EXTERNAL_SECRETS_ANNOTATION as LIB_EXTERNAL_SECRETS_ANNOTATION } from '../../../lib/app-config';
import { environments } from '../../../config/environments';
import { synthEnvironment } from '../../../test/support';

const root = path.resolve(__dirname, '..', '..', '..');
// The CLI's own ValidationContext/ValidationReport, loaded by path (its package exports hide lib/).
const { ValidationContext }: typeof CliValidation = require(path.join(root, 'node_modules', 'cdk8s-cli', 'lib', 'plugins', 'validation.js'));
let tmp: string;
beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-policy-')); });
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The committed dev manifests, parsed. */
const devObjects = () => readManifestFolder(path.join(root, 'dist')).find((f) => f.file.endsWith('dev.k8s.yaml'))!.objects as any[];
const byKindName = (objects: any[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

describe('the reference architecture', () => {
  test('every environment in dist/ reports zero violations and switches off exactly the two documented exceptions of Patroni', () => {
    const result = checkPolicyFolder(path.join(root, 'dist'), 'dist');
    expect(result.violations).toEqual([]);
    // docs/data-tier.md, "Least privilege": Patroni's members are the only pods with an API
    // token, and postgres-read selects the role label Patroni sets at run time. Nothing else.
    expect(result.skipped.map((k: any) => `${k.file} ${k.kind}/${k.name} ${k.rule}`).sort()).toEqual([
      'dist/prod.k8s.yaml Service/postgres-read service-selector',
      'dist/prod.k8s.yaml StatefulSet/postgres automount-service-account-token',
    ]);
    expect(formatResult(result)).toMatch(/refarch-policy: 0 violations, 2 rules switched off by annotation\.$/);
    expect(fs.readdirSync(path.join(root, 'dist')).filter((f) => f.endsWith('.k8s.yaml')).sort()).toEqual(Object.keys(environments({})).map((e) => `${e}.k8s.yaml`).sort());
  });

  // Fresh synths of every environment and variant: test/integrity.test.ts.

  test('prod passes only because its workloads declare the out-of-band Secret', () => {
    const prod = synthEnvironment('prod');
    for (const o of prod) if (o.metadata.annotations) delete o.metadata.annotations[EXTERNAL_SECRETS_ANNOTATION];
    const violations = checkPolicy([{ file: 'prod.k8s.yaml', objects: prod }]).violations;
    expect([...new Set(violations.map((v) => v.rule))]).toEqual(['config-reference']);
    // Every workload that reads an out-of-band Secret (credentials, or the database's TLS Secret), and only those.
    expect([...new Set(violations.map((v) => `${v.kind}/${v.name}`))].sort()).toEqual([
      'CronJob/postgres-backup', 'CronJob/postgres-backup-restore', 'Deployment/guestbook', 'StatefulSet/postgres',
    ]);
    expect(violations.map((v) => `${v.kind}/${v.name} ${v.path}`)).toEqual(expect.arrayContaining([
      'Deployment/guestbook spec.template.spec.volumes[1].secret',
      'StatefulSet/postgres spec.template.spec.volumes[2].secret',
    ]));
  });

  test('lib/ and the plugin agree on the external-secrets annotation', () => {
    expect(LIB_EXTERNAL_SECRETS_ANNOTATION).toBe(EXTERNAL_SECRETS_ANNOTATION);
  });
});

describe('skip annotations', () => {
  test('switch one rule off for one object, and are listed with their reason', () => {
    const objects = devObjects();
    const web = byKindName(objects, 'Deployment', 'guestbook');
    web.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
    web.metadata.annotations = { 'refarch.example.com/skip-read-only-root-filesystem': 'the image writes its cache under /var/cache' };
    const pg = byKindName(objects, 'StatefulSet', 'postgres');
    pg.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false; // not switched off here

    const result = checkPolicy([{ file: 'dist/dev.k8s.yaml', objects }]);
    expect(result.violations.map((v) => `${v.rule} ${v.kind}/${v.name}`)).toEqual(['read-only-root-filesystem StatefulSet/postgres']);
    expect(result.skipped).toEqual([{
      rule: 'read-only-root-filesystem', file: 'dist/dev.k8s.yaml', kind: 'Deployment', name: 'guestbook', namespace: 'refarch-dev',
      reason: 'the image writes its cache under /var/cache', suppressed: 1,
    }]);
    expect(formatResult(result)).toContain('dist/dev.k8s.yaml: Deployment refarch-dev/guestbook: read-only-root-filesystem switched off (suppresses 1 violation): the image writes its cache under /var/cache');
  });

  test('an empty reason is a violation, and the rule stays on', () => {
    const objects = devObjects();
    const web = byKindName(objects, 'Deployment', 'guestbook');
    web.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
    web.metadata.annotations = { 'refarch.example.com/skip-read-only-root-filesystem': '' };
    const result = checkPolicy([{ file: 'dist/dev.k8s.yaml', objects }]);
    expect(result.violations.map((v) => `${v.rule}: ${v.message}`)).toEqual([
      'read-only-root-filesystem: Container "web" does not set readOnlyRootFilesystem: true.',
      'skip-annotation: Switches off "read-only-root-filesystem" without a reason; the rule stays on.',
    ]);
    expect(result.skipped).toEqual([]);
  });

  test('an annotation that suppresses nothing is still listed', () => {
    const objects = devObjects();
    byKindName(objects, 'Service', 'guestbook').metadata.annotations = { 'refarch.example.com/skip-service-selector': 'endpoints come from a mesh' };
    const result = checkPolicy([{ file: 'dev.k8s.yaml', objects }]);
    expect(result.violations).toEqual([]);
    expect(result.skipped.map((s) => [s.rule, s.suppressed])).toEqual([['service-selector', 0]]);
  });
});

describe('the cdk8s CLI plugin', () => {
  const runPlugin = async (files: string[]) => {
    const context = new ValidationContext(files, './plugins/refarch-policy', '0.1.0', {}, false);
    await new RefArchPolicy({}).validate(context);
    return context.report.toJson();
  };

  test('passes the committed manifests', async () => {
    const report = await runPlugin([path.join(root, 'dist', 'dev.k8s.yaml'), path.join(root, 'dist', 'prod.k8s.yaml')]);
    expect(report.summary.status).toBe('success');
    expect(report.violations).toEqual([]);
    expect(report.summary.metadata).toMatchObject({ 'Violations': '0', 'Switched off': '2' }); // Patroni's two documented exceptions (above)
  });

  test('fails with file, object, field path and fix, and lists switched-off rules in the summary', async () => {
    const objects = devObjects();
    const web = byKindName(objects, 'Deployment', 'guestbook');
    web.spec.template.spec.containers[0].image = 'refarch-guestbook:latest';
    web.spec.template.spec.hostNetwork = true;
    web.metadata.annotations = { 'refarch.example.com/skip-pss-host-namespaces': 'test: host networking on purpose' };
    const file = path.join(tmp, 'dev.k8s.yaml');
    fs.writeFileSync(file, objects.map((o) => JSON.stringify(o)).join('\n---\n'));

    const report = await runPlugin([file]);
    expect(report.summary.status).toBe('failure');
    expect(report.violations).toEqual([{
      ruleName: 'image-tag',
      recommendation: expect.stringContaining('latest'),
      fix: expect.stringContaining('Pin the image'),
      violatingConstructs: [{
        resourceName: 'Deployment refarch-dev/guestbook',
        manifestPath: file,
        constructPath: undefined,
        locations: ['spec.template.spec.containers[0].image: Container "web": image "refarch-guestbook:latest" uses the latest tag.'],
      }],
    }]);
    expect(report.summary.metadata).toMatchObject({
      'Violations': '1',
      'Switched off': '1',
      'Switched off #1': `pss-host-namespaces on Deployment refarch-dev/guestbook (${file}), suppressed 1: test: host networking on purpose`,
    });
  });
});

describe('entry points', () => {
  const cdk8s = path.join(root, 'node_modules', '.bin', 'cdk8s');
  const env = { ...process.env, CDK8S_CHECK_UPGRADE: 'false', DB_PASSWORD: '' };

  test('cdk8s synth loads the plugin from a cdk8s.yaml `validations:` entry and fails on a violation (exit 2)', () => {
    const bad = devObjects();
    bad[0].metadata.annotations = { 'refarch.example.com/skip-no-such-rule': 'x' }; // one violation, no rule off
    const badFile = path.join(tmp, 'bad.yaml');
    fs.writeFileSync(badFile, bad.map((o) => JSON.stringify(o)).join('\n---\n'));
    // A project of its own: an app that writes the bad file, and the plugin by its (absolute) local path.
    fs.writeFileSync(path.join(tmp, 'cdk8s.yaml'), [
      'language: typescript',
      `app: mkdir -p "$CDK8S_OUTDIR" && cp ${JSON.stringify(badFile)} "$CDK8S_OUTDIR/dev.k8s.yaml"`,
      'validations:',
      `  - package: ${path.join(root, 'plugins', 'refarch-policy')}`,
      '    version: 0.1.0',
      '    class: RefArchPolicy',
      '',
    ].join('\n'));
    const out = path.join(tmp, 'out');
    const result = spawnSync(cdk8s, ['synth', '--check-upgrade=false', '--output', out], { cwd: tmp, env, encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stdout).toContain('Validation Report (');
    expect(result.stdout).toContain('skip-annotation (1 occurrences)');
    expect(result.stdout).toContain(`Manifest Path: ${out}/dev.k8s.yaml`);
    expect(result.stdout).toContain('Resource Name: Namespace refarch-dev\n');
    expect(result.stdout).toContain('metadata.annotations["refarch.example.com/skip-no-such-rule"]: "no-such-rule" is not a rule that can be switched off.');
    expect(result.stderr).toContain('Validation failed');
  }, 60_000);

  test('npm run synth fails on a violation and leaves the output untouched', () => {
    const out = path.join(tmp, 'dist');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'dev.k8s.yaml'), 'previous output\n');
    // A value the constructs accept (any title), but that looks like an AWS key in a ConfigMap.
    // scripts/synth-fast.js is what `npm run synth` runs (package.json): the cached bundle of scripts/synth.ts.
    const result = spawnSync(process.execPath, ['scripts/synth-fast.js', '--out', out, '--set', 'dev.web.title=AKIAIOSFODNN7EXAMPLE'], {
      cwd: root, env, encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`synth failed: manifest checks failed:\n${out}/dev.k8s.yaml: ConfigMap refarch-dev/guestbook-config: data.APP_TITLE: ConfigMap key APP_TITLE holds a literal value, and its value looks like an AWS access key id. [no-literal-secrets]`);
    expect(result.stderr).toContain('Nothing was written; the previous output is unchanged.');
    expect(fs.readdirSync(tmp)).toEqual(['dist']);
    expect(fs.readFileSync(path.join(out, 'dev.k8s.yaml'), 'utf8')).toBe('previous output\n');
  }, 60_000);
});

test.each(['plugins/refarch-policy/README.md', 'docs/quality-gates.md'])('the rules table in %s is the rule catalog (if this fails: `npm run generate`, commit)', (file) => {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  expect(text).toBe(withRulesTable(text, file));
  expect(text).toContain(rulesTable());
});

test('the table test bites: a page whose table lost a row, or has no markers, differs', () => {
  const text = fs.readFileSync(path.join(root, 'docs', 'quality-gates.md'), 'utf8');
  const withoutRow = text.replace(/^\| `pss-seccomp` .*\n/m, '');
  expect(withoutRow).not.toBe(text);
  expect(withRulesTable(withoutRow, 'docs/quality-gates.md')).toBe(text);
  expect(() => withRulesTable('# no table here\n', 'other.md')).toThrow('other.md: no rules table markers');
});

describe('the rule registry', () => {
  const rulesDir = path.join(root, 'plugins', 'refarch-policy', 'src', 'rules');
  /** The example of the plugin README's "Adding a rule", as written there. */
  const readmeExample = () => {
    const readme = fs.readFileSync(path.join(root, 'plugins', 'refarch-policy', 'README.md'), 'utf8');
    const code = /## Adding a rule[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)![1];
    return code.replace(/^ {3}/gm, '').replace(/require\('\.\.\//g, `require('${rulesDir}/../`);
  };

  test('loads the README\'s example rule from a folder, and the rule works', () => {
    fs.writeFileSync(path.join(tmp, 'image-pull-policy.js'), readmeExample());
    const [rule] = loadRules(tmp);
    expect(rule).toMatchObject({ id: 'image-pull-policy', group: 'Workload hygiene', kinds: ['PodTemplate'] });
    const web = byKindName(devObjects(), 'Deployment', 'guestbook');
    web.spec.template.spec.containers[0].imagePullPolicy = 'Always';
    const found: string[] = [];
    rule.check({ file: 'f', obj: web, kind: 'Deployment', name: 'guestbook', namespace: 'refarch-dev', template: podTemplateOf(web) }, {
      index: new ObjectIndex([]), ruleIds: new Set(), report: (at: string, message: string) => found.push(`${at}: ${message}`),
    });
    expect(found).toEqual(['spec.template.spec.containers[0].imagePullPolicy: Container "web" always pulls.']);
  });

  test('refuses a rule module whose id is not its file name, or that lacks a field', () => {
    fs.writeFileSync(path.join(tmp, 'my-rule.js'), "module.exports = { id: 'other', group: 'Nope', reason: 'r', fix: '', kinds: [], check: 1 };");
    expect(() => loadRules(tmp)).toThrow(`refarch-policy: rule module ${tmp}/my-rule.js: id "other" does not match its file name; group "Nope" is not one of Pod Security (restricted), Workload hygiene, References, Annotations; no fix; no kinds; no check function.`);
  });

  test('every rule file of src/rules/ is in the catalog (stale src/rule-index.js: run `npm run generate`), in group order', () => {
    expect(RULES.map((r) => `${r.id}.js`).sort()).toEqual(fs.readdirSync(rulesDir).sort());
    const groups = RULES.map((r) => r.group);
    expect(groups).toEqual([...groups].sort((a, b) => GROUPS.indexOf(a) - GROUPS.indexOf(b)));
  });
});
