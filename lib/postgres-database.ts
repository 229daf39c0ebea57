/**
 * PostgreSQL as a StatefulSet (the primary) with its headless and client Services,
 * persistent storage from volumeClaimTemplates and a PodDisruptionBudget; optionally
 * hot standbys and TLS (below).
 *
 * Follows the official `postgres` image contract: POSTGRES_USER, POSTGRES_PASSWORD_FILE
 * (the password as a mounted Secret file), POSTGRES_DB and PGDATA, uid/gid 999. Written
 * with the L1 StatefulSet because cdk8s-plus-27 has no volumeClaimTemplates API (plus-31
 * adds one), and a storage size patched in as a plain string is written as `storage: null`
 * (cdk8s applies patches before converting to the API's JSON); `k8s.Quantity` keeps it a
 * quantity. See docs/decisions/0001-l1-vs-cdk8s-plus.md.
 *
 * With `replicas` above 1 (streaming replication): a second StatefulSet
 * `<name>-replica` runs hot standbys that clone the primary with pg_basebackup and
 * stream WAL from it, behind the read-only Service `<name>-read`. Two StatefulSets,
 * because a Service selects by label equality and so cannot tell pod 0 of one
 * StatefulSet from the others (the layout of Bitnami's `architecture: replication`).
 * The primary keeps its name, selector, serviceName and claim template, so an existing
 * single-instance database upgrades in place. There is no automatic failover: that
 * needs an operator (CloudNativePG, Patroni); the README gives the manual promotion.
 *
 * With `tls`, the server uses the certificate, key and CA of a `kubernetes.io/tls`
 * Secret (plus `ca.crt`) and refuses plain-text TCP connections; the replication
 * connection uses `sslmode=verify-full`.
 */
import * as k8s from './k8s';
import { Construct } from 'constructs';
import { AppConfig, DEFAULT_DATABASE_KEY, DEFAULT_PASSWORD_KEY, DEFAULT_USER_KEY } from './app-config';
import { CONFIG_HASH_ANNOTATION, configHash } from './config-hash';
import { AppIdentity, WorkloadProps, claimTemplateLabels, recommendedLabels, selectorLabels, validateIdentity, versionFromImage } from './labels';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from './pod-security';
import { declareExternalSecret } from './external-secrets';
import { SCRIPTS_DIR, databaseScripts, tlsServerArgs } from './postgres-scripts';
import { ResourceRequirements, renderResources } from './resources';
import { NetworkPolicies } from './network-policies';
import { DEFAULT_POSTGRES_IMAGE, DEFAULT_POSTGRES_PORT, POSTGRES_UID } from './postgres-image';
import { checkUniqueObjects } from './unique-objects';
import { validateDistinctRoles } from './postgres-roles';
import {
  ValidationError, fieldOf, namespaceFor, validateDnsLabel, validateDnsSubdomain, validateImage, validateInteger, validateLabelValue, validateOneOf,
  validatePositiveQuantity, validatePostgresIdentifier,
} from './prop-checks';

/** What happens to the PersistentVolumeClaims when the StatefulSet is deleted or scaled down. */
export type ClaimRetention = 'Retain' | 'Delete';

/** Props of {@link PostgresDatabase}. */
export interface PostgresDatabaseProps extends WorkloadProps {
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
  /**
   * Number of PostgreSQL pods: 1 primary plus `replicas - 1` hot standbys. With 1,
   * no standby object is rendered at all.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Name of the replication role (created on the primary by the bootstrap scripts).
   * Only used with `replicas` above 1.
   * @default 'replicator'
   */
  readonly replicationUser?: string;
  /**
   * Key of the Secret holding the replication role's password. The Secret must have
   * it when `replicas` is above 1.
   * @default 'replication-password'
   */
  readonly replicationPasswordKey?: string;
  /**
   * TLS for every TCP connection to the servers, replication included.
   * @default - no TLS (plain-text connections)
   */
  readonly tls?: PostgresTls;
}

/** TLS settings of {@link PostgresDatabase}. */
export interface PostgresTls {
  /**
   * A Secret in the namespace with `tls.crt`, `tls.key` (type `kubernetes.io/tls`) and
   * `ca.crt`. The certificate must name `<name>.<namespace>.svc.cluster.local` and,
   * with standbys, `<name>-read.<namespace>.svc.cluster.local`.
   */
  readonly secretName: string;
}

/** Secret key of the replication role's password, unless `replicationPasswordKey` says otherwise. */
/** Most database pods (the primary and its standbys): each standby streams from the primary. */
export const MAX_POSTGRES_REPLICAS = 10;

export const DEFAULT_REPLICATION_PASSWORD_KEY = 'replication-password';
/** Where the TLS Secret is mounted in database pods; clients mount `ca.crt` where they like. */
export const TLS_DIR = '/etc/postgresql-tls';
/** Pod-template label telling a primary from a standby (`primary` / `standby`). */
export const ROLE_LABEL = 'refarch.example.com/role';
/** Pod-template annotation with the digest of the bootstrap scripts, so a script change rolls the pods. */
export const SCRIPTS_HASH_ANNOTATION = 'refarch.example.com/scripts-hash';

/** Laptop-sized defaults for a small PostgreSQL. */
export const DEFAULT_POSTGRES_RESOURCES: ResourceRequirements = {
  cpuRequest: '100m', cpuLimit: '500m',
  memoryRequest: '256Mi', memoryLimit: '512Mi',
  ephemeralStorageRequest: '64Mi', ephemeralStorageLimit: '1Gi',
};


const DATA_MOUNT = '/var/lib/postgresql/data';

/** The hot standbys of a {@link PostgresDatabase} with `replicas` above 1. */
export interface PostgresStandbys {
  readonly namespace: string;
  /** `<name>-replica`: the StatefulSet, its ServiceAccount and PDB. */
  readonly name: string;
  /** Labels that select the standby pods (never the primary). */
  readonly selector: Record<string, string>;
  readonly statefulSet: k8s.KubeStatefulSet;
  readonly serviceAccount: k8s.KubeServiceAccount;
  /** `<name>-replica-headless`. */
  readonly headlessService: k8s.KubeService;
  /** `<name>-read`: the read-only Service of the ready standbys. */
  readonly readService: k8s.KubeService;
  readonly podDisruptionBudget: k8s.KubePodDisruptionBudget;
  /** Standby -> primary on the database port (`allow-<name>-replica-to-primary-{egress,ingress}`). */
  readonly networkPolicies: NetworkPolicies;
}

/** PostgreSQL as a StatefulSet with persistent storage. */
export class PostgresDatabase extends Construct {
  public readonly namespace: string;
  /** Name of the StatefulSet, its ServiceAccount and PDB, and of the client Service. */
  public readonly name: string;
  /** The server's image (backups use it too: pg_dump must be at least the server's major version). */
  public readonly image: string;
  /** Where the user, database name and password come from (given, or its own). */
  public readonly config: AppConfig;
  /** Keys of `config` holding the user, the database name and (in its Secret) the password. */
  public readonly userKey: string;
  public readonly databaseKey: string;
  public readonly passwordKey: string;
  /** Name of the client Service: the database host for applications in the namespace. */
  public readonly serviceName: string;
  /** Name of the headless Service that gives the pod its stable DNS name. */
  public readonly headlessServiceName: string;
  public readonly port: number;
  /** The server's named container port, for {@link NetworkPolicies.allow}. */
  public readonly ports: { readonly postgresql: { readonly name: 'postgresql'; readonly port: number; readonly protocol: 'TCP' } };
  /** Labels that select the database pod (the primary); use them in NetworkPolicies. */
  public readonly selector: Record<string, string>;
  public readonly statefulSet: k8s.KubeStatefulSet;
  /** The client Service `<name>`: the primary. */
  public readonly service: k8s.KubeService;
  /** The headless Service `<name>-headless` named by the StatefulSet's serviceName. */
  public readonly headlessService: k8s.KubeService;
  public readonly podDisruptionBudget: k8s.KubePodDisruptionBudget;
  /** ConfigMap `<name>-scripts` of the bootstrap scripts; undefined with one replica and no TLS. */
  public readonly scriptsConfigMap?: k8s.KubeConfigMap;
  /** The standbys and everything of theirs; undefined with a single replica. */
  public readonly standbys?: PostgresStandbys;
  /** The database pod's own ServiceAccount (same name as the StatefulSet, no API token). */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** Total pods: the primary plus the standbys. */
  public readonly replicas: number;
  /** Read-only Service of the ready standbys; undefined with a single replica. */
  public readonly readServiceName?: string;
  /** Labels that select the standby pods; undefined with a single replica. */
  public readonly standbySelector?: Record<string, string>;
  /** The standbys' StatefulSet; undefined with a single replica. */
  public readonly standbyStatefulSet?: k8s.KubeStatefulSet;
  /** The TLS Secret, when TLS is on. */
  public readonly tlsSecretName?: string;

  constructor(scope: Construct, id: string, props: PostgresDatabaseProps = {}) {
    super(scope, id);
    const f = (prop: string) => fieldOf(this, prop);
    checkUniqueObjects(this);
    this.namespace = namespaceFor(this, f('namespace'), props.namespace);
    const name = validateDnsLabel(f('name'), props.name ?? 'postgres', 52);
    this.name = name;
    this.serviceName = name;
    this.headlessServiceName = `${name}-headless`;
    const image = validateImage(f('image'), props.image ?? DEFAULT_POSTGRES_IMAGE);
    this.image = image;
    const identity = validateIdentity(this, 'identity', {
      name: 'postgresql', instance: name, partOf: name, component: 'database', version: versionFromImage(image), ...props.identity,
    });
    const labels = recommendedLabels(identity);
    this.selector = selectorLabels(identity);
    // uid 999 without capabilities cannot bind a port below 1024.
    this.port = validateInteger(f('port'), props.port ?? DEFAULT_POSTGRES_PORT, 1024, 65535);
    this.ports = { postgresql: { name: 'postgresql', port: this.port, protocol: 'TCP' } };
    const storage = validatePositiveQuantity(f('storage'), props.storage ?? '1Gi');
    if (props.storageClassName !== undefined) validateDnsSubdomain(f('storageClassName'), props.storageClassName);
    const accessMode = validateOneOf(f('accessMode'), props.accessMode ?? 'ReadWriteOnce', ['ReadWriteOnce', 'ReadWriteOncePod'] as const);
    const retention = ['Retain', 'Delete'] as const;
    const whenDeleted = validateOneOf(f('retainOnDelete'), props.retainOnDelete ?? 'Retain', retention);
    const whenScaled = validateOneOf(f('retainOnScaleDown'), props.retainOnScaleDown ?? 'Retain', retention);
    const resources = renderResources(f('resources'), props.resources ?? DEFAULT_POSTGRES_RESOURCES);

    const config = props.config ?? new AppConfig(this, 'Config', { namespace: this.namespace });
    this.config = config;
    if (config.namespace !== this.namespace) {
      throw new ValidationError(f('config'), config.namespace, `Must be in the same namespace as the database ("${this.namespace}"): env references cannot cross namespaces.`);
    }
    const userKey = this.userKey = props.userKey ?? DEFAULT_USER_KEY;
    const databaseKey = this.databaseKey = props.databaseKey ?? DEFAULT_DATABASE_KEY;
    const passwordKey = this.passwordKey = props.passwordKey ?? DEFAULT_PASSWORD_KEY;
    validatePostgresIdentifier(f(`config setting ${userKey}`), config.setting(userKey), 'role');
    validatePostgresIdentifier(f(`config setting ${databaseKey}`), config.setting(databaseKey), 'database');
    const user = { uid: POSTGRES_UID, gid: POSTGRES_UID, fsGroup: POSTGRES_UID };
    // pg_isready needs no credentials: it only asks whether the server accepts connections.
    // TCP on 127.0.0.1 rather than the socket, so the probe fails while the image's
    // entrypoint runs its socket-only bootstrap server during initdb.
    // The password as a read-only file (POSTGRES_PASSWORD_FILE), not an env var.
    const credentials = config.secretMount({ keys: [passwordKey] });
    const pgIsReady = ['pg_isready', '--host=127.0.0.1', `--port=${this.port}`, '--timeout=3', `--username=${config.setting(userKey)}`];
    const ha = this.highAvailability(props, config, identity, name);
    this.replicas = ha.replicas;
    this.tlsSecretName = ha.tlsSecretName;
    this.scriptsConfigMap = ha.scriptsConfigMap;

    this.headlessService = new k8s.KubeService(this, 'HeadlessService', {
      metadata: { name: this.headlessServiceName, namespace: this.namespace, labels },
      spec: {
        clusterIp: 'None',
        // Publish the pod's DNS record before it is ready, so peers can find it during start-up.
        publishNotReadyAddresses: true,
        selector: this.selector,
        ports: [{ name: 'postgresql', port: this.port, targetPort: k8s.IntOrString.fromString('postgresql'), protocol: 'TCP' }],
      },
    });

    this.service = new k8s.KubeService(this, 'Service', {
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
          metadata: {
            labels: { ...labels, ...ha.primaryLabels },
            annotations: { [CONFIG_HASH_ANNOTATION]: config.hashOf([userKey, databaseKey], [passwordKey, ...ha.secretKeys]), ...ha.annotations },
          },
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
              ...ha.primaryCommand,
              ports: [{ name: 'postgresql', containerPort: this.port, protocol: 'TCP' }],
              env: [
                config.settingEnv('POSTGRES_USER', userKey),
                config.settingEnv('POSTGRES_DB', databaseKey),
                { name: 'POSTGRES_PASSWORD_FILE', value: credentials.filePath(passwordKey) },
                // A subdirectory, because the volume root may hold lost+found, which initdb refuses.
                { name: 'PGDATA', value: `${DATA_MOUNT}/pgdata` },
                { name: 'PGPORT', value: String(this.port) },
                ...ha.env,
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
              readinessProbe: ha.primaryReadiness ?? execProbe(pgIsReady, { periodSeconds: 5, failureThreshold: 3 }),
              volumeMounts: [
                { name: 'data', mountPath: DATA_MOUNT },
                // The root filesystem is read-only; these are the paths postgres writes outside PGDATA.
                { name: 'run', mountPath: '/var/run/postgresql' },
                { name: 'tmp', mountPath: '/tmp' },
                credentials.volumeMount,
                ...ha.primaryMounts,
              ],
            }],
            volumes: [
              { name: 'run', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
              credentials.volume,
              ...ha.volumes,
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
    this.podDisruptionBudget = new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
      metadata: { name, namespace: this.namespace, labels },
      spec: {
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: this.selector },
        // Explicit, so a crash-looping database pod never blocks a drain, whatever the budget becomes.
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });

    if (this.tlsSecretName) declareExternalSecret(this.statefulSet, this.tlsSecretName);
    if (ha.standby) {
      const standbys = this.renderStandbys(ha.standby, {
        name, image, labels, user, resources, pgIsReady, config, userKey, passwordKey,
        identity: { ...identity, component: `${identity.component}-replica` },
        claim: { accessModes: [accessMode], storageClassName: props.storageClassName, resources: { requests: { storage: k8s.Quantity.fromString(storage) } } },
        retention: { whenDeleted, whenScaled },
        env: ha.env, mounts: ha.standbyMounts, volumes: ha.volumes, args: ha.serverArgs, annotations: ha.annotations,
      });
      this.readServiceName = standbys.readServiceName;
      this.standbySelector = standbys.selector;
      this.standbyStatefulSet = standbys.statefulSet;
      this.standbys = standbys;
      if (this.tlsSecretName) declareExternalSecret(standbys.statefulSet, this.tlsSecretName);
    }
  }

  /**
   * Validates the replication and TLS props and works out what they add to the
   * primary. Adds nothing with one replica and no TLS, so such a database renders as
   * it always did.
   */
  private highAvailability(props: PostgresDatabaseProps, config: AppConfig, identity: AppIdentity, name: string) {
    const f = (prop: string) => fieldOf(this, prop);
    const replicas = validateInteger(f('replicas'), props.replicas ?? 1, 1, MAX_POSTGRES_REPLICAS);
    const replicated = replicas > 1;
    if (!replicated && (props.replicationUser !== undefined || props.replicationPasswordKey !== undefined)) {
      throw new ValidationError(f(props.replicationUser !== undefined ? 'replicationUser' : 'replicationPasswordKey'),
        props.replicationUser ?? props.replicationPasswordKey, 'Only applies with replicas above 1 (replicas is 1). Remove it or raise replicas.');
    }
    const replicationUser = validatePostgresIdentifier(f('replicationUser'), props.replicationUser ?? 'replicator', 'role');
    if (replicated) {
      validateDistinctRoles([
        { field: f(`config setting ${this.userKey}`), purpose: "the app's user", name: config.setting(this.userKey) },
        { field: f('replicationUser'), purpose: 'the replication user', name: replicationUser },
      ]);
    }
    const replicationPasswordKey = props.replicationPasswordKey ?? DEFAULT_REPLICATION_PASSWORD_KEY;
    if (props.tls !== undefined) {
      if (typeof props.tls !== 'object' || props.tls === null || props.tls.secretName === undefined || props.tls.secretName === '') {
        throw new ValidationError(f('tls.secretName'), props.tls?.secretName,
          'Required with tls: a kubernetes.io/tls Secret in the namespace holding tls.crt, tls.key and ca.crt (e.g. "postgres-tls").');
      }
      validateDnsSubdomain(f('tls.secretName'), props.tls.secretName);
      const unknown = Object.keys(props.tls).filter((k) => k !== 'secretName');
      if (unknown.length > 0) throw new ValidationError(f(`tls.${unknown[0]}`), (props.tls as unknown as Record<string, unknown>)[unknown[0]], 'Unknown setting: tls takes only secretName.');
    }
    const tls = props.tls !== undefined;

    const none = {
      replicas, scriptsConfigMap: undefined as k8s.KubeConfigMap | undefined, tlsSecretName: undefined as string | undefined,
      primaryLabels: {} as Record<string, string>, annotations: {} as Record<string, string>, secretKeys: [] as string[], primaryCommand: {}, env: [] as k8s.EnvVar[],
      primaryMounts: [] as k8s.VolumeMount[], standbyMounts: [] as k8s.VolumeMount[], volumes: [] as k8s.Volume[],
      serverArgs: [] as string[], primaryReadiness: undefined as k8s.Probe | undefined, standby: undefined as StandbyIdentity | undefined,
    };
    if (!replicated && !tls) return none;

    // A file, never an env var of the server; fails, naming the key, when the Secret lacks it.
    const replicationCredentials = replicated
      ? config.secretMount({ keys: [replicationPasswordKey], mountPath: '/etc/refarch-replication', volumeName: 'replication-credentials' })
      : undefined;
    const scripts = databaseScripts();
    const scriptsConfigMap = `${name}-scripts`;
    const scriptsObject = new k8s.KubeConfigMap(this, 'Scripts', {
      metadata: { name: scriptsConfigMap, namespace: this.namespace, labels: recommendedLabels(identity) },
      data: scripts,
    });
    const env: k8s.EnvVar[] = [];
    const mounts: k8s.VolumeMount[] = [{ name: 'scripts', mountPath: SCRIPTS_DIR, readOnly: true }];
    const volumes: k8s.Volume[] = [{ name: 'scripts', configMap: { name: scriptsConfigMap, defaultMode: 0o444 } }];
    const serverArgs: string[] = [];
    if (replicated) {
      env.push(
        { name: 'REFARCH_REPLICATION_USER', value: replicationUser },
        { name: 'REFARCH_REPLICATION_PASSWORD_FILE', value: replicationCredentials!.filePath(replicationPasswordKey) },
      );
      mounts.push(replicationCredentials!.volumeMount);
      volumes.push(replicationCredentials!.volume);
      // WAL kept for a standby that falls behind or restarts; one away for longer must be re-cloned (README).
      serverArgs.push('-c', 'wal_keep_size=256MB');
    }
    if (tls) {
      env.push({ name: 'REFARCH_TLS_DIR', value: TLS_DIR });
      mounts.push({ name: 'tls', mountPath: TLS_DIR, readOnly: true });
      // A Secret volume's files are owned by root with group fsGroup (999): postgres accepts
      // a root-owned key that is group-readable (0640), never one that others can read.
      volumes.push({ name: 'tls', secret: { secretName: props.tls!.secretName, defaultMode: 0o640 } });
      serverArgs.push(...tlsServerArgs(TLS_DIR));
    }
    const roleProbe = (role: string): k8s.Probe => ({
      exec: { command: ['bash', `${SCRIPTS_DIR}/readiness.sh`, role] }, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 5,
    });
    return {
      replicas,
      scriptsConfigMap: scriptsObject as k8s.KubeConfigMap | undefined,
      tlsSecretName: props.tls?.secretName,
      primaryLabels: (replicated ? { [ROLE_LABEL]: 'primary' } : {}) as Record<string, string>,
      annotations: { [SCRIPTS_HASH_ANNOTATION]: configHash(scripts) },
      secretKeys: replicated ? [replicationPasswordKey] : [],
      primaryCommand: { command: ['bash', `${SCRIPTS_DIR}/primary.sh`], args: serverArgs },
      env,
      primaryMounts: [
        ...mounts,
        // The image runs the files here once, on the first start of an empty volume.
        { name: 'initdb', mountPath: '/docker-entrypoint-initdb.d', readOnly: true },
      ],
      standbyMounts: mounts,
      volumes: [
        ...volumes,
        { name: 'initdb', configMap: { name: scriptsConfigMap, items: [{ key: 'initdb-replication.sh', path: '10-refarch-replication.sh' }], defaultMode: 0o444 } },
      ],
      serverArgs,
      primaryReadiness: replicated ? roleProbe('primary') : undefined,
      standby: replicated ? { replicas: replicas - 1, replicationUser, roleProbe: roleProbe('standby') } : undefined,
    };
  }

  /** The standbys: their StatefulSet, headless and read Services, PDB and replication NetworkPolicies. */
  private renderStandbys(standby: StandbyIdentity, c: StandbyContext) {
    const standbyName = `${c.name}-replica`;
    const identity = {
      'app.kubernetes.io/name': c.labels['app.kubernetes.io/name'],
      'app.kubernetes.io/instance': c.labels['app.kubernetes.io/instance'],
      'app.kubernetes.io/component': `${c.labels['app.kubernetes.io/component']}-replica`,
    };
    validateLabelValue(fieldOf(this, 'identity.component'), identity['app.kubernetes.io/component']);
    const labels = { ...c.labels, ...identity };
    const selector = identity;
    const headless = `${standbyName}-headless`;
    const readService = `${c.name}-read`;
    const ports = [{ name: 'postgresql', port: this.port, targetPort: k8s.IntOrString.fromString('postgresql'), protocol: 'TCP' }];

    const headlessService = new k8s.KubeService(this, 'StandbyHeadlessService', {
      metadata: { name: headless, namespace: this.namespace, labels },
      spec: { clusterIp: 'None', publishNotReadyAddresses: true, selector, ports },
    });
    // Ready standbys only (readiness: in recovery and streaming), so a standby that is
    // still cloning or has lost the primary serves no stale reads.
    const readServiceObject = new k8s.KubeService(this, 'ReadService', {
      metadata: { name: readService, namespace: this.namespace, labels },
      spec: { type: 'ClusterIP', selector, ports },
    });

    const env: k8s.EnvVar[] = [
      c.config.settingEnv('POSTGRES_USER', c.userKey),
      { name: 'PGDATA', value: `${DATA_MOUNT}/pgdata` },
      { name: 'PGPORT', value: String(this.port) },
      // The primary's client Service: it only ever points at the primary.
      { name: 'REFARCH_PRIMARY_HOST', value: `${this.serviceName}.${this.namespace}.svc.cluster.local` },
      ...c.env,
    ];
    const antiAffinity = (weight: number, matchLabels: Record<string, string>): k8s.WeightedPodAffinityTerm => ({
      weight, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels } },
    });
    // Its own identity, like the primary's; no API token.
    const serviceAccount = new k8s.KubeServiceAccount(this, 'StandbyServiceAccount', {
      metadata: { name: standbyName, namespace: this.namespace, labels },
      automountServiceAccountToken: false,
    });
    const statefulSet = new k8s.KubeStatefulSet(this, 'StandbyStatefulSet', {
      metadata: { name: standbyName, namespace: this.namespace, labels, annotations: c.config.workloadAnnotations() },
      spec: {
        replicas: standby.replicas,
        serviceName: headless,
        // Standbys clone independently; no reason to wait for one before the next.
        podManagementPolicy: 'Parallel',
        updateStrategy: { type: 'RollingUpdate' },
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        persistentVolumeClaimRetentionPolicy: c.retention,
        template: {
          metadata: {
            labels: { ...labels, [ROLE_LABEL]: 'standby' },
            annotations: { [CONFIG_HASH_ANNOTATION]: c.config.hashOf([c.userKey], [c.passwordKey]), ...c.annotations },
          },
          spec: {
            serviceAccountName: serviceAccount.name,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: 60,
            securityContext: restrictedPodSecurityContext(c.user),
            // Preferred, not required: on a one-node cluster the standbys still run (without
            // the protection); on a real cluster they land away from the primary and each other.
            affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [antiAffinity(100, this.selector), antiAffinity(50, selector)] } },
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } }],
            containers: [{
              name: 'postgres',
              image: c.image,
              imagePullPolicy: 'IfNotPresent',
              command: ['bash', `${SCRIPTS_DIR}/standby.sh`],
              args: c.args,
              ports: [{ name: 'postgresql', containerPort: this.port, protocol: 'TCP' }],
              env,
              resources: c.resources,
              securityContext: restrictedContainerSecurityContext(c.user),
              // The first start clones the primary: allow it up to 30 minutes.
              startupProbe: execProbe(c.pgIsReady, { periodSeconds: 5, failureThreshold: 360 }),
              livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('postgresql') }, periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 5 },
              readinessProbe: standby.roleProbe,
              volumeMounts: [
                { name: 'data', mountPath: DATA_MOUNT },
                { name: 'run', mountPath: '/var/run/postgresql' },
                { name: 'tmp', mountPath: '/tmp' },
                ...c.mounts,
              ],
            }],
            volumes: [
              { name: 'run', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
              ...c.volumes.filter((v) => v.name !== 'initdb'),
            ],
          },
        },
        volumeClaimTemplates: [{
          // Immutable: only labels that stay the same across releases (no version).
          metadata: { name: 'data', labels: claimTemplateLabels(c.identity) },
          spec: c.claim,
        }],
      },
    });

    const podDisruptionBudget = new k8s.KubePodDisruptionBudget(this, 'StandbyPodDisruptionBudget', {
      metadata: { name: standbyName, namespace: this.namespace, labels },
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    });

    // Standby -> primary on the database port (cloning and streaming). Rendered here, so
    // replication works under a default-deny policy in the namespace.
    const networkPolicies = new NetworkPolicies(this, 'Replication', { namespace: this.namespace, labels, defaultDeny: false, dnsTo: 'none' });
    const standbys: PostgresStandbys = {
      namespace: this.namespace, name: standbyName, selector, statefulSet, serviceAccount, headlessService, readService: readServiceObject, podDisruptionBudget, networkPolicies,
    };
    networkPolicies.allow(standbys, this, this.ports.postgresql, { name: `${standbyName}-to-primary` });
    return { ...standbys, readServiceName: readService };
  }
}

interface StandbyIdentity {
  readonly replicas: number;
  readonly replicationUser: string;
  readonly roleProbe: k8s.Probe;
}

interface StandbyContext {
  readonly name: string;
  readonly image: string;
  readonly identity: AppIdentity;
  readonly labels: Record<string, string>;
  readonly user: { uid: number; gid: number; fsGroup: number };
  readonly resources: k8s.ResourceRequirements;
  readonly pgIsReady: string[];
  readonly config: AppConfig;
  readonly userKey: string;
  readonly passwordKey: string;
  readonly claim: k8s.PersistentVolumeClaimSpec;
  readonly retention: k8s.StatefulSetPersistentVolumeClaimRetentionPolicy;
  readonly env: k8s.EnvVar[];
  readonly mounts: k8s.VolumeMount[];
  readonly volumes: k8s.Volume[];
  readonly args: string[];
  readonly annotations: Record<string, string>;
}


function execProbe(command: string[], timing: { periodSeconds: number; failureThreshold: number }): k8s.Probe {
  return { exec: { command }, periodSeconds: timing.periodSeconds, failureThreshold: timing.failureThreshold, timeoutSeconds: 5 };
}
