/**
 * What this architecture promises about its pods beyond the policy plugin's rules (Pod
 * Security restricted and workload hygiene, run over every variant by
 * test/integrity.test.ts): exactly these workloads, a namespace that enforces restricted,
 * and the hardening list of the README that no generic rule asks for.
 */
import { WORKLOAD_KINDS, allVariants, podTemplate, find } from './support';

describe.each(allVariants())('%s', (variant, manifests) => {
  const workloads = manifests.filter((m) => WORKLOAD_KINDS.includes(m.kind));

  test('the namespace enforces, audits and warns restricted', () => {
    const labels = find(manifests, 'Namespace').metadata.labels!;
    for (const mode of ['enforce', 'audit', 'warn']) expect(labels[`pod-security.kubernetes.io/${mode}`]).toBe('restricted');
  });

  test('exactly the web Deployment, and the database StatefulSet unless the database is external', () => {
    const expected = variant.includes('external') ? ['Deployment/guestbook'] : ['Deployment/guestbook', 'StatefulSet/postgres'];
    expect(workloads.map((w) => `${w.kind}/${w.metadata.name}`).sort()).toEqual(expected);
  });

  test('every pod runs as a non-root group, pulls IfNotPresent, has a startup probe, ephemeral-storage resources and only emptyDir volumes', () => {
    for (const w of workloads) {
      const spec = podTemplate(w).spec;
      const where = `${w.kind}/${w.metadata.name}`;
      expect({ where, runAsGroup: spec.securityContext.runAsGroup > 0 }).toEqual({ where, runAsGroup: true });
      for (const v of spec.volumes ?? []) expect({ where, volume: Object.keys(v).filter((k) => k !== 'name') }).toEqual({ where, volume: ['emptyDir'] });
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
        expect({ where, container: c.name, pull: c.imagePullPolicy, startup: c.startupProbe !== undefined,
          storage: [c.resources.requests['ephemeral-storage'] !== undefined, c.resources.limits['ephemeral-storage'] !== undefined] })
          .toEqual({ where, container: c.name, pull: 'IfNotPresent', startup: true, storage: [true, true] });
      }
    }
  });

  test('a pod that writes to a persistent volume sets fsGroup', () => {
    for (const w of workloads.filter((x) => (x.spec.volumeClaimTemplates ?? []).length > 0)) {
      expect(podTemplate(w).spec.securityContext.fsGroup).toBeGreaterThan(0);
    }
  });
});
