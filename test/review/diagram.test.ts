/**
 * npm run diagram: the graphs are derived from the manifests (checked on a hand-written
 * fixture), in two views (the request path, and what each workload reads), and the
 * committed docs/architecture-<env>.svg and -config.svg equal a fresh render.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { architectureDot, shortDigest, shortImage } from '../../scripts/review/architecture';
import { readManifests } from '../../scripts/review/manifests';

const root = path.resolve(__dirname, '..', '..');
let tmp: string;
beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-diagram-test-')); });
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Rendering runs the WebAssembly Graphviz, an ES module jest cannot load: run the script.
const diagram = (args: string[]) => new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
  const p = spawn(process.execPath, ['--import', 'tsx', 'scripts/review/diagram.ts', ...args], { cwd: root });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d) => { stdout += d; });
  p.stderr.on('data', (d) => { stderr += d; });
  p.on('close', (status) => resolve({ status, stdout, stderr }));
});

/** The edges of a DOT graph as `from -> to [label]`, without styling. */
function edges(dot: string): string[] {
  return [...dot.matchAll(/^ {2}"([^"]+)" -> "([^"]+)" \[([^\n]*)\];$/gm)].map(([, a, b, attrs]) => `${a} -> ${b}${/label="([^"]*)"/.exec(attrs) ? ` [${/label="([^"]*)"/.exec(attrs)![1]}]` : ''}`).sort();
}

const fixture = () => readManifests(path.join(__dirname, 'fixtures', 'topology.yaml'));

test('traffic view: the request path, storage and allowed connections, from the manifests; no configuration arrow', () => {
  const dot = architectureDot(fixture(), 'fixture');
  expect(edges(dot)).toEqual([
    'Deployment/shop/api -> StatefulSet/shop/db [5432/TCP]',
    'Deployment/shop/api -> external/cidr/10.0.0.0/8 [all ports]',
    'Deployment/shop/api -> external/ns/namespace kube-system/pods k8s-app=kube-dns [53/UDP+TCP]',
    'Ingress/shop/api -> Service/shop/api [/api → :http]',
    'Service/shop/api -> Deployment/shop/api [→ http]',
    'Service/shop/db-peers -> StatefulSet/shop/db [→ 5432 (pod DNS)]',
    'StatefulSet/shop/db -> StatefulSet/shop/db/claim/data [/data]',
    'external/ns/namespace ingress-system/pods app.kubernetes.io/name=traefik -> Deployment/shop/api [8000/TCP]',
  ]);
  // HPA replaces the replica count; PDB, image, ports and a count of what the pods read are written on the workload.
  expect(dot).toMatch(/"Deployment\/shop\/api" \[label=<.*HPA api: 2–6 replicas at 60% CPU.*PDB api: minAvailable 1.*api:2\.0.*port :8000 http.*reads 1 ConfigMap, 2 Secrets/);
  expect(dot).not.toMatch(/4 replicas/);
  expect(dot).toMatch(/"StatefulSet\/shop\/db" \[label=<.*3 replicas/);
  expect(dot).toMatch(/data-db-N.*5Gi ReadWriteOnce/);
  // Objects drawn nowhere else are listed; configuration objects are the other view's.
  expect(dot).toMatch(/also in the namespace.*Role reader/);
  expect(dot).not.toMatch(/"(ConfigMap|Secret|ServiceAccount)\/|style=dotted/);
  expect(dot).toContain('pod security: baseline · default deny: ingress');
});

test('configuration view: each workload in a box of its own with what its pods read (env, envFrom, files, identity)', () => {
  const dot = architectureDot(fixture(), 'fixture', 'configuration');
  expect(edges(dot)).toEqual([
    'ConfigMap/shop/settings@Deployment/shop/api -> Deployment/shop/api [envFrom]',
    'Secret/shop/api-tls@Deployment/shop/api -> Deployment/shop/api [file]',
    'Secret/shop/api-token@Deployment/shop/api -> Deployment/shop/api [env TOKEN]',
    'ServiceAccount/shop/api@Deployment/shop/api -> Deployment/shop/api',
  ]);
  expect(dot).toContain('subgraph "cluster_Deployment/shop/api" {');
  // A referenced but unrendered Secret is dashed.
  expect(dot).toMatch(/"Secret\/shop\/api-token@Deployment\/shop\/api" \[label=<.*created out of band.*style="rounded,filled,dashed"\]/);
  expect(dot).not.toMatch(/Ingress|Service\/shop|style=dashed, label/);
});

test('a policy for every pod of a namespace is a line under its name, not an arrow from each workload', () => {
  const dns = {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-dns', namespace: 'shop' },
    spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }] }] },
  };
  const dot = architectureDot([...fixture(), dns], 'fixture');
  expect(dot).toContain('every pod → namespace kube-system pods k8s-app=kube-dns: 53/UDP');
  expect(edges(dot).filter((e) => e.endsWith('[53/UDP]'))).toEqual([]);
});

test('image digests are shortened to 8 hex digits and images to their last path segment; a tag or a short digest stays as it is', () => {
  const digest = 'e62fbf9d3e2b49816a32c400ed2dba83e3b361e6833e624024309c35d334b412';
  expect(shortDigest(`docker.io/library/postgres:16.4-bookworm@sha256:${digest}`)).toBe('docker.io/library/postgres:16.4-bookworm@sha256:e62fbf9d…');
  expect(shortDigest('postgres:16.4-bookworm')).toBe('postgres:16.4-bookworm');
  expect(shortDigest('app@sha256:e62fbf9d')).toBe('app@sha256:e62fbf9d');
  expect(shortImage(`docker.io/library/postgres:16.4-bookworm@sha256:${digest}`)).toBe('postgres:16.4-bookworm@sha256:e62fbf9d…');
  expect(shortImage('registry.example.com:5000/team/app:1.2')).toBe('app:1.2');
  expect(fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'architecture-prod.svg'), 'utf8')).not.toContain(digest);
});

test('the same manifests in another order give the same graph', () => {
  const objs = readManifests(path.join(__dirname, 'fixtures', 'topology.yaml'));
  expect(architectureDot([...objs].reverse(), 'x')).toBe(architectureDot(objs, 'x'));
  expect(architectureDot([...objs].reverse(), 'x', 'configuration')).toBe(architectureDot(objs, 'x', 'configuration'));
});

test('docs/architecture-<env>.svg and -config.svg are up to date with dist/ (if this fails: `npm run generate`, commit), and --check catches stale and orphan SVGs', async () => {
  // One run (each loads the WebAssembly Graphviz) checks both: a copy of dist/ plus a third
  // environment, against a copy of docs/ whose third SVG is another environment's picture
  // and which has an SVG of no environment. Exactly those two are reported: dev's and
  // prod's committed SVGs equal a fresh render of dist/.
  const dist = path.join(tmp, 'dist');
  const docs = path.join(tmp, 'docs');
  fs.mkdirSync(dist);
  fs.mkdirSync(docs);
  const envs = fs.readdirSync(path.join(root, 'dist')).filter((f) => f.endsWith('.k8s.yaml')).map((f) => f.replace('.k8s.yaml', '')).sort();
  expect(envs).toEqual(['dev', 'prod']);
  for (const env of envs) fs.copyFileSync(path.join(root, 'dist', `${env}.k8s.yaml`), path.join(dist, `${env}.k8s.yaml`));
  fs.copyFileSync(path.join(root, 'dist', 'dev.k8s.yaml'), path.join(dist, 'stage.k8s.yaml'));
  for (const f of fs.readdirSync(path.join(root, 'docs')).filter((x) => x.startsWith('architecture-'))) fs.copyFileSync(path.join(root, 'docs', f), path.join(docs, f));
  expect(fs.readdirSync(docs).sort()).toEqual(['architecture-dev-config.svg', 'architecture-dev.svg', 'architecture-prod-config.svg', 'architecture-prod.svg']);
  fs.copyFileSync(path.join(docs, 'architecture-dev.svg'), path.join(docs, 'architecture-stage.svg')); // titled dev: stale for stage
  fs.copyFileSync(path.join(docs, 'architecture-dev-config.svg'), path.join(docs, 'architecture-stage-config.svg'));
  fs.writeFileSync(path.join(docs, 'architecture-gone.svg'), '<svg/>');
  const checked = await diagram(['--check', '--dist', dist, '--docs', docs]);
  const shown = path.relative(root, docs);
  expect(checked.stderr).toBe(`diagram: out of date: ${shown}/architecture-stage.svg, ${shown}/architecture-stage-config.svg, ${shown}/architecture-gone.svg (no such environment). Run \`npm run generate\` and commit.\n`);
  expect(checked.status).toBe(1);
}, 60_000);
