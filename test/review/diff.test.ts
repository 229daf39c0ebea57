/**
 * npm run diff: the semantic diff on small fixture pairs, its output formats, the
 * revision mode in a throw-away repository, and --cluster with a fake kubectl.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../scripts/review/diff';
import { readManifests } from '../../scripts/review/manifests';
import { diffManifests, formatMarkdown, formatText } from '../../scripts/review/semantic-diff';

const root = path.resolve(__dirname, '..', '..');
const fixture = (f: string) => path.join(__dirname, 'fixtures', f);
let tmp: string;
beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-diff-test-')); });
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

// In-process: the CLI's whole behaviour but main(), without a node start per case.
const run = (args: string[], opts: { cwd?: string; kubectl?: string } = {}) => {
  let stdout = '';
  let stderr = '';
  const status = main(args, { cwd: opts.cwd ?? root, out: (s) => { stdout += s; }, err: (s) => { stderr += s; }, kubectl: opts.kubectl });
  return { status, stdout, stderr };
};

const files = () => [{ name: 'shop.yaml', objects: diffManifests(readManifests(fixture('old.yaml')), readManifests(fixture('new.yaml'))) }];

test('text: one line per field, lists keyed by name, added and removed objects', () => {
  expect(formatText(files())).toBe(`--- shop.yaml
- ConfigMap shop/going-away: removed
~ Deployment shop/web: spec.replicas: 2 -> 3
~ Deployment shop/web: spec.template.spec.containers[app].args: ["--port","8080"] -> ["--port","9090"]
~ Deployment shop/web: spec.template.spec.containers[app].env[B]: removed (was {"name":"B","value":"2"})
~ Deployment shop/web: spec.template.spec.containers[app].env[C]: added {"name":"C","value":"3"}
~ Deployment shop/web: spec.template.spec.containers[app].image: shop:1.0 -> shop:1.1
~ Deployment shop/web: spec.template.spec.containers (order): ["sidecar","app"] -> ["app","sidecar"]
~ Secret shop/creds: data.password: changed (value hidden)
~ Secret shop/creds: stringData: added (value hidden)
+ Service shop/web: added
2 changed, 1 added, 1 removed object(s).
`);
});

test('Secret values never reach the output, in either format, old or new, encoded or not', () => {
  const out = formatText(files()) + formatMarkdown(files());
  for (const secret of ['b2xkLXBhc3N3b3Jk', 'bmV3LXBhc3N3b3Jk', 'old-password', 'new-password', 's3cr3t-token-value', 'YWRtaW4=']) expect(out).not.toContain(secret);
  // A Secret whose data is removed or changed under another key is masked too.
  const [a] = readManifests(fixture('old.yaml')).filter((o) => o.kind === 'Secret');
  const b = { ...a, data: { other: 'c2VjcmV0' } };
  const text = formatText([{ name: 'x', objects: diffManifests([a], [b]) }]);
  expect(text).toContain('data.other: added (value hidden)');
  expect(text).toContain('data.password: removed (value hidden)');
  expect(text).not.toMatch(/c2VjcmV0|b2xk/);
});

test('markdown: a heading per file, a bullet per object, code spans that survive backticks', () => {
  const md = formatMarkdown(files(), 'Manifest changes (main -> working tree)');
  expect(md).toContain('### Manifest changes (main -> working tree)\n\n2 changed, 1 added, 1 removed object(s).\n\n#### `shop.yaml`\n');
  expect(md).toContain('- **changed** `Deployment shop/web`\n  - `spec.replicas`: `2` -> `3`\n');
  expect(md).toContain('- **added** `Service shop/web`\n');
  const [cm] = readManifests(fixture('old.yaml')).filter((o) => o.kind === 'ConfigMap');
  const tricky = formatMarkdown([{ name: 'x', objects: diffManifests([cm], [{ ...cm, data: { k: 'a`b' } }]) }]);
  expect(tricky).toContain('`` "a`b" ``');
});

test('a change shared by three or more objects is printed once, with their names', () => {
  const cms = ['a', 'b', 'c'].map((n) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, namespace: 'x', labels: { v: '1' } }, data: { k: n } }));
  const bumped = cms.map((c) => ({ ...c, metadata: { ...c.metadata, labels: { v: '2' } }, data: c.metadata.name === 'b' ? { k: 'B' } : c.data }));
  const f = [{ name: 'f', objects: diffManifests(cms, bumped) }];
  expect(formatText(f)).toBe('--- f\n~ ConfigMap x/b: data.k: b -> B\n~ 3 objects: metadata.labels.v: 1 -> 2 (ConfigMap x/a, ConfigMap x/b, ConfigMap x/c)\n3 changed, 0 added, 0 removed object(s).\n');
  expect(formatMarkdown(f)).toContain('- **changed** `ConfigMap x/b`\n  - `data.k`: `b` -> `B`\n- **changed in 3 objects**: `metadata.labels.v`: `1` -> `2`\n  <details><summary>objects</summary>`ConfigMap x/a`, `ConfigMap x/b`, `ConfigMap x/c`</details>\n');
  expect(formatText([{ name: 'f', objects: diffManifests(cms.slice(0, 2), bumped.slice(0, 2)) }])).toContain('~ ConfigMap x/a: metadata.labels.v: 1 -> 2\n');
});

test('npm run diff: identical inputs give "No differences." and exit 0 even with --exit-code', () => {
  // The one real process start: the script's entry point and npm wiring.
  const r = spawnSync('npm', ['run', '--silent', 'diff', '--', '--from', fixture('old.yaml'), '--to', fixture('old.yaml'), '--exit-code'], { cwd: root, encoding: 'utf8' });
  expect(r.stdout).toBe('No differences.\n');
  expect(r.status).toBe(0);
});

test('CLI: --exit-code gives 1 on differences; bad usage and bad files give 2 with a message', () => {
  const d = run(['--from', fixture('old.yaml'), '--to', fixture('new.yaml'), '--exit-code', '--format', 'markdown']);
  expect(d.status).toBe(1);
  expect(d.stdout).toContain('- **removed** `ConfigMap shop/going-away`');
  const cases: Array<[string[], RegExp]> = [
    [['--format', 'html'], /--format: "html"\. Allowed: text, markdown/],
    [['--from', fixture('old.yaml')], /--from and --to go together/],
    [['--frmo', 'x'], /unknown option "--frmo"/],
    [['HEAD', 'main'], /only one revision/],
    [['--cluster', 'HEAD'], /--cluster compares the live cluster/],
    [['--', '--context', 'x'], /need --cluster/],
    [['no-such-revision-xyz'], /"no-such-revision-xyz" is not a revision/],
    [['--from', fixture('old.yaml'), '--to', path.join(tmp, 'missing.yaml')], /ENOENT.*missing\.yaml/],
  ];
  for (const [args, message] of cases) {
    const r = run(args);
    expect({ args, status: r.status }).toEqual({ args, status: 2 });
    expect(r.stderr).toMatch(message);
  }
  fs.writeFileSync(path.join(tmp, 'bad.yaml'), 'kind: ConfigMap\nmetadata: {}\n');
  expect(run(['--from', path.join(tmp, 'bad.yaml'), '--to', fixture('old.yaml')]).stderr).toMatch(/bad\.yaml: document 1 is not a Kubernetes object/);
});

describe('in a repository', () => {
  const git = (...args: string[]) => spawnSync('git', args, { cwd: tmp, encoding: 'utf8' });
  beforeEach(() => {
    git('init', '-q');
    fs.mkdirSync(path.join(tmp, 'dist'));
    fs.copyFileSync(fixture('old.yaml'), path.join(tmp, 'dist', 'shop.k8s.yaml'));
    fs.copyFileSync(fixture('old.yaml'), path.join(tmp, 'dist', 'same.k8s.yaml'));
    git('add', '-A');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'old');
    fs.copyFileSync(fixture('new.yaml'), path.join(tmp, 'dist', 'shop.k8s.yaml'));
    fs.copyFileSync(fixture('new.yaml'), path.join(tmp, 'dist', 'new.k8s.yaml'));
  });

  test('default: the committed dist/ of HEAD against the working tree, per environment file', () => {
    const r = run([], { cwd: tmp });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--- dist/shop.k8s.yaml\n- ConfigMap shop/going-away: removed\n');
    // A new environment file: every object added. An unchanged one is not listed.
    expect(r.stdout).toContain('--- dist/new.k8s.yaml\n+ Deployment shop/web: added\n+ Namespace shop: added\n');
    expect(r.stdout).not.toContain('same.k8s.yaml');
    expect(run(['HEAD', '--env', 'same'], { cwd: tmp }).stdout).toBe('No differences.\n');
    expect(run(['--env', 'prod'], { cwd: tmp }).stderr).toContain('--env "prod": no dist/prod.k8s.yaml. Environments: new, same, shop');
  });

  test('--cluster runs kubectl diff --server-side per file and formats its output; exit codes kept apart', () => {
    const bin = path.join(tmp, 'bin');
    fs.mkdirSync(bin);
    const log = path.join(tmp, 'kubectl.log');
    // The fake reports a difference for shop.k8s.yaml only, as kubectl does (exit 1).
    fs.writeFileSync(path.join(bin, 'kubectl'), `#!/bin/sh
echo "$*" >> '${log}'
case "$*" in
  *shop.k8s.yaml) printf 'diff -u -N /tmp/LIVE/apps.v1.Deployment.shop.web /tmp/MERGED/apps.v1.Deployment.shop.web\\n-  replicas: 2\\n+  replicas: 3\\n'; exit 1;;
  *) exit 0;;
esac
`, { mode: 0o755 });
        // The fake is found on PATH, as the real one would be.
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath}`;
    let r: ReturnType<typeof run>;
    try {
      r = run(['--cluster', '--format', 'markdown', '--exit-code', '--', '--context', 'kind-refarch'], { cwd: tmp });
    } finally {
      process.env.PATH = savedPath;
    }
    expect(r.stderr).toBe('');
    expect(r.status).toBe(1);
    expect(fs.readFileSync(log, 'utf8').trim().split('\n')).toEqual(['new', 'same', 'shop'].map((e) => `diff --server-side --force-conflicts --context kind-refarch -f ${path.join(tmp, 'dist', `${e}.k8s.yaml`)}`));
    expect(r.stdout).toContain('#### `dist/same.k8s.yaml` vs the cluster\n\nNo differences.\n');
    expect(r.stdout).toContain('#### `dist/shop.k8s.yaml` vs the cluster\n\n```diff\ndiff -u -N /tmp/LIVE/apps.v1.Deployment.shop.web /tmp/MERGED/apps.v1.Deployment.shop.web\n-  replicas: 2\n+  replicas: 3\n```\n');
    const text = run(['--cluster', '--env', 'shop'], { cwd: tmp, kubectl: path.join(bin, 'kubectl') });
    expect(text.status).toBe(0);
    expect(text.stdout).toBe('--- cluster vs dist/shop.k8s.yaml\ndiff -u -N /tmp/LIVE/apps.v1.Deployment.shop.web /tmp/MERGED/apps.v1.Deployment.shop.web\n-  replicas: 2\n+  replicas: 3\n');
    // kubectl's own failure (exit > 1) is an error, not a difference.
    fs.writeFileSync(path.join(bin, 'kubectl'), '#!/bin/sh\necho "error: the server could not find the requested resource" >&2\nexit 2\n', { mode: 0o755 });
    const failed = run(['--cluster', '--env', 'shop'], { cwd: tmp, kubectl: path.join(bin, 'kubectl') });
    expect(failed.status).toBe(2);
    expect(failed.stderr).toContain('kubectl diff of dist/shop.k8s.yaml failed (exit 2):\nerror: the server could not find the requested resource');
    const missing = run(['--cluster'], { cwd: tmp, kubectl: path.join(tmp, 'no-kubectl') });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/could not run .*no-kubectl/);
  });
});
