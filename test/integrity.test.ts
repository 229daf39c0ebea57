/**
 * The whole output of every environment and variant: the policy plugin's rules (Pod
 * Security restricted, workload hygiene, references between objects) report nothing, and
 * what is specific to this architecture holds. Generic rules belong in the plugin
 * (plugins/refarch-policy/src/rules/), not here.
 */
import { checkPolicy, formatResult } from '../plugins/refarch-policy';
import { matchesLabels, selects } from '../plugins/refarch-policy/src/k8s/selector';
import { Testing } from 'cdk8s';
import { PostgresDatabase } from '../lib/postgres-database';
import { ReferenceArchitecture, ReferenceArchitectureProps } from '../lib/reference-architecture';
import {
  Manifest, RUN_TO_COMPLETION_KINDS, WORKLOAD_KINDS, allVariants, all, committedEnvironments, fullDataTier, podTemplate, testApp,
} from './support';

describe.each(allVariants())('%s', (variant, manifests) => {
  const workloads = manifests.filter((m) => WORKLOAD_KINDS.includes(m.kind));

  test('every rule of the policy plugin passes; only Patroni\'s two documented exceptions switch a rule off', () => {
    const patroni = all(manifests, 'Role').length > 0;
    const result = checkPolicy([{ file: `${variant}.k8s.yaml`, objects: manifests }]);
    expect(formatResult(result).split('\n').pop()).toBe(`refarch-policy: 0 violations, ${patroni ? 2 : 0} rules switched off by annotation.`);
    // Patroni's members mount an API token (its state store), and postgres-read selects the role label Patroni sets at run time.
    expect(result.skipped.map((s) => `${s.kind}/${s.name} ${s.rule}`).sort()).toEqual(patroni
      ? ['Service/postgres-read service-selector', 'StatefulSet/postgres automount-service-account-token'] : []);
  });

  test('every object except the Namespace lives in the chart\'s namespace', () => {
    const ns = all(manifests, 'Namespace');
    expect(ns).toHaveLength(1);
    for (const m of manifests.filter((x) => x.kind !== 'Namespace')) {
      expect({ object: `${m.kind}/${m.metadata.name}`, namespace: m.metadata.namespace }).toEqual({ object: `${m.kind}/${m.metadata.name}`, namespace: ns[0].metadata.name });
    }
  });

  test('each Service that selects pods selects exactly one workload, on the stable labels only (never a hash or version)', () => {
    // Patroni writes the client Service's Endpoints itself (no selector), and postgres-read
    // adds the role label Patroni sets on the members: match it without that label.
    const role = 'refarch.example.com/role';
    for (const svc of all(manifests, 'Service').filter((s) => s.spec.type !== 'ExternalName' && s.spec.selector !== undefined)) {
      const { [role]: roleValue, ...stable } = svc.spec.selector;
      if (roleValue !== undefined) expect({ service: svc.metadata.name, role: roleValue }).toEqual({ service: 'postgres-read', role: 'replica' });
      svc.spec.selector = stable;
      const selected = workloads.filter((w) => matchesLabels(svc.spec.selector, podTemplate(w).metadata.labels));
      expect({ service: svc.metadata.name, selects: selected.length }).toEqual({ service: svc.metadata.name, selects: 1 });
      for (const key of Object.keys(svc.spec.selector)) expect(key).toMatch(/^app\.kubernetes\.io\/(name|instance|component)$/);
    }
  });

  test('every volume is mounted', () => {
    for (const w of workloads) {
      const spec = podTemplate(w).spec;
      const mounted = new Set(spec.containers.flatMap((c: any) => (c.volumeMounts ?? []).map((vm: any) => vm.name)));
      for (const v of spec.volumes ?? []) expect({ workload: w.metadata.name, volume: v.name, mounted: mounted.has(v.name) }).toEqual({ workload: w.metadata.name, volume: v.name, mounted: true });
    }
  });

  test('every long-running workload, even a single-replica one, has a PodDisruptionBudget', () => {
    for (const w of workloads.filter((x) => !RUN_TO_COMPLETION_KINDS.includes(x.kind))) {
      expect(all(manifests, 'PodDisruptionBudget').some((pdb) => selects(pdb.spec.selector, podTemplate(w).metadata.labels, false))).toBe(true);
    }
  });

  test('all six recommended labels on every object and pod template', () => {
    const keys = ['name', 'instance', 'version', 'component', 'part-of', 'managed-by'].map((k) => `app.kubernetes.io/${k}`);
    const labelled: Array<[string, Record<string, string> | undefined]> = [
      ...manifests.map((m): [string, Record<string, string> | undefined] => [`${m.kind}/${m.metadata.name}`, m.metadata.labels]),
      ...workloads.map((w): [string, Record<string, string> | undefined] => [`${w.kind}/${w.metadata.name} pod template`, podTemplate(w).metadata.labels]),
    ];
    for (const [what, labels] of labelled) {
      for (const key of keys) expect({ what, key, value: typeof labels?.[key] }).toEqual({ what, key, value: 'string' });
    }
  });

  test('names are unique per kind, readable and free of hash suffixes', () => {
    const seen = new Set<string>();
    for (const m of manifests) {
      const id = `${m.kind}/${m.metadata.name}`;
      expect(seen.has(id)).toBe(false);
      seen.add(id);
      expect(m.metadata.name).not.toMatch(/-c8[0-9a-f]{6,}$|-[0-9a-f]{8}$/);
    }
  });

  test('a default-deny policy covers every pod, for both directions', () => {
    const deny = all(manifests, 'NetworkPolicy').find((np) => Object.keys(np.spec.podSelector).length === 0 && !np.spec.ingress && !np.spec.egress);
    expect(deny?.spec.policyTypes).toEqual(['Ingress', 'Egress']);
  });
});

describe('network policies: exactly those the constructs declare', () => {
  test.each<[string, (p: ReferenceArchitectureProps) => ReferenceArchitectureProps, number]>([
    ['dev', (p) => p, 5],
    ['dev (3 replicas, TLS, backups)', fullDataTier, 5 + 3 + 2],
  ])('%s', (_variant, change, count) => {
    const chart = new ReferenceArchitecture(testApp(), 'dev', change(committedEnvironments().dev));
    const declared = [chart.networkPolicies, chart.database instanceof PostgresDatabase ? chart.database.patroni?.networkPolicies : undefined, chart.backup?.networkPolicies]
      .flatMap((np) => np?.policies ?? []).map((p) => p.name);
    expect(declared).toHaveLength(count);
    expect((all(Testing.synth(chart) as Manifest[], 'NetworkPolicy')).map((np) => np.metadata.name).sort()).toEqual(declared.sort());
  });
});
