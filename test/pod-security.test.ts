/**
 * Every pod of every environment meets the Pod Security Standards `restricted`
 * profile and the hardening list of the architecture.
 */
import { RUN_TO_COMPLETION_KINDS, WORKLOAD_KINDS, allVariants, podTemplate, find } from './support';

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
      // The volume types restricted allows that this architecture uses.
      for (const v of spec.volumes ?? []) {
        expect(['emptyDir', 'configMap', 'secret', 'persistentVolumeClaim']).toContain(Object.keys(v).filter((k) => k !== 'name')[0]);
      }
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
        if (RUN_TO_COMPLETION_KINDS.includes(w.kind)) continue;
        expect(c.readinessProbe).toBeDefined();
        expect(c.livenessProbe).toBeDefined();
        expect(c.startupProbe).toBeDefined();
      }
    }
  });

  test('a pod that writes to a persistent volume sets fsGroup', () => {
    for (const w of workloads.filter((x) => (x.spec.volumeClaimTemplates ?? []).length > 0)) {
      expect(podTemplate(w).spec.securityContext.fsGroup).toBeGreaterThan(0);
    }
  });
});
