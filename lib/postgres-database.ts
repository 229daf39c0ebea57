/**
 * A single-instance PostgreSQL StatefulSet with its headless and client Services,
 * persistent storage from volumeClaimTemplates and a PodDisruptionBudget.
 *
 * Follows the official `postgres` image contract: POSTGRES_USER, POSTGRES_PASSWORD_FILE
 * (the password as a mounted Secret file), POSTGRES_DB and PGDATA, uid/gid 999. Written with the L1 StatefulSet because
 * cdk8s-plus-27 has no volumeClaimTemplates API, and a storage size patched in as a
 * plain string is serialized as `storage: null`; `k8s.Quantity` keeps it a quantity.
 *
 * One replica only: a second PostgreSQL pod would be a second, empty database, not a
 * replica. For high availability use an operator (CloudNativePG, Zalando) instead.
 */
import * as k8s from '../imports/k8s';
import { Construct } from 'constructs';
import { AppConfig } from './app-config';
import { CONFIG_HASH_ANNOTATION } from './config-hash';
import { AppIdentity, claimTemplateLabels, recommendedLabels, selectorLabels, validateIdentity, versionFromImage } from './labels';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from './pod-security';
import { ResourceRequirements, renderResources } from './resources';
import { checkUniqueObjects } from './unique-objects';
import {
  ValidationError, fieldOf, namespaceFor, validateDnsLabel, validateDnsSubdomain, validateImage, validateInteger, validateOneOf,
  validatePositiveQuantity, validatePostgresIdentifier,
} from './prop-checks';

/** What happens to the PersistentVolumeClaims when the StatefulSet is deleted or scaled down. */
export type ClaimRetention = 'Retain' | 'Delete';

/** Props of {@link PostgresDatabase}. */
export interface PostgresDatabaseProps {
  /**
   * Namespace of every object.
   * @default - the Chart's namespace, else 'default'
   */
  readonly namespace?: string;
  /**
   * Name of the StatefulSet and of the client Service that applications connect to.
   * The headless Service is `<name>-headless`.
   * @default 'postgres'
   */
  readonly name?: string;
  /**
   * PostgreSQL image following the official `postgres` image contract (uid 999).
   * @default 'postgres:16.4-bookworm'
   */
  readonly image?: string;
  /**
   * Recommended-label values.
   * @default - name 'postgresql', instance and part-of from `name`, component 'database', version from the image tag
   */
  readonly identity?: Partial<AppIdentity>;
  /**
   * TCP port of the server and of both Services (1024-65535: the server runs as a non-root user).
   * @default 5432
   */
  readonly port?: number;
  /**
   * Where the user, database name and password come from. The StatefulSet reads
   * POSTGRES_USER and POSTGRES_DB from `userKey` and `databaseKey` of its ConfigMap
   * and the password from `passwordKey` of its Secret, mounted as a file: the same objects the
   * application reads, so the two cannot disagree.
   * @default - an AppConfig of its own with user and database `app` and an out-of-band Secret `app-credentials`
   */
  readonly config?: AppConfig;
  /**
   * ConfigMap key holding the database user.
   * @default 'DB_USER'
   */
  readonly userKey?: string;
  /**
   * ConfigMap key holding the database name.
   * @default 'DB_NAME'
   */
  readonly databaseKey?: string;
  /**
   * Secret key holding the password.
   * @default 'password'
   */
  readonly passwordKey?: string;
  /**
   * Size of the data volume claim.
   * @default '1Gi'
   */
  readonly storage?: string;
  /**
   * StorageClass of the data volume claim.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Access mode of the data volume claim.
   * @default 'ReadWriteOnce'
   */
  readonly accessMode?: 'ReadWriteOnce' | 'ReadWriteOncePod';
  /**
   * Keep or delete the claim when the StatefulSet is deleted. `Retain` keeps the data.
   * @default 'Retain'
   */
  readonly retainOnDelete?: ClaimRetention;
  /**
   * Keep or delete the claim when the StatefulSet is scaled down.
   * @default 'Retain'
   */
  readonly retainOnScaleDown?: ClaimRetention;
  /**
   * Container resources.
   * @default - laptop-sized: 100m/500m CPU, 256Mi/512Mi memory, 64Mi/1Gi ephemeral storage
   */
  readonly resources?: ResourceRequirements;
}

/** Laptop-sized defaults for a small PostgreSQL. */
export const DEFAULT_POSTGRES_RESOURCES: ResourceRequirements = {
  cpuRequest: '100m', cpuLimit: '500m',
  memoryRequest: '256Mi', memoryLimit: '512Mi',
  ephemeralStorageRequest: '64Mi', ephemeralStorageLimit: '1Gi',
};

const POSTGRES_UID = 999;
const DATA_MOUNT = '/var/lib/postgresql/data';

/** PostgreSQL as a StatefulSet with persistent storage. */
export class PostgresDatabase extends Construct {
  public readonly namespace: string;
  /** Name of the client Service: the database host for applications in the namespace. */
  public readonly serviceName: string;
  /** Name of the headless Service that gives the pod its stable DNS name. */
  public readonly headlessServiceName: string;
  public readonly port: number;
  /** Labels that select the database pod; use them in NetworkPolicies. */
  public readonly selector: Record<string, string>;
  public readonly statefulSet: k8s.KubeStatefulSet;
  /** The database pod's own ServiceAccount (same name as the StatefulSet, no API token). */
  public readonly serviceAccount: k8s.KubeServiceAccount;

  constructor(scope: Construct, id: string, props: PostgresDatabaseProps = {}) {
    super(scope, id);
    const f = (prop: string) => fieldOf(this, prop);
    checkUniqueObjects(this);
    this.namespace = namespaceFor(this, f('namespace'), props.namespace);
    const name = validateDnsLabel(f('name'), props.name ?? 'postgres', 52);
    this.serviceName = name;
    this.headlessServiceName = `${name}-headless`;
    const image = validateImage(f('image'), props.image ?? 'postgres:16.4-bookworm');
    const identity = validateIdentity(this, 'identity', {
      name: 'postgresql', instance: name, partOf: name, component: 'database', version: versionFromImage(image), ...props.identity,
    });
    const labels = recommendedLabels(identity);
    this.selector = selectorLabels(identity);
    // uid 999 without capabilities cannot bind a port below 1024.
    this.port = validateInteger(f('port'), props.port ?? 5432, 1024, 65535);
    const storage = validatePositiveQuantity(f('storage'), props.storage ?? '1Gi');
    if (props.storageClassName !== undefined) validateDnsSubdomain(f('storageClassName'), props.storageClassName);
    const accessMode = validateOneOf(f('accessMode'), props.accessMode ?? 'ReadWriteOnce', ['ReadWriteOnce', 'ReadWriteOncePod'] as const);
    const retention = ['Retain', 'Delete'] as const;
    const whenDeleted = validateOneOf(f('retainOnDelete'), props.retainOnDelete ?? 'Retain', retention);
    const whenScaled = validateOneOf(f('retainOnScaleDown'), props.retainOnScaleDown ?? 'Retain', retention);
    const resources = renderResources(f('resources'), props.resources ?? DEFAULT_POSTGRES_RESOURCES);

    const config = props.config ?? new AppConfig(this, 'Config', { namespace: this.namespace });
    if (config.namespace !== this.namespace) {
      throw new ValidationError(f('config'), config.namespace, `Must be in the same namespace as the database ("${this.namespace}"): env references cannot cross namespaces.`);
    }
    const userKey = props.userKey ?? 'DB_USER';
    const databaseKey = props.databaseKey ?? 'DB_NAME';
    const passwordKey = props.passwordKey ?? 'password';
    validatePostgresIdentifier(f(`config setting ${userKey}`), config.setting(userKey), 'role');
    validatePostgresIdentifier(f(`config setting ${databaseKey}`), config.setting(databaseKey), 'database');
    const user = { uid: POSTGRES_UID, gid: POSTGRES_UID, fsGroup: POSTGRES_UID };
    // pg_isready needs no credentials: it only asks whether the server accepts connections.
    // TCP on 127.0.0.1 rather than the socket, so the probe fails while the image's
    // entrypoint runs its socket-only bootstrap server during initdb.
    // The password as a read-only file (POSTGRES_PASSWORD_FILE), not an env var.
    const credentials = config.secretMount({ keys: [passwordKey] });
    const pgIsReady = ['pg_isready', '--host=127.0.0.1', `--port=${this.port}`, '--timeout=3', `--username=${config.setting(userKey)}`];

    new k8s.KubeService(this, 'HeadlessService', {
      metadata: { name: this.headlessServiceName, namespace: this.namespace, labels },
      spec: {
        clusterIp: 'None',
        // Publish the pod's DNS record before it is ready, so peers can find it during start-up.
        publishNotReadyAddresses: true,
        selector: this.selector,
        ports: [{ name: 'postgresql', port: this.port, targetPort: k8s.IntOrString.fromString('postgresql'), protocol: 'TCP' }],
      },
    });

    new k8s.KubeService(this, 'Service', {
      metadata: { name: this.serviceName, namespace: this.namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector: this.selector,
        ports: [{ name: 'postgresql', port: this.port, targetPort: k8s.IntOrString.fromString('postgresql'), protocol: 'TCP' }],
      },
    });

    // Its own identity, so RBAC for the web tier never applies here; PostgreSQL does not call the API.
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name, namespace: this.namespace, labels },
      automountServiceAccountToken: false,
    });

    this.statefulSet = new k8s.KubeStatefulSet(this, 'StatefulSet', {
      // Declares the password Secret when it is created out of band (on the StatefulSet, so it rolls no pod).
      metadata: { name, namespace: this.namespace, labels, annotations: config.workloadAnnotations() },
      spec: {
        replicas: 1,
        serviceName: this.headlessServiceName,
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate' },
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.selector },
        persistentVolumeClaimRetentionPolicy: { whenDeleted, whenScaled },
        template: {
          // Only the settings postgres reads: an app-only change (log level, title) must
          // not restart the database under the web tier.
          metadata: { labels, annotations: { [CONFIG_HASH_ANNOTATION]: config.hashOf([userKey, databaseKey], [passwordKey]) } },
          spec: {
            serviceAccountName: this.serviceAccount.name,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            // Time for a clean shutdown checkpoint; a killed postgres must replay WAL on start.
            terminationGracePeriodSeconds: 60,
            securityContext: restrictedPodSecurityContext(user),
            containers: [{
              name: 'postgres',
              image,
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'postgresql', containerPort: this.port, protocol: 'TCP' }],
              env: [
                config.settingEnv('POSTGRES_USER', userKey),
                config.settingEnv('POSTGRES_DB', databaseKey),
                { name: 'POSTGRES_PASSWORD_FILE', value: credentials.filePath(passwordKey) },
                // A subdirectory, because the volume root may hold lost+found, which initdb refuses.
                { name: 'PGDATA', value: `${DATA_MOUNT}/pgdata` },
                { name: 'PGPORT', value: String(this.port) },
              ],
              resources,
              securityContext: restrictedContainerSecurityContext(user),
              startupProbe: execProbe(pgIsReady, { periodSeconds: 5, failureThreshold: 60 }),
              // Liveness asks less than readiness: only whether the server still listens. With
              // pg_isready here too, a server that answers slowly (overload, a long checkpoint)
              // or refuses connections while it replays WAL would be restarted, which only
              // makes that worse; readiness already takes it out of the Service. Runs only
              // after the startup probe passed, so the socket-only initdb server is never probed.
              livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('postgresql') }, periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 5 },
              readinessProbe: execProbe(pgIsReady, { periodSeconds: 5, failureThreshold: 3 }),
              volumeMounts: [
                { name: 'data', mountPath: DATA_MOUNT },
                // The root filesystem is read-only; these are the paths postgres writes outside PGDATA.
                { name: 'run', mountPath: '/var/run/postgresql' },
                { name: 'tmp', mountPath: '/tmp' },
                credentials.volumeMount,
              ],
            }],
            volumes: [
              { name: 'run', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
              credentials.volume,
            ],
          },
        },
        volumeClaimTemplates: [{
          // Immutable: only labels that stay the same across releases (no version).
          metadata: { name: 'data', labels: claimTemplateLabels(identity) },
          spec: {
            accessModes: [accessMode],
            storageClassName: props.storageClassName,
            resources: { requests: { storage: k8s.Quantity.fromString(storage) } },
          },
        }],
      },
    });

    // A single database pod cannot stay up through a drain; a budget of 1 lets a drain
    // proceed (with downtime) instead of blocking forever, and still serializes evictions.
    new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
      metadata: { name, namespace: this.namespace, labels },
      spec: {
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: this.selector },
        // Explicit, so a crash-looping database pod never blocks a drain, whatever the budget becomes.
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });
  }
}

function execProbe(command: string[], timing: { periodSeconds: number; failureThreshold: number }): k8s.Probe {
  return { exec: { command }, periodSeconds: timing.periodSeconds, failureThreshold: timing.failureThreshold, timeoutSeconds: 5 };
}
