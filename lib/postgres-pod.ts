/**
 * The one pod template of every PostgreSQL pod a {@link PostgresDatabase} runs: the single
 * instance (the official image as is) and the Patroni members. What they share is written
 * here once (identity 999, Pod Security `restricted`, the data volume and the emptyDirs a
 * read-only root filesystem needs, pull policy, grace period); what differs is passed in.
 */
import { compact } from './compact';
import * as k8s from './k8s';
import { PATRONI_PORT, POSTGRES_UID } from './postgres-image';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from './pod-security';

/** Where the data volume is mounted; PGDATA is a subdirectory (the volume root may hold lost+found, which initdb refuses). */
export const DATA_MOUNT = '/var/lib/postgresql/data';
export const PGDATA = `${DATA_MOUNT}/pgdata`;

/** The identity the database pods run as: the image's postgres user. */
export const POSTGRES_USER_IDS = { uid: POSTGRES_UID, gid: POSTGRES_UID, fsGroup: POSTGRES_UID };

/** What one variant of the database pod brings. */
export interface PostgresPodOptions {
  /** Pod template labels (the selector's and more). */
  readonly labels: Record<string, string>;
  /** Pod template annotations (config and scripts digests). */
  readonly annotations: Record<string, string>;
  readonly serviceAccountName: string;
  /** Whether the pod gets an API token: only Patroni's members talk to the Kubernetes API. */
  readonly apiToken: boolean;
  readonly image: string;
  /** The server's port (container port `postgresql`). */
  readonly port: number;
  /** Whether the container also listens on Patroni's REST API port (container port `patroni`). */
  readonly patroniPort: boolean;
  readonly resources: k8s.ResourceRequirements;
  /**
   * Container command.
   * @default - the image's entrypoint
   */
  readonly command?: string[] | undefined;
  /**
   * Container arguments.
   * @default - the image's command (`postgres`)
   */
  readonly args?: string[] | undefined;
  readonly env: k8s.EnvVar[];
  readonly startupProbe: k8s.Probe;
  readonly livenessProbe: k8s.Probe;
  readonly readinessProbe: k8s.Probe;
  /** Mounts beyond the data volume and the emptyDirs. */
  readonly volumeMounts: k8s.VolumeMount[];
  /** Volumes beyond the emptyDirs (the data volume comes from the claim template). */
  readonly volumes: k8s.Volume[];
  /**
   * Scheduling: spread the members over nodes.
   * @default - none (one pod)
   */
  readonly affinity?: k8s.Affinity | undefined;
  /**
   * Scheduling: spread the members over nodes.
   * @default - none (one pod)
   */
  readonly topologySpreadConstraints?: k8s.TopologySpreadConstraint[] | undefined;
}

/** The pod template of a database pod. */
export function postgresPodTemplate(o: PostgresPodOptions): k8s.PodTemplateSpec {
  const ports: k8s.ContainerPort[] = [{ name: 'postgresql', containerPort: o.port, protocol: 'TCP' }];
  if (o.patroniPort) ports.push({ name: 'patroni', containerPort: PATRONI_PORT, protocol: 'TCP' });
  return {
    metadata: { labels: o.labels, annotations: o.annotations },
    spec: compact({
      serviceAccountName: o.serviceAccountName,
      automountServiceAccountToken: o.apiToken,
      enableServiceLinks: false,
      // Time for a clean shutdown checkpoint; a killed postgres must replay WAL on start.
      terminationGracePeriodSeconds: 60,
      securityContext: restrictedPodSecurityContext(POSTGRES_USER_IDS),
      affinity: o.affinity,
      topologySpreadConstraints: o.topologySpreadConstraints,
      containers: [compact({
        name: 'postgres',
        image: o.image,
        imagePullPolicy: 'IfNotPresent',
        command: o.command,
        args: o.args,
        ports,
        env: o.env,
        resources: o.resources,
        securityContext: restrictedContainerSecurityContext(POSTGRES_USER_IDS),
        startupProbe: o.startupProbe,
        livenessProbe: o.livenessProbe,
        readinessProbe: o.readinessProbe,
        volumeMounts: [
          { name: 'data', mountPath: DATA_MOUNT },
          // The root filesystem is read-only; these are the paths postgres writes outside PGDATA.
          { name: 'run', mountPath: '/var/run/postgresql' },
          { name: 'tmp', mountPath: '/tmp' },
          ...o.volumeMounts,
        ],
      })],
      volumes: [
        { name: 'run', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
        { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
        ...o.volumes,
      ],
    }),
  };
}

/** A probe that runs a command, 5 s timeout. */
export function execProbe(command: string[], periodSeconds: number, failureThreshold: number): k8s.Probe {
  return { exec: { command }, periodSeconds, failureThreshold, timeoutSeconds: 5 };
}
