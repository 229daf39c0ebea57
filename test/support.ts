/**
 * Helpers for tests: synthesize charts to plain manifest objects and look them up.
 */
import { App, Chart, Testing } from 'cdk8s';
import { environments } from '../config/environments';
import { ReferenceArchitecture, ReferenceArchitectureProps } from '../lib/reference-architecture';

/** A synthesized Kubernetes object, as it appears in the YAML. */
export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [key: string]: any };

/** Environments as committed, independent of the caller's DB_PASSWORD. */
export function committedEnvironments(): Record<string, ReferenceArchitectureProps> {
  return environments({});
}

/** Synthesizes one environment (optionally changed) to its manifests. */
export function synthEnvironment(name: string, change: (p: ReferenceArchitectureProps) => ReferenceArchitectureProps = (p) => p): Manifest[] {
  const props = committedEnvironments()[name];
  if (!props) throw new Error(`no environment ${name}`);
  const app = Testing.app();
  return Testing.synth(new ReferenceArchitecture(app, name, change(props))) as Manifest[];
}

/** Synthesizes whatever a test builds inside a fresh chart. */
export function synthIn(build: (chart: Chart) => void): Manifest[] {
  const app: App = Testing.app();
  const chart = new Chart(app, 'test');
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
    database: { ...p.database, replicas: 3, tls: { secretName: 'postgres-tls' }, backup: { keep: 3 } },
    credentials: { ...p.credentials, replicationPassword: 'test-replication-password' },
  };
}

/** Every environment plus the external-database variant of dev, so the checks cover both modes. */
export function allVariants(): Array<[string, Manifest[]]> {
  const variants: Array<[string, Manifest[]]> = Object.keys(committedEnvironments()).map((n) => [n, synthEnvironment(n)]);
  variants.push(['dev (external database)', synthEnvironment('dev', (p) => ({
    ...p,
    database: { mode: 'external', externalHost: 'db.example.com', name: 'guestbook', user: 'guestbook' },
  }))]);
  variants.push(['dev (3 replicas, TLS, backups)', synthEnvironment('dev', fullDataTier)]);
  variants.push(['dev (NodePort, no ingress)', synthEnvironment('dev', (p) => ({
    ...p, web: { ...p.web, serviceType: 'NodePort', nodePort: 30080 }, ingress: { enabled: false },
  }))]);
  return variants;
}
