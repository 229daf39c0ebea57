/**
 * Every pod of every environment meets the Pod Security Standards `restricted`
 * profile and the hardening list of the architecture.
 */
import { WORKLOAD_KINDS, allVariants, podTemplate, find } from './support';

describe.each(allVariants())('%s', (_variant, manifests) => {
  const workloads = manifests.filter((m) => WORKLOAD_KINDS.includes(m.kind));

  test('the namespace enforces restricted', () => {
    const labels = find(manifests, 'Namespace').metadata.labels!;
    expect(labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test.each(['Deployment', 'StatefulSet'])('has a %s', (kind) => {
    if (kind === 'StatefulSet' && _variant.includes('external')) return;
    expect(workloads.some((w) => w.kind === kind)).toBe(true);
  });

  test('every pod and container is locked down', () => {
    for (const w of workloads) {
      const spec = podTemplate(w).spec;
      const where = `${w.kind}/${w.metadata.name}`;
      expect({ where, automount: spec.automountServiceAccountToken }).toEqual({ where, automount: false });
      expect(spec.securityContext.runAsNonRoot).toBe(true);
      expect(spec.securityContext.runAsUser).toBeGreaterThan(0);
      expect(spec.securityContext.runAsGroup).toBeGreaterThan(0);
      expect(spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) expect(spec[key]).toBeFalsy();
      for (const v of spec.volumes ?? []) expect(['emptyDir', 'secret']).toContainEqual(Object.keys(v).filter((k) => k !== 'name').join());
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
        const sc = c.securityContext;
        expect({ where, container: c.name, sc: {
          allowPrivilegeEscalation: sc.allowPrivilegeEscalation,
          capabilities: sc.capabilities,
          readOnlyRootFilesystem: sc.readOnlyRootFilesystem,
          runAsNonRoot: sc.runAsNonRoot,
          seccompProfile: sc.seccompProfile,
        } }).toEqual({ where, container: c.name, sc: {
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          seccompProfile: { type: 'RuntimeDefault' },
        } });
        expect(sc.privileged).not.toBe(true);
        expect(sc.runAsUser ?? spec.securityContext.runAsUser).toBeGreaterThan(0);
        expect(c.imagePullPolicy).toBe('IfNotPresent');
        for (const p of c.ports ?? []) expect(p.hostPort).toBeUndefined();
        for (const key of ['cpu', 'memory', 'ephemeral-storage']) {
          expect(c.resources.requests[key]).toBeDefined();
          expect(c.resources.limits[key]).toBeDefined();
        }
        expect(c.readinessProbe).toBeDefined();
        expect(c.livenessProbe).toBeDefined();
        expect(c.startupProbe).toBeDefined();
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
