/**
 * Scheduled logical backups of a PostgreSQL database, and the restore job that puts
 * one back.
 *
 * Backup: a CronJob runs `pg_dump --format=custom` into a PersistentVolumeClaim and
 * keeps the newest `keep` dumps, each with a `.sha256` file; it dumps from `host`
 * (a standby's read Service when there is one, so the primary does not carry the
 * load). A failed dump or checksum fails the Job, visible in `kubectl get jobs`.
 *
 * Restore: a second CronJob, rendered suspended so it never runs on its own, is the
 * template for `kubectl create job --from=cronjob/<name>-restore`
 * (scripts/restore-database.sh does that). It reads the dump name from the optional
 * ConfigMap `<name>-restore-request` (key `dump`), checks the checksum and runs
 * `pg_restore --clean --if-exists --single-transaction` against the primary.
 * Without a dump name it lists the dumps and verifies each checksum.
 *
 * The dumps live in the same cluster as the database: they protect against a dropped
 * table or a lost volume, not against losing the cluster. Copy them elsewhere too.
 */
import * as k8s from '../imports/k8s';
import { Construct } from 'constructs';
import { AppConfig } from './app-config';
import { configHash } from './config-hash';
import { validateCronSchedule } from './cron-schedule';
import { declareExternalSecret } from './external-secrets';
import { AppIdentity, recommendedLabels, validateIdentity, versionFromImage } from './labels';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from './pod-security';
import { BACKUP_DIR, BACKUP_SCRIPTS_DIR, backupScripts } from './postgres-scripts';
import {
  ValidationError, fieldOf, namespaceFor, validateDnsLabel, validateDnsSubdomain, validateImage, validateInteger, validatePort, validatePositiveQuantity,
} from './prop-checks';
import { ResourceRequirements, renderResources } from './resources';
import { checkUniqueObjects } from './unique-objects';

/** Props of {@link PostgresBackup}. */
export interface PostgresBackupProps {
  /**
   * Namespace of every object; the database's.
   * @default - the namespace of the enclosing Chart, else 'default'
   */
  readonly namespace?: string;
  /**
   * Name of the backup CronJob, its PVC, ServiceAccount and ConfigMap. The restore
   * CronJob is `<name>-restore`.
   * @default 'postgres-backup'
   */
  readonly name?: string;
  /**
   * Image with pg_dump and pg_restore; use the database's image, because pg_dump must
   * be at least the server's major version.
   * @default 'postgres:16.4-bookworm'
   */
  readonly image?: string;
  /**
   * Recommended-label values.
   * @default - name 'postgresql-backup', instance and part-of from `name`, component 'backup' (restore pods: 'restore'), version from the image tag
   */
  readonly identity?: Partial<AppIdentity>;
  /** The database's configuration: user, database name and password Secret. */
  readonly config: AppConfig;
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
  /** Service to dump from (in the namespace), e.g. the read Service of the standbys. */
  readonly host: string;
  /** Service of the primary, which restores write to. */
  readonly primaryHost: string;
  /**
   * Database port.
   * @default 5432
   */
  readonly port?: number;
  /** Labels of the pods behind `host`, for the NetworkPolicies. */
  readonly sourceSelector: Record<string, string>;
  /** Labels of the primary's pods, for the NetworkPolicies. */
  readonly primarySelector: Record<string, string>;
  /**
   * When backups run: a 5-field cron expression, in `timeZone`.
   * @default '0 3 * * *' (03:00 every day)
   */
  readonly schedule?: string;
  /**
   * Time zone of `schedule` (an IANA name).
   * @default 'Etc/UTC'
   */
  readonly timeZone?: string;
  /**
   * How many dumps to keep (the newest).
   * @default 7
   */
  readonly keep?: number;
  /**
   * Size of the backup volume claim: room for `keep` dumps plus one in progress.
   * @default '1Gi'
   */
  readonly storage?: string;
  /**
   * StorageClass of the backup volume claim.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Secret with the CA (`ca.crt`) of the database's TLS certificate: connect with
   * sslmode=verify-full.
   * @default - plain-text connections (sslmode=disable)
   */
  readonly tlsSecretName?: string;
  /**
   * Where the backup and restore pods may send DNS queries (UDP and TCP 53): peers, or
   * `'any'` when the resolver is not a pod.
   * @default - the `k8s-app: kube-dns` pods in namespace `kube-system`
   */
  readonly dnsTo?: k8s.NetworkPolicyPeer[] | 'any';
  /**
   * Container resources of the backup and restore pods.
   * @default - 50m/500m CPU, 64Mi/256Mi memory, 64Mi/256Mi ephemeral storage
   */
  readonly resources?: ResourceRequirements;
}

export const DEFAULT_BACKUP_RESOURCES: ResourceRequirements = {
  cpuRequest: '50m', cpuLimit: '500m',
  memoryRequest: '64Mi', memoryLimit: '256Mi',
  ephemeralStorageRequest: '64Mi', ephemeralStorageLimit: '256Mi',
};

const POSTGRES_UID = 999;
/** The cluster DNS pods on kind, minikube and kubeadm clusters (as NetworkPolicies' default). */
const DEFAULT_DNS_PEERS: k8s.NetworkPolicyPeer[] = [{
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
  podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
}];
const TIME_ZONE = /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/;

/** A backup CronJob, its volume, and a suspended restore CronJob. */
export class PostgresBackup extends Construct {
  public readonly namespace: string;
  /** The backup CronJob: `kubectl create job --from=cronjob/<name>` takes a backup now. */
  public readonly cronJobName: string;
  /** The suspended restore CronJob, the template of restore Jobs. */
  public readonly restoreCronJobName: string;
  /** The ConfigMap (created at restore time) whose key `dump` names the dump to restore. */
  public readonly restoreRequestConfigMapName: string;
  /** The PersistentVolumeClaim holding the dumps. */
  public readonly claimName: string;

  constructor(scope: Construct, id: string, props: PostgresBackupProps) {
    super(scope, id);
    const f = (prop: string) => fieldOf(this, prop);
    checkUniqueObjects(this);
    this.namespace = namespaceFor(this, f('namespace'), props.namespace);
    const name = validateDnsLabel(f('name'), props.name ?? 'postgres-backup', 44);
    this.cronJobName = name;
    this.restoreCronJobName = `${name}-restore`;
    this.restoreRequestConfigMapName = `${name}-restore-request`;
    this.claimName = name;
    const image = validateImage(f('image'), props.image ?? 'postgres:16.4-bookworm');
    const identity = validateIdentity(this, 'identity', {
      name: 'postgresql-backup', instance: name, partOf: name, component: 'backup', version: versionFromImage(image), ...props.identity,
    });
    const config = props.config;
    if (!config) throw new ValidationError(f('config'), config, 'Required: the AppConfig of the database (user, database name and password Secret).');
    if (config.namespace !== this.namespace) {
      throw new ValidationError(f('config'), config.namespace, `Must be in the same namespace as the backups ("${this.namespace}").`);
    }
    const host = validateDnsLabel(f('host'), props.host);
    const primaryHost = validateDnsLabel(f('primaryHost'), props.primaryHost);
    const port = validatePort(f('port'), props.port ?? 5432);
    for (const key of ['sourceSelector', 'primarySelector'] as const) {
      const sel = props[key];
      if (!sel || typeof sel !== 'object' || Object.keys(sel).length === 0) {
        throw new ValidationError(f(key), sel, 'Must hold at least one label of the database pods: an empty selector would open the policy to every pod.');
      }
    }
    const schedule = validateCronSchedule(f('schedule'), props.schedule ?? '0 3 * * *');
    const timeZone = props.timeZone ?? 'Etc/UTC';
    if (typeof timeZone !== 'string' || !TIME_ZONE.test(timeZone)) {
      throw new ValidationError(f('timeZone'), timeZone, 'Must be an IANA time zone name such as "Etc/UTC" or "Europe/Berlin".');
    }
    const keep = validateInteger(f('keep'), props.keep ?? 7, 1, 1000);
    const storage = validatePositiveQuantity(f('storage'), props.storage ?? '1Gi');
    if (props.storageClassName !== undefined) validateDnsSubdomain(f('storageClassName'), props.storageClassName);
    if (props.tlsSecretName !== undefined) validateDnsSubdomain(f('tlsSecretName'), props.tlsSecretName);
    const resources = renderResources(f('resources'), props.resources ?? DEFAULT_BACKUP_RESOURCES);
    const dnsTo = props.dnsTo ?? DEFAULT_DNS_PEERS;
    if (dnsTo !== 'any' && (!Array.isArray(dnsTo) || dnsTo.length === 0)) {
      throw new ValidationError(f('dnsTo'), dnsTo, 'Must be "any" or a non-empty list of NetworkPolicy peers (an empty list would block DNS).');
    }
    const userKey = props.userKey ?? 'DB_USER';
    const databaseKey = props.databaseKey ?? 'DB_NAME';
    const passwordKey = props.passwordKey ?? 'password';
    // The password as a read-only file; fails, naming the key, when the Secret lacks it.
    const credentials = config.secretMount({ keys: [passwordKey], mountPath: '/etc/refarch-credentials', volumeName: 'credentials' });

    const labels = recommendedLabels(identity);
    const restoreLabels = recommendedLabels({ ...identity, component: 'restore' });
    // Both kinds of pod: backup and restore.
    const podSelector = { 'app.kubernetes.io/name': identity.name, 'app.kubernetes.io/instance': identity.instance };
    const user = { uid: POSTGRES_UID, gid: POSTGRES_UID, fsGroup: POSTGRES_UID };
    const scripts = backupScripts();
    const scriptsName = `${name}-scripts`;
    const fqdn = (service: string) => `${service}.${this.namespace}.svc.cluster.local`;

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name, namespace: this.namespace, labels },
      // The pods talk to PostgreSQL only, never to the Kubernetes API.
      automountServiceAccountToken: false,
    });

    new k8s.KubePersistentVolumeClaim(this, 'Claim', {
      metadata: { name: this.claimName, namespace: this.namespace, labels },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: props.storageClassName,
        resources: { requests: { storage: k8s.Quantity.fromString(storage) } },
      },
    });

    new k8s.KubeConfigMap(this, 'Scripts', {
      metadata: { name: scriptsName, namespace: this.namespace, labels },
      data: scripts,
    });

    // One identity per kind of pod, so RBAC granted to one never reaches the other.
    new k8s.KubeServiceAccount(this, 'RestoreServiceAccount', {
      metadata: { name: this.restoreCronJobName, namespace: this.namespace, labels: restoreLabels },
      automountServiceAccountToken: false,
    });

    const jobPod = (podLabels: Record<string, string>, script: string, dbHost: string, extraEnv: k8s.EnvVar[], serviceAccountName: string): k8s.PodTemplateSpec => ({
      metadata: { labels: podLabels, annotations: { 'refarch.example.com/scripts-hash': configHash(scripts) } },
      spec: {
        serviceAccountName,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        restartPolicy: 'Never',
        securityContext: restrictedPodSecurityContext(user),
        containers: [{
          name: 'postgres',
          image,
          imagePullPolicy: 'IfNotPresent',
          command: ['bash', `${BACKUP_SCRIPTS_DIR}/${script}`],
          env: [
            { name: 'PGHOST', value: fqdn(dbHost) },
            { name: 'PGPORT', value: String(port) },
            config.settingEnv('PGUSER', userKey),
            config.settingEnv('PGDATABASE', databaseKey),
            { name: 'PGSSLMODE', value: props.tlsSecretName ? 'verify-full' : 'disable' },
            ...(props.tlsSecretName ? [{ name: 'PGSSLROOTCERT', value: '/etc/postgresql-ca/ca.crt' }] : []),
            { name: 'PGCONNECT_TIMEOUT', value: '10' },
            { name: 'REFARCH_PASSWORD_FILE', value: credentials.filePath(passwordKey) },
            ...extraEnv,
          ],
          resources,
          securityContext: restrictedContainerSecurityContext(user),
          volumeMounts: [
            { name: 'backups', mountPath: BACKUP_DIR },
            { name: 'scripts', mountPath: BACKUP_SCRIPTS_DIR, readOnly: true },
            credentials.volumeMount,
            { name: 'tmp', mountPath: '/tmp' },
            ...(props.tlsSecretName ? [{ name: 'ca', mountPath: '/etc/postgresql-ca', readOnly: true }] : []),
          ],
        }],
        volumes: [
          { name: 'backups', persistentVolumeClaim: { claimName: this.claimName } },
          { name: 'scripts', configMap: { name: scriptsName, defaultMode: 0o444 } },
          credentials.volume,
          { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
          // Only the CA: these pods have no business with the server's private key.
          ...(props.tlsSecretName ? [{ name: 'ca', secret: { secretName: props.tlsSecretName, items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o440 } }] : []),
        ],
      },
    });
    const workloadAnnotations = config.workloadAnnotations();

    const backupCronJob = new k8s.KubeCronJob(this, 'CronJob', {
      metadata: { name, namespace: this.namespace, labels, annotations: workloadAnnotations },
      spec: {
        schedule,
        timeZone,
        concurrencyPolicy: 'Forbid',
        // A run missed by more than an hour (controller down, cluster off) is skipped, not run late.
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: 1,
            activeDeadlineSeconds: 3600,
            template: jobPod(labels, 'backup.sh', host, [{ name: 'REFARCH_KEEP', value: String(keep) }], name),
          },
        },
      },
    });

    const restoreCronJob = new k8s.KubeCronJob(this, 'RestoreCronJob', {
      metadata: { name: this.restoreCronJobName, namespace: this.namespace, labels: restoreLabels, annotations: workloadAnnotations },
      spec: {
        // Never runs on schedule: it is the template of `kubectl create job --from=cronjob/...`.
        suspend: true,
        schedule,
        timeZone,
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels: restoreLabels },
          spec: {
            // A restore is never retried on its own: a person reads why it failed first.
            backoffLimit: 0,
            activeDeadlineSeconds: 3600,
            template: jobPod(restoreLabels, 'restore.sh', primaryHost, [
              { name: 'DUMP', valueFrom: { configMapKeyRef: { name: this.restoreRequestConfigMapName, key: 'dump', optional: true } } },
            ], this.restoreCronJobName),
          },
        },
      },
    });

    if (props.tlsSecretName) {
      declareExternalSecret(backupCronJob, props.tlsSecretName);
      declareExternalSecret(restoreCronJob, props.tlsSecretName);
    }

    // Backup and restore pods reach the database port of the pods they need, and DNS;
    // nothing else. The database side admits them.
    const tcp = [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) }];
    const targets = [props.sourceSelector, props.primarySelector]
      .filter((sel, i, all) => all.findIndex((o) => JSON.stringify(o) === JSON.stringify(sel)) === i);
    new k8s.KubeNetworkPolicy(this, 'Egress', {
      metadata: { name: `allow-${name}-egress`, namespace: this.namespace, labels },
      spec: {
        podSelector: { matchLabels: podSelector },
        policyTypes: ['Egress'],
        egress: [
          { to: targets.map((sel) => ({ podSelector: { matchLabels: sel } })), ports: tcp },
          {
            ...(dnsTo === 'any' ? {} : { to: dnsTo }),
            ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) }],
          },
        ],
      },
    });
    targets.forEach((sel, i) => {
      new k8s.KubeNetworkPolicy(this, `Ingress${i}`, {
        metadata: { name: `allow-${name}-ingress${i === 0 ? '' : `-${i + 1}`}`, namespace: this.namespace, labels },
        spec: {
          podSelector: { matchLabels: sel },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ podSelector: { matchLabels: podSelector } }], ports: tcp }],
        },
      });
    });
  }
}
