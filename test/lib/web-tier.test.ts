import { AppConfig } from '../../lib/app-config';
import { CONFIG_HASH_ANNOTATION } from '../../lib/config-hash';
import { WebTier } from '../../lib/web-tier';
import { all, find, synthIn } from '../support';

describe('WebTier', () => {
  test('defaults: 2 replicas, port 8080 behind ClusterIP port 80, PDB, no HPA', () => {
    const m = synthIn((c) => new WebTier(c, 'web'));
    const d = find(m, 'Deployment', 'web');
    expect(d.metadata.namespace).toBe('default');
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    const c = d.spec.template.spec.containers[0];
    expect(c.image).toBe('refarch-guestbook:0.1.0');
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.resources.requests).toEqual({ 'cpu': '50m', 'memory': '64Mi', 'ephemeral-storage': '64Mi' });
    expect(d.spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable).toBe('ScheduleAnyway');
    const svc = find(m, 'Service', 'web');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    // An unhealthy pod never blocks a drain.
    expect(find(m, 'PodDisruptionBudget', 'web').spec).toEqual({
      maxUnavailable: 1, selector: d.spec.selector, unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
    expect(all(m, 'HorizontalPodAutoscaler')).toHaveLength(0);
    // Its own ServiceAccount, without an API token, on the ServiceAccount and on the pod.
    expect(find(m, 'ServiceAccount', 'web')).toEqual({
      apiVersion: 'v1', kind: 'ServiceAccount', automountServiceAccountToken: false,
      metadata: { name: 'web', namespace: 'default', labels: d.metadata.labels },
    });
    expect(d.spec.template.spec).toMatchObject({ serviceAccountName: 'web', automountServiceAccountToken: false });
    // No Secret, no secret volume, no fsGroup.
    expect(d.spec.template.spec.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
    expect(d.spec.template.spec.securityContext.fsGroup).toBeUndefined();
    // Evicted 30 s after its node stops answering, not after the admission plugin's 300 s.
    expect(d.spec.template.spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
    ]);
  });

  test('labels: all recommended labels, version from the image tag, selector without version', () => {
    const m = synthIn((c) => new WebTier(c, 'web', { name: 'shop', image: 'registry.example.com/shop:1.2.3', identity: { instance: 'shop-prod', partOf: 'store' } }));
    const d = find(m, 'Deployment', 'shop');
    expect(d.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/instance': 'shop-prod', 'app.kubernetes.io/version': '1.2.3',
      'app.kubernetes.io/component': 'web', 'app.kubernetes.io/part-of': 'store', 'app.kubernetes.io/managed-by': 'cdk8s',
    });
    expect(d.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/instance': 'shop-prod', 'app.kubernetes.io/component': 'web' });
    expect(find(m, 'Service', 'shop').spec.selector).toEqual(d.spec.selector.matchLabels);
  });

  test('replicas, ports, resources and PDB are applied', () => {
    const m = synthIn((c) => new WebTier(c, 'web', {
      replicas: 4, containerPort: 9000, servicePort: 8081, maxUnavailable: 2, terminationGracePeriodSeconds: 45, nodeLossTolerationSeconds: 0,
      resources: { cpuRequest: '1', cpuLimit: '2', memoryRequest: '1Gi', memoryLimit: '2Gi', ephemeralStorageRequest: '1Gi', ephemeralStorageLimit: '2Gi' },
    }));
    const d = find(m, 'Deployment');
    expect(d.spec.replicas).toBe(4);
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(45);
    expect(d.spec.template.spec.tolerations.map((t: any) => t.tolerationSeconds)).toEqual([0, 0]);
    expect(d.spec.template.spec.containers[0].ports[0].containerPort).toBe(9000);
    expect(d.spec.template.spec.containers[0].env).toContainEqual({ name: 'PORT', value: '9000' });
    expect(d.spec.template.spec.containers[0].resources.limits).toEqual({ 'cpu': '2', 'memory': '2Gi', 'ephemeral-storage': '2Gi' });
    expect(find(m, 'Service').spec.ports[0].port).toBe(8081);
    expect(find(m, 'PodDisruptionBudget').spec.maxUnavailable).toBe(2);
  });

  test('probe paths and the pod user are applied', () => {
    const d = find(synthIn((c) => new WebTier(c, 'web', { livenessPath: '/live', readinessPath: '/ready', user: { uid: 1001, gid: 1002, fsGroup: 1003 } })), 'Deployment');
    const c = d.spec.template.spec.containers[0];
    expect([c.startupProbe.httpGet.path, c.livenessProbe.httpGet.path, c.readinessProbe.httpGet.path]).toEqual(['/live', '/live', '/ready']);
    expect(d.spec.template.spec.securityContext).toMatchObject({ runAsUser: 1001, runAsGroup: 1002, fsGroup: 1003 });
    expect(c.securityContext).toMatchObject({ runAsUser: 1001, runAsGroup: 1002 });
  });

  test('NodePort and LoadBalancer service types', () => {
    expect(find(synthIn((c) => new WebTier(c, 'w', { serviceType: 'NodePort', nodePort: 30080 })), 'Service').spec)
      .toMatchObject({ type: 'NodePort', ports: [{ nodePort: 30080 }] });
    expect(find(synthIn((c) => new WebTier(c, 'w', { serviceType: 'LoadBalancer' })), 'Service').spec.type).toBe('LoadBalancer');
  });

  test('autoscaling renders an autoscaling/v2 HPA and drops spec.replicas', () => {
    const m = synthIn((c) => new WebTier(c, 'web', { autoscaling: { minReplicas: 3, maxReplicas: 6 } }));
    expect(find(m, 'Deployment').spec.replicas).toBeUndefined();
    expect(find(m, 'HorizontalPodAutoscaler').spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 3, maxReplicas: 6,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    });
  });

  test('config: envFrom the ConfigMap, secretEnv from the Secret, and a hash that follows the data', () => {
    const build = (level: string) => synthIn((c) => {
      const config = new AppConfig(c, 'cfg', { settings: { LOG_LEVEL: level }, secretStringData: { password: 'x' } });
      new WebTier(c, 'web', { config, secretEnv: { DB_PASSWORD: 'password' } });
    });
    const a = find(build('info'), 'Deployment');
    const container = a.spec.template.spec.containers[0];
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'app-config' } }]);
    expect(container.env).toContainEqual({ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'app-credentials', key: 'password' } } });
    const hashA = a.spec.template.metadata.annotations[CONFIG_HASH_ANNOTATION];
    expect(hashA).toMatch(/^[0-9a-f]{16}$/);
    expect(find(build('info'), 'Deployment').spec.template.metadata.annotations[CONFIG_HASH_ANNOTATION]).toBe(hashA);
    expect(find(build('debug'), 'Deployment').spec.template.metadata.annotations[CONFIG_HASH_ANNOTATION]).not.toBe(hashA);
  });

  test('secretFiles: the Secret keys as read-only files readable by the pod\'s group, their paths in env, no value in env', () => {
    const build = (password: string) => synthIn((c) => {
      const config = new AppConfig(c, 'cfg', { secretStringData: { password, token: 't' } });
      new WebTier(c, 'web', { config, secretFiles: { DB_PASSWORD_FILE: 'password' }, user: { uid: 1000, gid: 2000 } });
    });
    const d = find(build('x'), 'Deployment');
    const pod = d.spec.template.spec;
    const container = pod.containers[0];
    expect(container.env).toEqual([{ name: 'PORT', value: '8080' }, { name: 'DB_PASSWORD_FILE', value: '/etc/secrets/app-credentials/password' }]);
    expect(container.volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'secret-app-credentials', mountPath: '/etc/secrets/app-credentials', readOnly: true },
    ]);
    // Only the key the pod uses (not "token"); 0440 root:fsGroup, and fsGroup is the pod's group.
    expect(pod.volumes).toContainEqual({
      name: 'secret-app-credentials',
      secret: { secretName: 'app-credentials', defaultMode: 0o440, items: [{ key: 'password', path: 'password' }] },
    });
    expect(pod.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 2000, fsGroup: 2000 });
    // The rendered Secret's value still rolls the pods.
    const hash = (m: any[]) => find(m, 'Deployment').spec.template.metadata.annotations[CONFIG_HASH_ANNOTATION];
    expect(hash(build('y'))).not.toBe(hash(build('x')));
  });

  test.each([
    [{ secretFiles: { DB_PASSWORD_FILE: 'nope' } }, /secret key: "nope"\. No such key; the Secret "app-credentials" has: password/],
    [{ secretFiles: { 'BAD NAME': 'password' } }, /secretFiles key: "BAD NAME"\. Must be/],
    [{ secretFiles: { DB_PASSWORD: 'password' }, secretEnv: { DB_PASSWORD: 'password' } }, /secretFiles key: "DB_PASSWORD"\. Also set in secretEnv/],
  ])('rejects secretFiles %j', (props, message) => {
    expect(() => synthIn((c) => {
      const config = new AppConfig(c, 'cfg', { secretStringData: { password: 'x' } });
      new WebTier(c, 'web', { config, ...props } as any);
    })).toThrow(message);
  });

  test.each([
    [{ secretFiles: { DB_PASSWORD_FILE: 'password' } }, /secretFiles: .*Needs config/],
    [{ replicas: 0 }, /web: replicas: 0\. Must be an integer from 1 to 1000/],
    [{ replicas: 2, autoscaling: { minReplicas: 2, maxReplicas: 3 } }, /replicas: 2\. Conflicts with autoscaling/],
    [{ autoscaling: { minReplicas: 5, maxReplicas: 3 } }, /autoscaling\.maxReplicas: 3\. Must be at least autoscaling\.minReplicas \(5\)/],
    [{ containerPort: 80 }, /containerPort: 80\. Must be an integer from 1024 to 65535/],
    [{ servicePort: 70000 }, /servicePort: 70000\. Must be an integer from 1 to 65535/],
    [{ nodePort: 30080 }, /nodePort: 30080\. Only applies with serviceType "NodePort"/],
    [{ serviceType: 'NodePort', nodePort: 80 }, /nodePort: 80\. Must be an integer from 30000 to 32767/],
    [{ image: 'nginx' }, /image: "nginx"\. Must be an image reference pinned to a tag or digest/],
    [{ image: 'nginx:latest' }, /image: "nginx:latest"\. Must be an image reference pinned/],
    [{ name: 'Web_Tier' }, /name: "Web_Tier"\. Must be a DNS-1123 label/],
    [{ secretEnv: { DB_PASSWORD: 'password' } }, /secretEnv: .*Needs config/],
    [{ livenessPath: 'healthz' }, /livenessPath: "healthz"\. Must be an absolute HTTP path/],
    [{ user: { uid: 0, gid: 1 } }, /user\.uid: 0\. Must be an integer from 1 to 2147483647/],
    [{ maxUnavailable: 0 }, /maxUnavailable: 0\. Must be an integer from 1 to 1000/],
    [{ nodeLossTolerationSeconds: -1 }, /nodeLossTolerationSeconds: -1\. Must be an integer from 0 to 3600/],
    [{ nodeLossTolerationSeconds: 1.5 }, /nodeLossTolerationSeconds: 1\.5\. Must be an integer from 0 to 3600/],
    [{ resources: { cpuRequest: '2', cpuLimit: '1', memoryRequest: '1Mi', memoryLimit: '1Mi', ephemeralStorageRequest: '1Mi', ephemeralStorageLimit: '1Mi' } },
      /resources\.cpuRequest: "2"\. Must not exceed its limit, cpuLimit \(1\)/],
    [{ resources: { cpuRequest: 'lots', cpuLimit: '1', memoryRequest: '1Mi', memoryLimit: '1Mi', ephemeralStorageRequest: '1Mi', ephemeralStorageLimit: '1Mi' } },
      /resources\.cpuRequest: "lots"\. Must be a non-negative Kubernetes quantity/],
  ])('rejects %j', (props, message) => {
    expect(() => synthIn((c) => new WebTier(c, 'web', props as any))).toThrow(message);
  });
});
