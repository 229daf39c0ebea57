/**
 * Helpers for tests: synthesize charts to plain manifest objects and look them up.
 */
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { environments } from '../config/environments';
import { ReferenceArchitecture, ReferenceArchitectureProps } from '../lib/reference-architecture';

/** A synthesized Kubernetes object, as it appears in the YAML. */
export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [key: string]: any };

/**
 * A cdk8s app for tests. Testing.app() makes a fresh temporary output folder per call and
 * never removes it; Testing.synth() writes nothing, so the folder named here is never created.
 */
export function testApp(): App {
  return Testing.app({ outdir: path.join(os.tmpdir(), 'refarch-tests-never-written') });
}

/** Environments as committed, independent of the caller's DB_PASSWORD. */
export function committedEnvironments(): Record<string, ReferenceArchitectureProps> {
  return environments({});
}

/** Synthesizes one environment (optionally changed) to its manifests. */
export function synthEnvironment(name: string, change: (p: ReferenceArchitectureProps) => ReferenceArchitectureProps = (p) => p): Manifest[] {
  const props = committedEnvironments()[name];
  if (!props) throw new Error(`no environment ${name}`);
  return Testing.synth(new ReferenceArchitecture(testApp(), name, change(props))) as Manifest[];
}

/** Synthesizes whatever a test builds inside a fresh chart. */
export function synthIn(build: (chart: Chart) => void): Manifest[] {
  const chart = new Chart(testApp(), 'test');
  build(chart);
  return Testing.synth(chart) as Manifest[];
}

export function find(manifests: Manifest[], kind: string, name?: string): Manifest {
  const hit = manifests.find((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  if (!hit) throw new Error(`no ${kind}${name ? ` named ${name}` : ''} among: ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')}`);
  return hit;
}

export function all(manifests: Manifest[], kind: string): Manifest[] {
  return manifests.filter((m) => m.kind === kind);
}

/** The pod template of a workload manifest (a CronJob's is in its jobTemplate). */
export function podTemplate(m: Manifest): any {
  return m.kind === 'CronJob' ? m.spec.jobTemplate.spec.template : m.spec.template;
}

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet', 'CronJob'];
/** Workloads whose pods run to completion: no probes, no PodDisruptionBudget. */
export const RUN_TO_COMPLETION_KINDS = ['Job', 'CronJob'];

/** dev with everything of the data tier on: standbys, TLS and backups (what the e2e suite applies). */
export function fullDataTier(p: ReferenceArchitectureProps): ReferenceArchitectureProps {
  return {
    ...p,
    database: { ...p.database, image: 'refarch.local/postgresql-patroni:17-trixie', replicas: 3, tls: { secretName: 'postgres-tls' }, backup: { keep: 3 } },
    credentials: { ...p.credentials, replicationPassword: 'test-replication-password', superuserPassword: 'test-superuser-password' },
  };
}

/**
 * Variants of an environment that exercise other modes of the constructs: each is checked
 * by every whole-output test (policy plugin, schema check, integrity). One line each.
 */
const VARIANTS: ReadonlyArray<[name: string, environment: string, change: (p: ReferenceArchitectureProps) => ReferenceArchitectureProps]> = [
  ['dev (external database)', 'dev', (p) => ({ ...p, database: { mode: 'external', externalHost: 'db.example.com', name: 'guestbook', user: 'guestbook' } })],
  ['prod (external database)', 'prod', (p) => ({ ...p, database: { mode: 'external', externalHost: 'db.example.com', name: 'guestbook', user: 'guestbook' } })],
  ['dev (3 replicas, TLS, backups)', 'dev', fullDataTier],
  ['dev (NodePort, no ingress)', 'dev', (p) => ({ ...p, web: { ...p.web, serviceType: 'NodePort', nodePort: 30080 }, ingress: { enabled: false } })],
  ['dev (LoadBalancer, no front door)', 'dev', (p) => ({ ...p, web: { ...p.web, serviceType: 'LoadBalancer' }, ingress: { enabled: false } })],
  ['dev (Ingress and Gateway API at once, as during a migration)', 'dev', (p) => ({ ...p, gateway: { enabled: true } })],
  ['dev (HTTPRoute on a shared Gateway)', 'dev', (p) => ({ ...p, ingress: { enabled: false }, gateway: { enabled: true, existingGateway: { namespace: 'gateways', name: 'shared', sectionName: 'https' } } })],
];

/**
 * Each variant of {@link VARIANTS} as an environment of its own (`variant-1`, ...), in a
 * namespace of its own (one app refuses two objects of one name), for code that takes definitions.
 */
export function variantEnvironments(): Record<string, ReferenceArchitectureProps> {
  const committed = committedEnvironments();
  return Object.fromEntries(VARIANTS.map(([, env, change], i) => [`variant-${i + 1}`, { ...change(committed[env]), namespace: `refarch-variant-${i + 1}` }]));
}

/** Every committed environment, then every variant of {@link VARIANTS}, synthesized. */
export function allVariants(): Array<[string, Manifest[]]> {
  return [
    ...Object.keys(committedEnvironments()).map((n): [string, Manifest[]] => [n, synthEnvironment(n)]),
    ...VARIANTS.map(([name, env, change]): [string, Manifest[]] => [name, synthEnvironment(env, change)]),
  ];
}

/**
 * A successful synth's stderr without the policy plugin's report of the rules prod switches
 * off by annotation (Patroni's documented exceptions: its API token and postgres-read's
 * run-time label; plugins/refarch-policy/test/wiring.test.ts pins exactly which). What is
 * left must be empty: anything else a successful synth prints is a finding.
 */
export function withoutSkipReport(stderr: string): string {
  return stderr.split('\n').filter((l) => !/: [A-Za-z]+ [a-z0-9.-]+\/[a-z0-9.-]+: [a-z0-9-]+ switched off \(suppresses \d+ violations?\): /.test(l)
    && !/^refarch-policy: 0 violations, \d+ rules? switched off by annotation\.$/.test(l)).join('\n');
}

/**
 * Makes the synth command's startup snapshot (scripts/synth-snapshot.js) for the sources of
 * the project at `root` as they are now, whether or not they synthesize, as a run of the
 * synth command does after a synth that succeeded. Throws with the builder's report if it
 * could not.
 */
export function makeSnapshot(root: string, env: NodeJS.ProcessEnv): void {
  const script = `
    const path = require('path');
    const fast = require(path.resolve('scripts/synth-fast.js'));
    let bundle = fast.cachedBundle(fast.baseKey());
    if (!bundle) {
      require('child_process').execFileSync(process.execPath, ['scripts/synth-fast.js', '--help'], { stdio: 'ignore' });
      bundle = fast.cachedBundle(fast.baseKey());
    }
    const said = require(path.resolve('scripts/synth-snapshot.js')).ensureSnapshot(bundle, path.basename(bundle).slice('bundle-'.length, -'.js'.length));
    if (!/^snapshot (built|current)$/.test(said)) { console.error(said); process.exit(1); }`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: root, env, encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0) throw new Error(`no startup snapshot for ${root}: ${r.stderr}`);
}
