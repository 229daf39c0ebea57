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
      for (const v of spec.volumes ?? []) expect({ where, volume: Object.keys(v).filter((k) => k !== 'name').join() }).toEqual({ where, volume: expect.stringMatching(/^(emptyDir|secret)$/) });
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
        expect({ where, container: c.name, pull: c.imagePullPolicy, startup: c.startupProbe !== undefined,
          storage: [c.resources.requests['ephemeral-storage'] !== undefined, c.resources.limits['ephemeral-storage'] !== undefined] })
          .toEqual({ where, container: c.name, pull: 'IfNotPresent', startup: true, storage: [true, true] });
      }
    }
  });

  test('every pod has its own ServiceAccount, which mounts no token', () => {
    const accounts = manifests.filter((m) => m.kind === 'ServiceAccount');
    const used = workloads.map((w) => podTemplate(w).spec.serviceAccountName);
    expect(new Set(used).size).toBe(workloads.length);
    for (const name of used) {
      expect(name).toBeTruthy();
      expect(name).not.toBe('default');
      const sa = accounts.find((a) => a.metadata.name === name);
      expect(sa).toBeDefined();
      expect(sa!.automountServiceAccountToken).toBe(false);
    }
  });

  test('no container gets a Secret value as an env var; Secrets are read-only files readable only by the pod\'s group', () => {
    for (const w of workloads) {
      const spec = podTemplate(w).spec;
      for (const c of spec.containers) {
        expect({ where: w.metadata.name, secretEnv: (c.env ?? []).filter((e: any) => e.valueFrom?.secretKeyRef) }).toEqual({ where: w.metadata.name, secretEnv: [] });
        expect((c.envFrom ?? []).filter((e: any) => e.secretRef)).toEqual([]);
      }
      for (const v of (spec.volumes ?? []).filter((x: any) => x.secret)) {
        const mounts = spec.containers.flatMap((c: any) => (c.volumeMounts ?? []).filter((m: any) => m.name === v.name));
        expect(mounts.length).toBeGreaterThan(0);
        for (const m of mounts) expect(m.readOnly).toBe(true);
        expect(v.secret.defaultMode & 0o7).toBe(0); // nothing for "others"
        expect(v.secret.defaultMode & 0o40).toBe(0o40); // group-readable ...
        expect(spec.securityContext.fsGroup).toBe(spec.securityContext.runAsGroup); // ... and the group is the pod's
      }
    }
  });

  test('a pod that writes to a persistent volume sets fsGroup', () => {
    for (const w of workloads.filter((x) => (x.spec.volumeClaimTemplates ?? []).length > 0)) {
      expect(podTemplate(w).spec.securityContext.fsGroup).toBeGreaterThan(0);
    }
  });
});
