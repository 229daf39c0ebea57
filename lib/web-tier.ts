/**
 * The stateless web tier: a Deployment behind a Service, with a PodDisruptionBudget
 * and an optional HorizontalPodAutoscaler.
 *
 * Written with the L1 classes on purpose: a cdk8s-plus-27 web tier needs 29 JSON patches
 * to produce this output (seccomp, capabilities ALL, topology spread, named probe ports,
 * ephemeral storage under 1 GiB, ...), its Service selects on a generated construct-path
 * label, and plus has no PodDisruptionBudget. Measured in
 * docs/decisions/0001-l1-vs-cdk8s-plus.md.
 *
 * Longer than the ~300 lines a file of this folder aims at: the L1 classes have no
 * defaults, so the hardened pod spec is written out field by field, and the Service, PDB
 * and HPA share its selector and props; split, they would hand the same props around.
 */
import { compact } from './compact';
import * as k8s from './k8s';
import './k8s-minimum'; // fails to compile, saying why, with L1 classes older than 1.27
import { Construct } from 'constructs';
import { AppConfig } from './app-config';
import { CONFIG_HASH_ANNOTATION, configHash } from './config-hash';
import { AppIdentity, WorkloadProps, recommendedLabels, selectorLabels, validateIdentity, versionFromImage } from './labels';
import { PodUser, restrictedContainerSecurityContext, restrictedPodSecurityContext } from './pod-security';
import { ResourceRequirements, renderResources } from './resources';
import { checkUniqueObjects } from './unique-objects';
import {
  ValidationError, fieldOf, namespaceFor, validateDnsLabel, validateEnvVarName, validateHttpPath, validateImage,
  validateInteger, validateOneOf, validatePort,
} from './prop-checks';

/** How the web Service is exposed. */
export type WebServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer';

/** HorizontalPodAutoscaler settings. */
export interface WebAutoscaling {
  /** Fewest replicas the HPA keeps. */
  readonly minReplicas: number;
  /** Most replicas the HPA may create. */
  readonly maxReplicas: number;
  /**
   * Average CPU utilization, as a percentage of the CPU request, the HPA aims for: any
   * whole number from 1 (above 100 when pods may burst past their request up to the limit).
   * @default 70
   */
  readonly targetCpuUtilization?: number | undefined;
}

/** Props of {@link WebTier}. */
export interface WebTierProps extends WorkloadProps {
  /**
   * Name of the Deployment, Service, PDB and HPA.
   * @default 'web'
   */
  readonly name?: string | undefined;
  /**
   * Container image, pinned to a tag or digest.
   * @default 'refarch-guestbook:0.1.0' (the demo app in app/)
   */
  readonly image?: string | undefined;
  /**
   * Recommended-label values. `name` defaults to the `name` prop, `version` to the image tag.
   * @default - name, instance and part-of from `name`, component 'web'
   */
  readonly identity?: Partial<AppIdentity> | undefined;
  /**
   * Pod replicas. Leave unset with `autoscaling`: the HPA owns the count then.
   * @default 2 (or unset with autoscaling)
   */
  readonly replicas?: number | undefined;
  /**
   * Scale on CPU with an autoscaling/v2 HorizontalPodAutoscaler.
   * @default - no autoscaler
   */
  readonly autoscaling?: WebAutoscaling | undefined;
  /**
   * Port the container listens on (non-root, so above 1023).
   * @default 8080
   */
  readonly containerPort?: number | undefined;
  /**
   * Port of the Service, named `http`.
   * @default 80
   */
  readonly servicePort?: number | undefined;
  /**
   * Service type. `NodePort` and `LoadBalancer` are for clusters without an ingress controller.
   * @default 'ClusterIP'
   */
  readonly serviceType?: WebServiceType | undefined;
  /**
   * Fixed node port (30000-32767), only with `serviceType: 'NodePort'`.
   * @default - allocated by the cluster
   */
  readonly nodePort?: number | undefined;
  /**
   * Container resources.
   * @default - laptop-sized: 50m/250m CPU, 64Mi/128Mi memory, 64Mi/256Mi ephemeral storage
   */
  readonly resources?: ResourceRequirements | undefined;
  /**
   * Path of the liveness and startup probes.
   * @default '/healthz'
   */
  readonly livenessPath?: string | undefined;
  /**
   * Path of the readiness probe.
   * @default '/readyz'
   */
  readonly readinessPath?: string | undefined;
  /**
   * ConfigMap loaded with `envFrom` and Secret keys exposed through `secretEnv`; their
   * digest goes into the pod-template annotation so a change rolls the pods.
   * @default - no configuration
   */
  readonly config?: AppConfig | undefined;
  /**
   * Environment variables read from Secret keys of `config`: env name to Secret key.
   * @default {}
   */
  readonly secretEnv?: Record<string, string> | undefined;
  /**
   * Secret keys of `config` mounted as read-only files: env name to Secret key. The env
   * var holds the file's path (e.g. `DB_PASSWORD_FILE: 'password'`), so the value never
   * appears in the pod's environment (`kubectl describe`, `/proc/<pid>/environ`, crash dumps).
   * Prefer it to `secretEnv` when the app can read a file.
   * @default {}
   */
  readonly secretFiles?: Record<string, string> | undefined;
  /**
   * Most pods that a voluntary disruption (drain, eviction) may take down at once.
   * @default 1
   */
  readonly maxUnavailable?: number | undefined;
  /**
   * Seconds a pod gets to finish in-flight requests after SIGTERM.
   * @default 30
   */
  readonly terminationGracePeriodSeconds?: number | undefined;
  /**
   * Seconds a pod stays bound to a node that stopped answering (NotReady or unreachable)
   * before it is evicted and replaced on another node. Kubernetes' default is 300 s; a
   * stateless replica gains nothing by waiting that long for a node that may never return.
   * @default 30
   */
  readonly nodeLossTolerationSeconds?: number | undefined;
  /**
   * Non-root identity of the pod.
   * @default { uid: 65532, gid: 65532 } (distroless `nonroot`)
   */
  readonly user?: PodUser | undefined;
}

/** The demo app in app/, the web image unless one is given. */
export const DEFAULT_WEB_IMAGE = 'refarch-guestbook:0.1.0';

/** Laptop-sized defaults: a demo web pod needs little. */
export const DEFAULT_WEB_RESOURCES: ResourceRequirements = {
  cpuRequest: '50m', cpuLimit: '250m',
  memoryRequest: '64Mi', memoryLimit: '128Mi',
  ephemeralStorageRequest: '64Mi', ephemeralStorageLimit: '256Mi',
};

/** A Deployment, its Service, PodDisruptionBudget and optional HPA. */
export class WebTier extends Construct {
  public readonly namespace: string;
  public readonly name: string;
  /** Name of the Service (same as the Deployment). */
  public readonly serviceName: string;
  /** Name of the Service port, for Ingress backends. */
  public readonly servicePortName = 'http';
  public readonly servicePort: number;
  public readonly containerPort: number;
  /** The pods' named container port, for {@link NetworkPolicies.allow}. */
  public readonly ports: { readonly http: { readonly name: 'http'; readonly port: number; readonly protocol: 'TCP' } };
  /** Labels that select the pods; use them in NetworkPolicies. */
  public readonly selector: Record<string, string>;
  public readonly deployment: k8s.KubeDeployment;
  public readonly service: k8s.KubeService;
  public readonly podDisruptionBudget: k8s.KubePodDisruptionBudget;
  /** Present with the `autoscaling` prop. */
  public readonly horizontalPodAutoscaler?: k8s.KubeHorizontalPodAutoscalerV2 | undefined;
  /** The pods' own ServiceAccount (same name, no API token), to bind RBAC to if the app ever needs it. */
  public readonly serviceAccount: k8s.KubeServiceAccount;

  constructor(scope: Construct, id: string, props: WebTierProps = {}) {
    super(scope, id);
    const f = (prop: string) => fieldOf(this, prop);
    checkUniqueObjects(this);
    this.namespace = namespaceFor(this, f('namespace'), props.namespace);
    this.name = validateDnsLabel(f('name'), props.name ?? 'web');
    this.serviceName = this.name;
    const image = validateImage(f('image'), props.image ?? DEFAULT_WEB_IMAGE);
    const identity = validateIdentity(this, 'identity', {
      name: this.name, instance: this.name, partOf: this.name, component: 'web',
      version: versionFromImage(image), ...props.identity,
    });
    const labels = recommendedLabels(identity);
    this.selector = selectorLabels(identity);

    if (props.autoscaling && props.replicas !== undefined) {
      throw new ValidationError(f('replicas'), props.replicas,
        'Conflicts with autoscaling: the HorizontalPodAutoscaler owns the replica count. Remove replicas and set autoscaling.minReplicas instead.');
    }
    const replicas = props.autoscaling ? undefined : validateInteger(f('replicas'), props.replicas ?? 2, 1, 1000);
    this.containerPort = validateInteger(f('containerPort'), props.containerPort ?? 8080, 1024, 65535);
    this.ports = { http: { name: 'http', port: this.containerPort, protocol: 'TCP' } };
    this.servicePort = validatePort(f('servicePort'), props.servicePort ?? 80);
    const serviceType = validateOneOf(f('serviceType'), props.serviceType ?? 'ClusterIP', ['ClusterIP', 'NodePort', 'LoadBalancer'] as const);
    if (props.nodePort !== undefined) {
      if (serviceType !== 'NodePort') {
        throw new ValidationError(f('nodePort'), props.nodePort, `Only applies with serviceType "NodePort" (serviceType is "${serviceType}"). Remove nodePort or set serviceType: 'NodePort'.`);
      }
      validateInteger(f('nodePort'), props.nodePort, 30000, 32767);
    }
    const livenessPath = validateHttpPath(f('livenessPath'), props.livenessPath ?? '/healthz');
    const readinessPath = validateHttpPath(f('readinessPath'), props.readinessPath ?? '/readyz');
    const maxUnavailable = validateInteger(f('maxUnavailable'), props.maxUnavailable ?? 1, 1, 1000);
    const grace = validateInteger(f('terminationGracePeriodSeconds'), props.terminationGracePeriodSeconds ?? 30, 1, 3600);
    const nodeLossSeconds = validateInteger(f('nodeLossTolerationSeconds'), props.nodeLossTolerationSeconds ?? 30, 0, 3600);
    const user = props.user ?? { uid: 65532, gid: 65532 };
    validateInteger(f('user.uid'), user.uid, 1, 2147483647);
    validateInteger(f('user.gid'), user.gid, 1, 2147483647);
    const resources = renderResources(f('resources'), props.resources ?? DEFAULT_WEB_RESOURCES);

    const config = props.config;
    if (config && config.namespace !== this.namespace) {
      throw new ValidationError(f('config'), config.namespace, `Must be in the same namespace as the workload ("${this.namespace}"): env references cannot cross namespaces.`);
    }
    const secretEnv = Object.entries(props.secretEnv ?? {});
    if (secretEnv.length > 0 && !config) {
      throw new ValidationError(f('secretEnv'), props.secretEnv, 'Needs config: secretEnv names keys of config\'s Secret.');
    }
    const env = secretEnv.map(([envName, key]) => config!.secretEnv(validateEnvVarName(f('secretEnv key'), envName), key));
    const secretFiles = Object.entries(props.secretFiles ?? {});
    if (secretFiles.length > 0 && !config) {
      throw new ValidationError(f('secretFiles'), props.secretFiles, 'Needs config: secretFiles names keys of config\'s Secret.');
    }
    for (const [envName] of secretFiles) {
      validateEnvVarName(f('secretFiles key'), envName);
      if (props.secretEnv?.[envName] !== undefined) {
        throw new ValidationError(f('secretFiles key'), envName, 'Also set in secretEnv: set each env var in one of them.');
      }
    }
    const mount = secretFiles.length > 0 ? config!.secretMount({ keys: [...new Set(secretFiles.map(([, key]) => key))] }) : undefined;
    for (const [envName, key] of secretFiles) env.push({ name: envName, value: mount!.filePath(key) });
    // The mounted files are owned by root and group-readable only: the pod's group must own the volume.
    const podUser = mount ? { ...user, fsGroup: user.fsGroup ?? user.gid } : user;

    // One identity per workload: RBAC granted to one can never leak to another through the
    // shared `default` ServiceAccount. No token: the app does not call the Kubernetes API.
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      automountServiceAccountToken: false,
    });

    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      // On the Deployment, not the pod template: declaring an out-of-band Secret must not roll the pods.
      metadata: compact({ name: this.name, namespace: this.namespace, labels, annotations: env.length > 0 ? config!.workloadAnnotations() : undefined }),
      spec: compact({
        replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) } },
        template: {
          metadata: {
            labels,
            annotations: { [CONFIG_HASH_ANNOTATION]: config ? config.hash : configHash({}) },
          },
          spec: {
            serviceAccountName: this.serviceAccount.name,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: grace,
            securityContext: restrictedPodSecurityContext(podUser),
            // Soft spreading: prefer different nodes, but still schedule on a one-node cluster.
            topologySpreadConstraints: [{
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: this.selector },
            }],
            // The node controller taints a node that stops answering; these replace the
            // admission plugin's 300 s defaults so the pods move after nodeLossTolerationSeconds.
            tolerations: ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].map((key) => ({
              key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: nodeLossSeconds,
            })),
            containers: [compact({
              name: 'web',
              image,
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'http', containerPort: this.containerPort, protocol: 'TCP' }],
              env: [{ name: 'PORT', value: String(this.containerPort) }, ...env],
              envFrom: config ? [config.envFrom()] : undefined,
              resources,
              securityContext: restrictedContainerSecurityContext(user),
              startupProbe: httpProbe(livenessPath, { periodSeconds: 2, failureThreshold: 30 }),
              livenessProbe: httpProbe(livenessPath, { periodSeconds: 10, failureThreshold: 3 }),
              readinessProbe: httpProbe(readinessPath, { periodSeconds: 5, failureThreshold: 2 }),
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...(mount ? [mount.volumeMount] : [])],
            })],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } }, ...(mount ? [mount.volume] : [])],
          },
        },
      }),
    });

    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name: this.serviceName, namespace: this.namespace, labels },
      spec: {
        type: serviceType,
        selector: this.selector,
        ports: [compact({
          name: this.servicePortName,
          port: this.servicePort,
          targetPort: k8s.IntOrString.fromString('http'),
          protocol: 'TCP',
          nodePort: props.nodePort,
        })],
      },
    });

    this.podDisruptionBudget = new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: {
        maxUnavailable: k8s.IntOrString.fromNumber(maxUnavailable),
        selector: { matchLabels: this.selector },
        // The default (IfHealthyBudget) never evicts a not-ready pod while the budget is
        // used up: with the database down every web pod is not ready, and a node drain
        // would hang on pods that serve nothing anyway.
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });

    if (props.autoscaling) {
      const a = props.autoscaling;
      validateInteger(f('autoscaling.minReplicas'), a.minReplicas, 1, 1000);
      validateInteger(f('autoscaling.maxReplicas'), a.maxReplicas, 1, 1000);
      if (a.maxReplicas < a.minReplicas) {
        throw new ValidationError(f('autoscaling.maxReplicas'), a.maxReplicas, `Must be at least autoscaling.minReplicas (${a.minReplicas}).`);
      }
      // The API server takes any int32 >= 1 (validateMetricTarget): above 100 means "scale out
      // only once pods use more than they requested", normal for bursty CPU with a higher limit.
      const target = validateInteger(f('autoscaling.targetCpuUtilization'), a.targetCpuUtilization ?? 70, 1, 2147483647);
      this.horizontalPodAutoscaler = new k8s.KubeHorizontalPodAutoscalerV2(this, 'HorizontalPodAutoscaler', {
        metadata: { name: this.name, namespace: this.namespace, labels },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.name },
          minReplicas: a.minReplicas,
          maxReplicas: a.maxReplicas,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: target } } }],
        },
      });
    }
  }
}

function httpProbe(path: string, timing: { periodSeconds: number; failureThreshold: number }): k8s.Probe {
  return {
    httpGet: { path, port: k8s.IntOrString.fromString('http') },
    periodSeconds: timing.periodSeconds,
    failureThreshold: timing.failureThreshold,
    timeoutSeconds: 2,
  };
}
