/**
 * What this architecture promises about its pods beyond the policy plugin's rules (Pod
 * Security restricted and workload hygiene, run over every variant by
 * test/integrity.test.ts): exactly these workloads, a namespace that enforces restricted,
 * and the hardening list of the README that no generic rule asks for.
 */
import { RUN_TO_COMPLETION_KINDS, WORKLOAD_KINDS, allVariants, podTemplate, find } from './support';

describe.each(allVariants())('%s', (variant, manifests) => {
  const workloads = manifests.filter((m) => WORKLOAD_KINDS.includes(m.kind));

  test('the namespace enforces, audits and warns restricted', () => {
    const labels = find(manifests, 'Namespace').metadata.labels!;
    for (const mode of ['enforce', 'audit', 'warn']) expect(labels[`pod-security.kubernetes.io/${mode}`]).toBe('restricted');
  });

  test('exactly the web Deployment, the database StatefulSet unless the database is external, and the data tier\'s workloads where it is on', () => {
    const dataTier = !variant.includes('external') && (variant === 'prod' || variant.includes('replicas'));
    const expected = variant.includes('external') ? ['Deployment/guestbook'] : ['Deployment/guestbook', 'StatefulSet/postgres'];
    if (dataTier) expected.push('CronJob/postgres-backup', 'CronJob/postgres-backup-restore');
    expect(workloads.map((w) => `${w.kind}/${w.metadata.name}`).sort()).toEqual(expected.sort());
  });

  test('every pod runs as a non-root group, pulls IfNotPresent, has a startup probe (unless it runs to completion), ephemeral-storage resources and only emptyDir, ConfigMap, Secret and claim volumes', () => {
    for (const w of workloads) {
      const spec = podTemplate(w).spec;
      const where = `${w.kind}/${w.metadata.name}`;
      const longRunning = !RUN_TO_COMPLETION_KINDS.includes(w.kind);
      expect({ where, runAsGroup: spec.securityContext.runAsGroup > 0 }).toEqual({ where, runAsGroup: true });
      // The data tier adds its scripts (ConfigMap), credentials and certificates (Secret) and the backup claim.
      for (const v of spec.volumes ?? []) {
        const type = Object.keys(v).filter((k) => k !== 'name');
        expect({ where, volume: ['emptyDir', 'configMap', 'secret', 'persistentVolumeClaim'].includes(type[0]) && type.length === 1 }).toEqual({ where, volume: true });
      }
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
        expect({ where, container: c.name, pull: c.imagePullPolicy, startup: c.startupProbe !== undefined,
          storage: [c.resources.requests['ephemeral-storage'] !== undefined, c.resources.limits['ephemeral-storage'] !== undefined] })
          .toEqual({ where, container: c.name, pull: 'IfNotPresent', startup: longRunning, storage: [true, true] });
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
