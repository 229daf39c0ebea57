/**
 * Upgrades apply: fields the API server refuses to change in place (selectors, a
 * StatefulSet's serviceName and volumeClaimTemplates, a Service's clusterIP, ...) must
 * not depend on anything that changes between releases. Each environment is synthesized
 * before and after typical release and tuning changes, and every immutable field must be
 * byte-identical, or `kubectl apply` of the new release fails.
 */
import { stringify } from 'yaml';
import { ReferenceArchitectureProps } from '../lib/reference-architecture';
import { Manifest, committedEnvironments, find, synthEnvironment } from './support';

/** Immutable fields by kind (as dotted paths under the object), per the API server's update validation. */
const IMMUTABLE: Record<string, string[]> = {
  Deployment: ['spec.selector'],
  ReplicaSet: ['spec.selector'],
  DaemonSet: ['spec.selector'],
  StatefulSet: ['spec.selector', 'spec.serviceName', 'spec.volumeClaimTemplates', 'spec.podManagementPolicy'],
  Job: ['spec.selector', 'spec.template', 'spec.completionMode'],
  Service: ['spec.clusterIP', 'spec.clusterIPs', 'spec.ipFamilies'],
  PersistentVolumeClaim: ['spec.storageClassName', 'spec.accessModes', 'spec.volumeMode', 'spec.selector'],
};

const get = (obj: any, dotted: string) => dotted.split('.').reduce((o, k) => (o === undefined ? undefined : o[k]), obj);
const id = (m: Manifest) => `${m.kind} ${m.metadata.namespace ?? ''}/${m.metadata.name}`;

/** Every immutable field of every object, as YAML text, keyed by object and path. */
function immutableFields(manifests: Manifest[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of manifests) {
    for (const p of IMMUTABLE[m.kind] ?? []) out.set(`${id(m)}: ${p}`, stringify(get(m, p) ?? null));
    // An immutable ConfigMap or Secret cannot change its data at all.
    if (m.immutable === true) out.set(`${id(m)}: data`, stringify({ data: m.data, stringData: m.stringData, binaryData: m.binaryData }));
  }
  return out;
}

/** Fields that differ, or objects that appear or vanish, between two releases. */
function immutableChanges(before: Manifest[], after: Manifest[]): string[] {
  const a = immutableFields(before);
  const b = immutableFields(after);
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((k) => a.get(k) !== b.get(k)).sort();
}

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const bump = (image: string, tag: string, digestChar: string) => {
  const [name, pin] = image.split('@');
  const bare = name.replace(/:[^:/]+$/, '');
  return pin ? `${bare}:${tag}@${digest(digestChar)}` : `${bare}:${tag}`;
};

/** Typical changes between releases and day-2 tuning; the storage class and size stay. */
const CHANGES: Array<[string, (p: ReferenceArchitectureProps) => ReferenceArchitectureProps]> = [
  ['new web image tag', (p) => ({ ...p, web: { ...p.web, image: bump(p.web?.image ?? 'refarch-guestbook:0.1.0', '0.2.0', 'b') } })],
  ['new database image tag', (p) => ({ ...p, database: { ...p.database, image: bump(p.database?.image ?? 'postgres:16.4-bookworm', '16.6-bookworm', 'c') } })],
  ['web and database resources', (p) => ({
    ...p,
    web: { ...p.web, resources: { cpuRequest: '300m', cpuLimit: '2', memoryRequest: '300Mi', memoryLimit: '1Gi', ephemeralStorageRequest: '100Mi', ephemeralStorageLimit: '1Gi' } },
    database: { ...p.database, resources: { cpuRequest: '1', cpuLimit: '4', memoryRequest: '3Gi', memoryLimit: '4Gi', ephemeralStorageRequest: '1Gi', ephemeralStorageLimit: '4Gi' } },
  })],
  ['replicas or autoscaling bounds', (p) => ({
    ...p, web: p.web?.autoscaling ? { ...p.web, autoscaling: { minReplicas: 2, maxReplicas: 20, targetCpuUtilization: 60 } } : { ...p.web, replicas: 5 },
  })],
  ['app settings (title, log level)', (p) => ({ ...p, web: { ...p.web, title: 'Guestbook 2', logLevel: 'warn' } })],
];
const ALL_AT_ONCE = (p: ReferenceArchitectureProps) => CHANGES.reduce((acc, [, change]) => change(acc), p);

describe.each(Object.keys(committedEnvironments()))('%s', (env) => {
  const before = synthEnvironment(env);

  test.each([...CHANGES, ['all of them at once', ALL_AT_ONCE] as const])('%s leaves every immutable field byte-identical', (_name, change) => {
    const after = synthEnvironment(env, change);
    expect(stringify(after)).not.toEqual(stringify(before)); // the change is real
    expect(immutableChanges(before, after)).toEqual([]);
  });

  test('the release changes do reach the mutable parts (version labels, images)', () => {
    const after = synthEnvironment(env, ALL_AT_ONCE);
    for (const kind of ['Deployment', 'StatefulSet']) {
      const [b, a] = [find(before, kind), find(after, kind)];
      expect(a.spec.template.spec.containers[0].image).not.toBe(b.spec.template.spec.containers[0].image);
      expect(a.spec.template.metadata.labels['app.kubernetes.io/version']).not.toBe(b.spec.template.metadata.labels['app.kubernetes.io/version']);
    }
  });
});

describe('the check bites', () => {
  const before = synthEnvironment('dev');

  test('a new volume size, storage class or access mode changes volumeClaimTemplates (not an in-place change)', () => {
    for (const db of [{ storage: '2Gi' }, { storageClassName: 'fast' }, { accessMode: 'ReadWriteOncePod' as const }]) {
      const after = synthEnvironment('dev', (p) => ({ ...p, database: { ...p.database, ...db } }));
      expect(immutableChanges(before, after)).toEqual(['StatefulSet refarch-dev/postgres: spec.volumeClaimTemplates']);
    }
  });

  test('a version label in the claim template would be caught', () => {
    const withVersion = (ms: Manifest[], v: string) => ms.map((m) => (m.kind !== 'StatefulSet' ? m : {
      ...m, spec: { ...m.spec, volumeClaimTemplates: [{ ...m.spec.volumeClaimTemplates[0], metadata: { ...m.spec.volumeClaimTemplates[0].metadata, labels: { 'app.kubernetes.io/version': v } } }] },
    }));
    expect(immutableChanges(withVersion(before, '16.4'), withVersion(before, '16.6'))).toEqual(['StatefulSet refarch-dev/postgres: spec.volumeClaimTemplates']);
  });

  test('a renamed environment (instance label) changes the selectors', () => {
    const after = synthEnvironment('dev', (p) => ({ ...p, environment: 'dev2' }));
    expect(immutableChanges(before, after)).toEqual(expect.arrayContaining([
      'Deployment refarch-dev/guestbook: spec.selector', 'StatefulSet refarch-dev/postgres: spec.selector',
    ]));
  });
});
