/**
 * Helpers for tests: synthesize charts to plain manifest objects and look them up.
 */
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Testing } from 'cdk8s';
import { environments } from '../config/environments';
import { ReferenceArchitecture, ReferenceArchitectureProps } from '../lib/reference-architecture';

/** A synthesized Kubernetes object, as it appears in the YAML. */
export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [key: string]: any };

/** Environments as committed, independent of the caller's DB_PASSWORD. */
export function committedEnvironments(): Record<string, ReferenceArchitectureProps> {
  return environments({});
}

/**
 * An App for Testing.synth, which never writes to its outdir. Not Testing.app(): that
 * creates an empty folder in $TMPDIR per call and never removes it.
 */
export function testApp(): App {
  return new App({ outdir: path.join(os.tmpdir(), 'refarch-test-never-written') });
}

/** Synthesizes one environment (optionally changed) to its manifests. */
export function synthEnvironment(name: string, change: (p: ReferenceArchitectureProps) => ReferenceArchitectureProps = (p) => p): Manifest[] {
  const props = committedEnvironments()[name];
  if (!props) throw new Error(`no environment ${name}`);
  return Testing.synth(new ReferenceArchitecture(testApp(), name, change(props))) as Manifest[];
}

/** Synthesizes whatever a test builds inside a fresh chart. */
export function synthIn(build: (chart: Chart) => void): Manifest[] {
  const app: App = testApp();
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

/** The pod template of a workload manifest. */
export function podTemplate(m: Manifest): any {
  return m.spec.template;
}

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet'];

/** Every environment plus the external-database variant of dev, so the checks cover both modes. */
export function allVariants(): Array<[string, Manifest[]]> {
  const variants: Array<[string, Manifest[]]> = Object.keys(committedEnvironments()).map((n) => [n, synthEnvironment(n)]);
  variants.push(['dev (external database)', synthEnvironment('dev', (p) => ({
    ...p,
    database: { mode: 'external', externalHost: 'db.example.com', name: 'guestbook', user: 'guestbook' },
  }))]);
  variants.push(['dev (NodePort, no ingress)', synthEnvironment('dev', (p) => ({
    ...p, web: { ...p.web, serviceType: 'NodePort', nodePort: 30080 }, ingress: { enabled: false },
  }))]);
  return variants;
}
