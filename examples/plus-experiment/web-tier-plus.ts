/**
 * The experiment behind docs/decisions/0001-l1-vs-cdk8s-plus.md: lib/web-tier.ts's
 * default WebTier (with an AppConfig and an HPA) rebuilt with cdk8s-plus-27 2.9.5,
 * using every plus option that maps onto the WebTier's output and nothing else.
 * test/plus-experiment.test.ts diffs the two and counts the JSON patches the plus
 * version still needs; `npx tsx examples/plus-experiment/measure.ts` times both.
 *
 * Not a construct to use: it exists to be measured.
 */
import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AppConfig } from '../../lib/app-config';
import { CONFIG_HASH_ANNOTATION } from '../../lib/config-hash';
import { recommendedLabels, selectorLabels } from '../../lib/labels';

/** What both versions are built from: the WebTier defaults, plus an HPA. */
export const EXPERIMENT = {
  namespace: 'default', name: 'web', image: 'refarch-guestbook:0.1.0', containerPort: 8080, servicePort: 80, uid: 65532,
  identity: { name: 'web', instance: 'web', partOf: 'web', component: 'web', version: '0.1.0' },
  autoscaling: { minReplicas: 3, maxReplicas: 10, targetCpuUtilization: 70 },
};

export function experimentConfig(chart: Chart): AppConfig {
  return new AppConfig(chart, 'Config', { namespace: EXPERIMENT.namespace, secretStringData: { password: 'experiment' } });
}

/** The plus-27 web tier: Deployment, Service (exposeViaService) and HPA. */
export function plusWebTier(chart: Chart, config: AppConfig): { deployment: kplus.Deployment; service: kplus.Service; hpa: kplus.HorizontalPodAutoscaler } {
  const e = EXPERIMENT;
  const labels = recommendedLabels(e.identity);
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => kplus.Probe.fromHttpGet(path, {
    port: e.containerPort, periodSeconds: Duration.seconds(periodSeconds), failureThreshold, timeoutSeconds: Duration.seconds(2),
  });
  // plus expresses a token-less ServiceAccount of its own, so it costs no patch.
  const serviceAccount = new kplus.ServiceAccount(chart, 'PlusServiceAccount', {
    metadata: { name: e.name, namespace: e.namespace, labels },
    automountToken: false,
  });
  const deployment = new kplus.Deployment(chart, 'PlusWeb', {
    metadata: { name: e.name, namespace: e.namespace, labels },
    serviceAccount,
    podMetadata: { labels, annotations: { [CONFIG_HASH_ANNOTATION]: config.hash } },
    select: false,
    strategy: kplus.DeploymentStrategy.rollingUpdate({ maxSurge: kplus.PercentOrAbsolute.absolute(1), maxUnavailable: kplus.PercentOrAbsolute.absolute(0) }),
    automountServiceAccountToken: false,
    terminationGracePeriod: Duration.seconds(30),
    securityContext: { ensureNonRoot: true, user: e.uid, group: e.uid },
    containers: [{
      name: 'web',
      image: e.image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      ports: [{ name: 'http', number: e.containerPort, protocol: kplus.Protocol.TCP }],
      envVariables: {
        PORT: kplus.EnvValue.fromValue(String(e.containerPort)),
        DB_PASSWORD: kplus.EnvValue.fromSecretValue({ secret: kplus.Secret.fromSecretName(chart, 'SecretRef', config.secretName), key: 'password' }),
      },
      envFrom: [kplus.Env.fromConfigMap(kplus.ConfigMap.fromConfigMapName(chart, 'ConfigMapRef', config.configMapName))],
      resources: {
        cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(250) },
        memory: { request: Size.mebibytes(64), limit: Size.mebibytes(128) },
        // ephemeralStorage: plus-27 renders whole GiB only; 64Mi/256Mi throw at synth.
      },
      securityContext: { ensureNonRoot: true, user: e.uid, group: e.uid, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
      startup: probe('/healthz', 2, 30),
      liveness: probe('/healthz', 10, 3),
      readiness: probe('/readyz', 5, 2),
      volumeMounts: [{ path: '/tmp', volume: kplus.Volume.fromEmptyDir(chart, 'Tmp', 'tmp', { sizeLimit: Size.mebibytes(64) }) }],
    }],
  });
  deployment.select(kplus.LabelSelector.of({ labels: selectorLabels(e.identity) }));
  // Evicted 30 s after the node stops answering, as WebTier's nodeLossTolerationSeconds.
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    deployment.scheduling.tolerate(kplus.Node.tainted(kplus.NodeTaintQuery.exists(key, { effect: kplus.TaintEffect.NO_EXECUTE, evictAfter: Duration.seconds(30) })));
  }
  const service = deployment.exposeViaService({
    name: e.name, ports: [{ name: 'http', port: e.servicePort, targetPort: e.containerPort, protocol: kplus.Protocol.TCP }],
  });
  for (const [k, v] of Object.entries(labels)) service.metadata.addLabel(k, v);
  const hpa = new kplus.HorizontalPodAutoscaler(chart, 'PlusHpa', {
    metadata: { name: e.name, namespace: e.namespace, labels },
    target: deployment,
    minReplicas: e.autoscaling.minReplicas,
    maxReplicas: e.autoscaling.maxReplicas,
    metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(e.autoscaling.targetCpuUtilization))],
  });
  return { deployment, service, hpa };
}
