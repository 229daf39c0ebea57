/**
 * Reference integrity over the synthesized objects: every name one object uses to
 * point at another resolves to an object (and key, and port) that exists in the output.
 */
import { Manifest, RUN_TO_COMPLETION_KINDS, WORKLOAD_KINDS, allVariants, all, podTemplate } from './support';

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe.each(allVariants())('%s', (_variant, manifests) => {
  const workloads = manifests.filter((m) => WORKLOAD_KINDS.includes(m.kind));
  const byKindName = (kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name);

  test('every object except the Namespace lives in the chart\'s namespace', () => {
    const ns = all(manifests, 'Namespace');
    expect(ns).toHaveLength(1);
    for (const m of manifests.filter((x) => x.kind !== 'Namespace')) {
      expect({ object: `${m.kind}/${m.metadata.name}`, namespace: m.metadata.namespace }).toEqual({ object: `${m.kind}/${m.metadata.name}`, namespace: ns[0].metadata.name });
    }
  });

  test('Service selectors match the pod-template labels of exactly one workload, never a hash label', () => {
    for (const svc of all(manifests, 'Service').filter((s) => s.spec.type !== 'ExternalName')) {
      const selected = workloads.filter((w) => matches(svc.spec.selector, podTemplate(w).metadata.labels));
      expect({ service: svc.metadata.name, selects: selected.map((w) => w.metadata.name) }).toEqual({ service: svc.metadata.name, selects: [expect.any(String)] });
      for (const key of Object.keys(svc.spec.selector)) expect(key).toMatch(/^app\.kubernetes\.io\/(name|instance|component)$/);
      // Every targetPort names a port the selected container declares.
      const ports = podTemplate(selected[0]).spec.containers.flatMap((c: any) => c.ports ?? []);
      for (const p of svc.spec.ports) expect(ports.map((cp: any) => cp.name)).toContain(p.targetPort);
    }
  });

  test('workload selectors match their own pod template', () => {
    for (const w of workloads.filter((x) => x.kind !== 'CronJob')) expect(matches(w.spec.selector.matchLabels, podTemplate(w).metadata.labels)).toBe(true);
  });

  test('Ingress backends name an existing Service and one of its ports', () => {
    for (const ing of all(manifests, 'Ingress')) {
      for (const rule of ing.spec.rules) {
        for (const p of rule.http.paths) {
          const svc = byKindName('Service', p.backend.service.name);
          expect(svc).toBeDefined();
          expect(svc!.spec.ports.map((x: any) => x.name)).toContain(p.backend.service.port.name);
        }
      }
    }
  });

  test('StatefulSet serviceName names a headless Service that selects it', () => {
    for (const sts of all(manifests, 'StatefulSet')) {
      const svc = byKindName('Service', sts.spec.serviceName);
      expect(svc?.spec.clusterIP).toBe('None');
      expect(matches(svc!.spec.selector, podTemplate(sts).metadata.labels)).toBe(true);
    }
  });

  test('every configMapKeyRef, secretKeyRef and envFrom resolves to an existing object and key (or the documented out-of-band Secret)', () => {
    const outOfBand = new Set(['guestbook-db-credentials']);
    for (const w of workloads) {
      for (const c of podTemplate(w).spec.containers) {
        for (const e of c.env ?? []) {
          const cm = e.valueFrom?.configMapKeyRef;
          const sec = e.valueFrom?.secretKeyRef;
          // An optional reference may point at nothing: the restore job's DUMP request is created at restore time.
          if (cm && !cm.optional) expect(Object.keys(byKindName('ConfigMap', cm.name)?.data ?? {})).toContain(cm.key);
          if (sec) {
            const secret = byKindName('Secret', sec.name);
            if (secret) expect(Object.keys(secret.data ?? {})).toContain(sec.key);
            else expect(outOfBand.has(sec.name)).toBe(true);
          }
        }
        for (const ef of c.envFrom ?? []) {
          if (ef.configMapRef) expect(byKindName('ConfigMap', ef.configMapRef.name)).toBeDefined();
          if (ef.secretRef) expect(byKindName('Secret', ef.secretRef.name)).toBeDefined();
        }
      }
    }
  });

  test('volume mounts match a volume or a claim template, and every volume is mounted', () => {
    for (const w of workloads) {
      const spec = podTemplate(w).spec;
      const volumes = new Set([...(spec.volumes ?? []).map((v: any) => v.name), ...(w.spec.volumeClaimTemplates ?? []).map((t: any) => t.metadata.name)]);
      const mounted = new Set<string>();
      for (const c of spec.containers) for (const vm of c.volumeMounts ?? []) { expect(volumes).toContain(vm.name); mounted.add(vm.name); }
      expect([...volumes].sort()).toEqual([...mounted].sort());
    }
  });

  test('configMap, secret and persistentVolumeClaim volumes name existing objects and keys (or a declared out-of-band Secret)', () => {
    for (const w of workloads) {
      const declared = (w.metadata.annotations?.['refarch.example.com/external-secrets'] ?? '').split(',');
      for (const v of podTemplate(w).spec.volumes ?? []) {
        const where = `${w.kind}/${w.metadata.name} volume ${v.name}`;
        if (v.configMap) {
          const keys = Object.keys(byKindName('ConfigMap', v.configMap.name)?.data ?? {});
          expect({ where, exists: keys.length > 0 }).toEqual({ where, exists: true });
          for (const item of v.configMap.items ?? []) expect(keys).toContain(item.key);
        }
        if (v.secret) {
          const secret = byKindName('Secret', v.secret.secretName);
          if (secret) for (const item of v.secret.items ?? []) expect(Object.keys(secret.data ?? {})).toContain(item.key);
          else expect({ where, declared }).toEqual({ where, declared: expect.arrayContaining([v.secret.secretName]) });
        }
        if (v.persistentVolumeClaim) expect({ where, claim: byKindName('PersistentVolumeClaim', v.persistentVolumeClaim.claimName)?.kind }).toEqual({ where, claim: 'PersistentVolumeClaim' });
      }
    }
  });

  test('PodDisruptionBudgets and NetworkPolicies select existing pods', () => {
    for (const pdb of all(manifests, 'PodDisruptionBudget')) {
      expect(workloads.some((w) => matches(pdb.spec.selector.matchLabels, podTemplate(w).metadata.labels))).toBe(true);
    }
    for (const np of all(manifests, 'NetworkPolicy')) {
      const sel = np.spec.podSelector.matchLabels ?? {};
      expect(workloads.some((w) => matches(sel, podTemplate(w).metadata.labels))).toBe(true);
    }
  });

  test('every long-running workload has a PodDisruptionBudget', () => {
    for (const w of workloads.filter((x) => !RUN_TO_COMPLETION_KINDS.includes(x.kind))) {
      expect(all(manifests, 'PodDisruptionBudget').some((pdb) => matches(pdb.spec.selector.matchLabels, podTemplate(w).metadata.labels))).toBe(true);
    }
  });

  test('an HPA targets an existing Deployment', () => {
    for (const hpa of all(manifests, 'HorizontalPodAutoscaler')) {
      expect(byKindName(hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name)).toBeDefined();
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

describe('network policies allow exactly what the architecture needs', () => {
  const [, dev] = allVariants()[0];
  const policies = (all(dev, 'NetworkPolicy') as Manifest[]).map((np) => np.metadata.name).sort();

  test('the set of policies', () => {
    expect(policies).toEqual(['allow-dns-egress', 'allow-web-ingress', 'allow-web-to-database-egress', 'allow-web-to-database-ingress', 'default-deny-all']);
  });
});
