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
import { compact } from './compact';
import * as k8s from './k8s';
import { Construct } from 'constructs';
import { DEFAULT_DATABASE_KEY, DEFAULT_PASSWORD_KEY, DEFAULT_USER_KEY } from './app-config';
import { configHash } from './config-hash';
import { validateCronSchedule } from './cron-schedule';
import { declareExternalSecret } from './external-secrets';
import { recommendedLabels, validateIdentity, versionFromImage } from './labels';
import { DNS_PORTS, NetworkPolicies, Peer } from './network-policies';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from './pod-security';
import { DEFAULT_POSTGRES_IMAGE, POSTGRES_UID } from './postgres-image';
import { BACKUP_DIR, BACKUP_SCRIPTS_DIR, backupScripts } from './postgres-scripts';
import {
  ValidationError, fieldOf, namespaceFor, validateDnsLabel, validateDnsSubdomain, validateImage, validateInteger, validatePort, validatePositiveQuantity,
} from './prop-checks';
import { renderResources } from './resources';
import { DEFAULT_BACKUP_RESOURCES, PostgresBackupProps } from './postgres-backup-props';
import { validateTimeZone } from './time-zone';
import { checkUniqueObjects } from './unique-objects';

export * from './postgres-backup-props';

/** A backup CronJob, its volume, and a suspended restore CronJob. */
export class PostgresBackup extends Construct {
  public readonly namespace: string;
  /** Name of the backup CronJob, its PVC, ServiceAccount and ConfigMap. */
  public readonly name: string;
  /** Labels of the backup and the restore pods. */
  public readonly selector: Record<string, string>;
  /** The backup CronJob: `kubectl create job --from=cronjob/<name>` takes a backup now. */
  public readonly cronJobName: string;
  /** The suspended restore CronJob, the template of restore Jobs. */
  public readonly restoreCronJobName: string;
  /** The ConfigMap (created at restore time) whose key `dump` names the dump to restore. */
  public readonly restoreRequestConfigMapName: string;
  /** The PersistentVolumeClaim holding the dumps. */
  public readonly claimName: string;
  /** The backup CronJob. */
  public readonly cronJob: k8s.KubeCronJob;
  /** The suspended restore CronJob. */
  public readonly restoreCronJob: k8s.KubeCronJob;
  /** The PersistentVolumeClaim of the dumps. */
  public readonly claim: k8s.KubePersistentVolumeClaim;
  /** ConfigMap `<name>-scripts` with backup.sh and restore.sh. */
  public readonly scriptsConfigMap: k8s.KubeConfigMap;
  /** The backup pods' ServiceAccount. */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** The restore pods' ServiceAccount. */
  public readonly restoreServiceAccount: k8s.KubeServiceAccount;
  /** Backup and restore pods -> the database pods they read or restore into, and DNS (`allow-<name>-egress`, `allow-<name>-ingress[-2]`). */
  public readonly networkPolicies: NetworkPolicies;

  constructor(scope: Construct, id: string, props: PostgresBackupProps) {
    super(scope, id);
    const f = (prop: string) => fieldOf(this, prop);
    checkUniqueObjects(this);
    const database = props?.database;
    if (database === null || typeof database !== 'object') {
      throw new ValidationError(f('database'), database, 'Required: the PostgresDatabase to back up (or an object with its Services, pod labels and AppConfig).');
    }
    this.namespace = namespaceFor(this, f('namespace'), props.namespace ?? database.namespace);
    // After the database, so each database of a namespace has its own ('postgres-backup' for today's 'postgres').
    const name = validateDnsLabel(f('name'), props.name ?? `${database.name}-backup`, 44);
    this.name = name;
    this.cronJobName = name;
    this.restoreCronJobName = `${name}-restore`;
    this.restoreRequestConfigMapName = `${name}-restore-request`;
    this.claimName = name;
    const image = validateImage(f('image'), props.image ?? database.image ?? DEFAULT_POSTGRES_IMAGE);
    const identity = validateIdentity(this, 'identity', {
      name: 'postgresql-backup', instance: name, partOf: name, component: 'backup', version: versionFromImage(image), ...props.identity,
    });
    const config = database.config;
    if (!config) throw new ValidationError(f('database.config'), config, 'Required: the AppConfig of the database (user, database name and password Secret).');
    if (config.namespace !== this.namespace) {
      throw new ValidationError(f('database.config'), config.namespace, `Must be in the same namespace as the backups ("${this.namespace}").`);
    }
    const tlsSecretName = database.tlsSecretName;
    // Dump from a standby when there is one, so the primary does not carry the load.
    const host = validateDnsLabel(f('database.readServiceName'), database.readServiceName ?? database.serviceName);
    const primaryHost = validateDnsLabel(f('database.serviceName'), database.serviceName);
    const port = validatePort(f('database.ports.postgresql.port'), database.ports?.postgresql?.port);
    const schedule = validateCronSchedule(f('schedule'), props.schedule ?? '0 3 * * *');
    const timeZone = validateTimeZone(f('timeZone'), props.timeZone ?? 'Etc/UTC');
    const keep = validateInteger(f('keep'), props.keep ?? 7, 1, 1000);
    const storage = validatePositiveQuantity(f('storage'), props.storage ?? '1Gi');
    if (props.storageClassName !== undefined) validateDnsSubdomain(f('storageClassName'), props.storageClassName);
    if (tlsSecretName !== undefined) validateDnsSubdomain(f('database.tlsSecretName'), tlsSecretName);
    const resources = renderResources(f('resources'), props.resources ?? DEFAULT_BACKUP_RESOURCES);
    const dnsTo = props.dnsTo ?? Peer.clusterDns();
    if (!(dnsTo instanceof Peer)) {
      throw new ValidationError(f('dnsTo'), dnsTo, 'Must be a Peer: Peer.clusterDns(namespace, podLabels), Peer.of([...]) or Peer.anyAddress().');
    }
    const userKey = database.userKey ?? DEFAULT_USER_KEY;
    const databaseKey = database.databaseKey ?? DEFAULT_DATABASE_KEY;
    const passwordKey = database.passwordKey ?? DEFAULT_PASSWORD_KEY;
    // The password as a read-only file; fails, naming the key, when the Secret lacks it.
    const credentials = config.secretMount({ keys: [passwordKey], mountPath: '/etc/refarch-credentials', volumeName: 'credentials' });

    const labels = recommendedLabels(identity);
    const restoreLabels = recommendedLabels({ ...identity, component: 'restore' });
    // Both kinds of pod: backup and restore.
    const podSelector = { 'app.kubernetes.io/name': identity.name, 'app.kubernetes.io/instance': identity.instance };
    this.selector = podSelector;
    const user = { uid: POSTGRES_UID, gid: POSTGRES_UID, fsGroup: POSTGRES_UID };
    const scripts = backupScripts();
    const scriptsName = `${name}-scripts`;
    const fqdn = (service: string) => `${service}.${this.namespace}.svc.cluster.local`;

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name, namespace: this.namespace, labels },
      // The pods talk to PostgreSQL only, never to the Kubernetes API.
      automountServiceAccountToken: false,
    });

    this.claim = new k8s.KubePersistentVolumeClaim(this, 'Claim', {
      metadata: { name: this.claimName, namespace: this.namespace, labels },
      spec: compact({
        accessModes: ['ReadWriteOnce'],
        storageClassName: props.storageClassName,
        resources: { requests: { storage: k8s.Quantity.fromString(storage) } },
      }),
    });

    this.scriptsConfigMap = new k8s.KubeConfigMap(this, 'Scripts', {
      metadata: { name: scriptsName, namespace: this.namespace, labels },
      data: scripts,
    });

    // One identity per kind of pod, so RBAC granted to one never reaches the other.
    this.restoreServiceAccount = new k8s.KubeServiceAccount(this, 'RestoreServiceAccount', {
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
            { name: 'PGSSLMODE', value: tlsSecretName ? 'verify-full' : 'disable' },
            ...(tlsSecretName ? [{ name: 'PGSSLROOTCERT', value: '/etc/postgresql-ca/ca.crt' }] : []),
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
            ...(tlsSecretName ? [{ name: 'ca', mountPath: '/etc/postgresql-ca', readOnly: true }] : []),
          ],
        }],
        volumes: [
          { name: 'backups', persistentVolumeClaim: { claimName: this.claimName } },
          { name: 'scripts', configMap: { name: scriptsName, defaultMode: 0o444 } },
          credentials.volume,
          { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } },
          // Only the CA: these pods have no business with the server's private key.
          ...(tlsSecretName ? [{ name: 'ca', secret: { secretName: tlsSecretName, items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o440 } }] : []),
        ],
      },
    });
    const workloadAnnotations = config.workloadAnnotations();

    // Both CronJobs share the spec: one run at a time; a run missed by more than an hour
    // (controller down, cluster off) is skipped, not run late; a few finished Jobs kept.
    const cronJobSpec = (jobLabels: Record<string, string>, backoffLimit: number, template: k8s.PodTemplateSpec, suspend?: boolean): k8s.CronJobSpec => (compact({
      suspend,
      schedule,
      timeZone,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: { metadata: { labels: jobLabels }, spec: { backoffLimit, activeDeadlineSeconds: 3600, template } },
    }));

    this.cronJob = new k8s.KubeCronJob(this, 'CronJob', {
      metadata: compact({ name, namespace: this.namespace, labels, annotations: workloadAnnotations }),
      spec: cronJobSpec(labels, 1, jobPod(labels, 'backup.sh', host, [
        { name: 'REFARCH_KEEP', value: String(keep) },
        // Where to dump from when the standby stays away (restarting, lost node).
        ...(host !== primaryHost ? [{ name: 'REFARCH_FALLBACK_HOST', value: fqdn(primaryHost) }] : []),
      ], name)),
    });

    this.restoreCronJob = new k8s.KubeCronJob(this, 'RestoreCronJob', {
      metadata: compact({ name: this.restoreCronJobName, namespace: this.namespace, labels: restoreLabels, annotations: workloadAnnotations }),
      // Suspended: never runs on schedule, it is the template of `kubectl create job --from=cronjob/...`.
      // backoffLimit 0: a restore is never retried on its own; a person reads why it failed first.
      spec: cronJobSpec(restoreLabels, 0, jobPod(restoreLabels, 'restore.sh', primaryHost, [
        { name: 'DUMP', valueFrom: { configMapKeyRef: { name: this.restoreRequestConfigMapName, key: 'dump', optional: true } } },
      ], this.restoreCronJobName), true),
    });

    if (tlsSecretName) {
      declareExternalSecret(this.cronJob, tlsSecretName);
      declareExternalSecret(this.restoreCronJob, tlsSecretName);
    }

    // Backup and restore pods reach the database port of the pods they need, and DNS;
    // nothing else. The database side admits them.
    this.networkPolicies = new NetworkPolicies(this, 'NetworkPolicies', { namespace: this.namespace, labels, defaultDeny: false, dnsTo: 'none' });
    const pods = { namespace: this.namespace, name, selector: podSelector };
    this.networkPolicies.allow(pods, [database.standbys ?? database, database], { port }, { name });
    this.networkPolicies.allow(pods, dnsTo, DNS_PORTS, { name });
  }
}
