/**
 * A cdk8s-plus-27 project using the reference architecture's constructs next to its
 * own kplus objects: the architecture's AppConfig, WebTier, PostgresDatabase and
 * NetworkPolicies, plus a kplus worker Deployment that reads the same ConfigMap and
 * Secret, kplus NetworkPolicies that let the worker reach the web pods and the
 * database, a kplus Ingress routing to the WebTier, and a kplus HorizontalPodAutoscaler
 * on the WebTier's Deployment.
 *
 * plus-27 objects meet Pod Security `restricted` only with the patches in
 * `restrictPlusPod` (see docs/decisions/0001-l1-vs-cdk8s-plus.md for why each is needed).
 */
import { ApiObject, Chart, ChartProps, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { AppConfig } from '../../lib/app-config';
import { recommendedLabels, selectorLabels } from '../../lib/labels';
import { NetworkPolicies, Peer } from '../../lib/network-policies';
import { PostgresDatabase } from '../../lib/postgres-database';
import { WebTier } from '../../lib/web-tier';
import { scalableWebTier, webTierBackend } from './adapters';

/** Props of {@link PlusInteropChart}. */
export interface PlusInteropChartProps extends ChartProps {
  /**
   * Namespace of every object.
   * @default 'plus-interop'
   */
  readonly namespace?: string;
  /**
   * Host the kplus Ingress routes to the WebTier.
   * @default 'guestbook.example.com'
   */
  readonly host?: string;
}

const WORKER_UID = 65532;

export class PlusInteropChart extends Chart {
  public readonly web: WebTier;
  public readonly worker: kplus.Deployment;

  constructor(scope: Construct, id: string, props: PlusInteropChartProps = {}) {
    super(scope, id, { disableResourceNameHashes: true, ...props });
    const namespace = props.namespace ?? 'plus-interop';

    const config = new AppConfig(this, 'Config', {
      namespace,
      configMapName: 'guestbook-config',
      settings: { DB_HOST: `postgres.${namespace}.svc.cluster.local`, DB_PORT: '5432', DB_NAME: 'guestbook', DB_USER: 'guestbook', DB_SSLMODE: 'disable' },
      secretName: 'guestbook-db-credentials',
      secretStringData: { password: 'example-only-password' },
    });
    this.web = new WebTier(this, 'Web', { namespace, name: 'guestbook', config, secretEnv: { DB_PASSWORD: 'password' } });
    const db = new PostgresDatabase(this, 'Database', { namespace, name: 'postgres', config });
    const policies = new NetworkPolicies(this, 'NetworkPolicies', { namespace });
    // Only the front door's proxy (Traefik's namespace) from outside; the worker is let in by the kplus policies below.
    policies.allow(Peer.namespace('traefik'), this.web, this.web.ports.http, { name: 'web' });
    policies.allow(this.web, db, db.ports.postgresql, { name: 'web-to-database' });

    // A kplus worker reading the architecture's ConfigMap and Secret by name.
    const configMap = kplus.ConfigMap.fromConfigMapName(this, 'ConfigRef', config.configMapName);
    const secret = kplus.Secret.fromSecretName(this, 'SecretRef', config.secretName);
    const workerIdentity = { name: 'guestbook-worker', instance: 'guestbook-worker', version: '0.1.0', component: 'worker', partOf: 'guestbook' };
    this.worker = new kplus.Deployment(this, 'Worker', {
      metadata: { name: 'guestbook-worker', namespace, labels: recommendedLabels(workerIdentity) },
      podMetadata: { labels: recommendedLabels(workerIdentity) },
      // Without this plus selects on a generated cdk8s.io/metadata.addr label derived from
      // the construct path, which changes when the construct moves.
      select: false,
      replicas: 1,
      automountServiceAccountToken: false,
      securityContext: { ensureNonRoot: true, user: WORKER_UID, group: WORKER_UID },
      containers: [{
        name: 'worker',
        image: 'refarch-guestbook:0.1.0',
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        ports: [{ name: 'http', number: 8081 }],
        envFrom: [kplus.Env.fromConfigMap(configMap)],
        envVariables: {
          PORT: kplus.EnvValue.fromValue('8081'),
          WEB_URL: kplus.EnvValue.fromValue(`http://${this.web.serviceName}.${namespace}.svc.cluster.local:${this.web.servicePort}`),
          DB_PASSWORD: kplus.EnvValue.fromSecretValue({ secret, key: 'password' }),
        },
        securityContext: { ensureNonRoot: true, user: WORKER_UID, group: WORKER_UID, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
        resources: {
          cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(250) },
          memory: { request: Size.mebibytes(64), limit: Size.mebibytes(128) },
          // plus-27 renders ephemeral storage in whole GiB only (Size.mebibytes(256) throws at synth).
          ephemeralStorage: { request: Size.gibibytes(1), limit: Size.gibibytes(1) },
        },
        readiness: kplus.Probe.fromHttpGet('/readyz', { port: 8081 }),
        liveness: kplus.Probe.fromHttpGet('/healthz', { port: 8081 }),
        volumeMounts: [{ path: '/tmp', volume: kplus.Volume.fromEmptyDir(this, 'WorkerTmp', 'tmp', { sizeLimit: Size.mebibytes(64) }) }],
      }],
    });
    this.worker.select(kplus.LabelSelector.of({ labels: selectorLabels(workerIdentity) }));
    restrictPlusPod(this.worker);

    // kplus NetworkPolicies, in pairs (egress from the worker, ingress to the target): the
    // worker calls the web pods and the database, on top of the architecture's default-deny.
    const workerPods = kplus.Pods.select(this, 'WorkerPods', { labels: this.worker.matchLabels });
    const allow = (id: string, name: string, target: kplus.Pods, port: number) => {
      new kplus.NetworkPolicy(this, `Allow${id}Ingress`, {
        metadata: { name: `allow-worker-to-${name}`, namespace },
        selector: target,
        ingress: { rules: [{ peer: workerPods, ports: [kplus.NetworkPolicyPort.tcp(port)] }] },
      });
      new kplus.NetworkPolicy(this, `Allow${id}Egress`, {
        metadata: { name: `allow-worker-egress-to-${name}`, namespace },
        selector: workerPods,
        egress: { rules: [{ peer: target, ports: [kplus.NetworkPolicyPort.tcp(port)] }] },
      });
    };
    allow('Web', 'web', kplus.Pods.select(this, 'WebPods', { labels: this.web.selector }), this.web.containerPort);
    allow('Database', 'database', kplus.Pods.select(this, 'DatabasePods', { labels: db.selector }), db.port);

    // A kplus Ingress and HPA on the WebTier, through the adapters.
    const ingress = new kplus.Ingress(this, 'Ingress', {
      metadata: { name: 'guestbook', namespace, annotations: {} },
      className: 'traefik',
    });
    ingress.addHostRule(props.host ?? 'guestbook.example.com', '/', webTierBackend(this.web), kplus.HttpIngressPathType.PREFIX);

    new kplus.HorizontalPodAutoscaler(this, 'WebAutoscaler', {
      metadata: { name: 'guestbook', namespace },
      target: scalableWebTier(this.web),
      minReplicas: 2,
      maxReplicas: 6,
      metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(70))],
      // plus also renders spec.behavior (up: 4 pods or 200 % a minute; down: minReplicas
      // pods per 5 minutes), which the architecture's own HPA leaves to Kubernetes.
    });

    // The worker runs one replica; a budget still keeps drains from surprising anyone.
    new k8s.KubePodDisruptionBudget(this, 'WorkerBudget', {
      metadata: { name: 'guestbook-worker', namespace, labels: recommendedLabels(workerIdentity) },
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: this.worker.matchLabels } },
    });
  }
}

/**
 * JSON patches that take a plus-27 pod template to Pod Security `restricted`: plus-27
 * has no seccompProfile option, and its Capability enum has no `ALL` (its values carry a
 * `CAP_` prefix), so both are patched in. cdk8s applies patches before converting the
 * TypeScript-named props to YAML, so a patch path must use TypeScript names and a value
 * must not be a plain string where a Quantity or IntOrString belongs; these two paths
 * are spelled the same both ways and their values are plain structs, so neither trap
 * applies (docs/decisions/0001-l1-vs-cdk8s-plus.md).
 */
export function restrictPlusPod(workload: kplus.Deployment | kplus.StatefulSet): void {
  const obj = ApiObject.of(workload);
  obj.addJsonPatch(JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }));
  workload.containers.forEach((_c, i) => {
    obj.addJsonPatch(JsonPatch.add(`/spec/template/spec/containers/${i}/securityContext/capabilities`, { drop: ['ALL'] }));
  });
}
