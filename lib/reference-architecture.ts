/**
 * The reference architecture as one Chart: a restricted Namespace, the guestbook web
 * tier behind a Service and an Ingress, its configuration as a ConfigMap and a Secret,
 * PostgreSQL as a StatefulSet (or an external database behind an ExternalName
 * Service), NetworkPolicies and PodDisruptionBudgets.
 *
 * This file only wires the constructs of this folder together; each of them validates
 * its own props.
 */
import { Chart, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { AppConfig } from './app-config';
import { ExternalDatabase } from './external-database';
import { declareExternalSecret } from './external-secrets';
import { recommendedLabels, versionFromImage } from './labels';
import { RestrictedNamespace } from './namespace';
import { NetworkPolicies } from './network-policies';
import { PostgresBackup, PostgresBackupProps } from './postgres-backup';
import { PostgresDatabase, PostgresDatabaseProps } from './postgres-database';
import { ValidationError, validateDnsLabel, validateOneOf } from './prop-checks';
import { WebIngress, WebIngressProps } from './web-ingress';
import { WebTier, WebTierProps } from './web-tier';

/**
 * Settings of the web tier: the {@link WebTierProps} an environment may set (same
 * meaning and defaults), plus the app settings that go into the ConfigMap.
 */
export interface WebSettings extends Pick<WebTierProps,
'image' | 'replicas' | 'autoscaling' | 'containerPort' | 'servicePort' | 'serviceType' | 'nodePort' | 'resources' | 'maxUnavailable'> {
  /** LOG_LEVEL of the app. @default 'info' */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** APP_TITLE of the app. @default 'Guestbook' */
  readonly title?: string;
}

/** Settings of the Ingress: the {@link WebIngressProps} an environment may set. */
export interface IngressSettings extends Pick<WebIngressProps, 'className' | 'host' | 'path' | 'tlsSecretName'> {
  /** @default true */
  readonly enabled?: boolean;
}

/**
 * Settings of the database. In-cluster mode takes the {@link PostgresDatabaseProps}
 * listed here (same meaning and defaults); external mode takes `externalHost`.
 */
export interface DatabaseSettings extends Pick<PostgresDatabaseProps,
'image' | 'port' | 'storage' | 'storageClassName' | 'accessMode' | 'retainOnDelete' | 'retainOnScaleDown' | 'resources'
| 'replicas' | 'replicationUser' | 'tls'> {
  /**
   * Scheduled pg_dump backups and the restore job ({@link PostgresBackup}); in-cluster only.
   * @default - no backups
   */
  readonly backup?: BackupSettings;
  /** `in-cluster` runs PostgreSQL as a StatefulSet; `external` points at `externalHost`. @default 'in-cluster' */
  readonly mode?: 'in-cluster' | 'external';
  /** Database name (DB_NAME, POSTGRES_DB). @default 'guestbook' */
  readonly name?: string;
  /** Database user (DB_USER, POSTGRES_USER). @default 'guestbook' */
  readonly user?: string;
  /** DB_SSLMODE of the app. @default 'disable' in-cluster, 'require' external */
  readonly sslMode?: 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
  /** External only, required there: DNS name of the server. */
  readonly externalHost?: string;
  /** External only: CIDRs the web pods may reach on `port`. @default - any address */
  readonly externalCidrs?: string[];
}

/** Settings of the backups: the {@link PostgresBackupProps} an environment may set. */
export interface BackupSettings extends Pick<PostgresBackupProps, 'schedule' | 'timeZone' | 'keep' | 'storage' | 'storageClassName' | 'resources'> {
  /** @default true */
  readonly enabled?: boolean;
}

/** Where the web pods find the CA of the database's TLS certificate. */
export const DB_CA_DIR = '/etc/refarch-db-ca';

/** Where the database password comes from. */
export interface CredentialsSettings {
  /** Name of the Secret with key `password`. @default 'guestbook-db-credentials' */
  readonly secretName?: string;
  /**
   * Render the Secret with this password (development only: it lands in dist/).
   * Without it the Secret must be created with `kubectl create secret generic`.
   * @default - not rendered
   */
  readonly password?: string;
  /**
   * With `password` and `database.replicas` above 1: the replication role's password,
   * rendered as key `replication-password` (development only). An out-of-band Secret
   * needs that key instead.
   * @default - not rendered
   */
  readonly replicationPassword?: string;
}

/** Props of {@link ReferenceArchitecture}: one environment. */
export interface ReferenceArchitectureProps {
  /** Namespace of everything. @default 'refarch' */
  readonly namespace?: string;
  /** APP_ENV of the app and the `instance` label suffix. @default the chart id */
  readonly environment?: string;
  /** @default 'refarch' */
  readonly partOf?: string;
  /** @default - defaults of WebSettings */
  readonly web?: WebSettings;
  /** @default - defaults of IngressSettings */
  readonly ingress?: IngressSettings;
  /** @default - defaults of DatabaseSettings */
  readonly database?: DatabaseSettings;
  /** @default - out-of-band Secret 'guestbook-db-credentials' */
  readonly credentials?: CredentialsSettings;
}

/** One environment of the reference architecture, synthesized to `<id>.k8s.yaml`. */
export class ReferenceArchitecture extends Chart {
  constructor(scope: Construct, id: string, props: ReferenceArchitectureProps = {}) {
    super(scope, id, { disableResourceNameHashes: true });
    const web = props.web ?? {};
    const db = props.database ?? {};
    const ingress = props.ingress ?? {};
    const environment = props.environment ?? id;
    const partOf = props.partOf ?? 'refarch';
    const namespace = validateDnsLabel(`${id}: namespace`, props.namespace ?? 'refarch');
    const instance = validateDnsLabel(`${id}: environment`, `${partOf}-${environment}`);
    const mode = validateOneOf(`${id}: database.mode`, db.mode ?? 'in-cluster', ['in-cluster', 'external'] as const);
    checkModeSpecificSettings(id, mode, db);

    const webImage = web.image ?? 'refarch-guestbook:0.1.0';
    const appVersion = versionFromImage(webImage);
    const shared = (component: string) => recommendedLabels({ name: partOf, instance, version: appVersion, component, partOf });
    const dbPort = db.port ?? 5432;
    const dbServiceName = 'postgres';
    // Only a valid count counts here; PostgresDatabase reports a bad one, naming the field.
    const replicated = mode === 'in-cluster' && typeof db.replicas === 'number' && db.replicas > 1;
    const tls = mode === 'in-cluster' && db.tls !== undefined;
    const secretData = renderedSecretData(id, props.credentials, replicated);

    new RestrictedNamespace(this, 'Namespace', { name: namespace, labels: shared('namespace') });

    const config = new AppConfig(this, 'Config', {
      namespace,
      configMapName: 'guestbook-config',
      labels: shared('config'),
      settings: {
        // Same in-cluster name in both modes: a Service, or an ExternalName alias of the external host.
        DB_HOST: `${dbServiceName}.${namespace}.svc.cluster.local`,
        DB_PORT: String(dbPort),
        DB_NAME: db.name ?? 'guestbook',
        DB_USER: db.user ?? 'guestbook',
        // In-cluster without TLS the traffic is plain text (dev): say so rather than pretend.
        DB_SSLMODE: db.sslMode ?? (mode === 'external' ? 'require' : tls ? 'verify-full' : 'disable'),
        ...(tls ? { DB_SSLROOTCERT: `${DB_CA_DIR}/ca.crt` } : {}),
        LOG_LEVEL: validateOneOf(`${id}: web.logLevel`, web.logLevel ?? 'info', ['debug', 'info', 'warn', 'error'] as const),
        APP_TITLE: web.title ?? 'Guestbook',
        APP_ENV: environment,
      },
      secretName: props.credentials?.secretName ?? 'guestbook-db-credentials',
      secretStringData: secretData,
      existingSecretKeys: secretData === undefined && replicated ? ['password', 'replication-password'] : undefined,
    });

    const webTier = new WebTier(this, 'Web', {
      namespace,
      name: 'guestbook',
      image: webImage,
      identity: { name: 'guestbook', instance, partOf, version: appVersion },
      replicas: web.replicas,
      autoscaling: web.autoscaling,
      containerPort: web.containerPort,
      servicePort: web.servicePort,
      serviceType: web.serviceType,
      nodePort: web.nodePort,
      resources: web.resources,
      maxUnavailable: web.maxUnavailable,
      config,
      secretEnv: { DB_PASSWORD: 'password' },
    });
    if (tls) {
      // The CA only (never the key), for DB_SSLROOTCERT. A patch rather than a WebTier
      // prop, so WebTier stays about the web tier.
      webTier.deployment.addJsonPatch(
        JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: 'db-ca', mountPath: DB_CA_DIR, readOnly: true }),
        JsonPatch.add('/spec/template/spec/volumes/-', { name: 'db-ca', secret: { secretName: db.tls!.secretName, items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o444 } }),
      );
      declareExternalSecret(webTier.deployment, db.tls!.secretName);
    }

    if (ingress.enabled ?? true) {
      new WebIngress(this, 'Ingress', {
        namespace,
        name: 'guestbook',
        serviceName: webTier.serviceName,
        servicePortName: webTier.servicePortName,
        className: ingress.className,
        host: ingress.host,
        path: ingress.path,
        tlsSecretName: ingress.tlsSecretName,
        labels: shared('web'),
      });
    } else if (ingress.host !== undefined || ingress.tlsSecretName !== undefined) {
      throw new ValidationError(`${id}: ingress.enabled`, false, 'Conflicts with ingress.host/ingress.tlsSecretName: enable the Ingress or remove its settings.');
    }

    let databaseSelector: Record<string, string> | undefined;
    if (mode === 'in-cluster') {
      const postgres = new PostgresDatabase(this, 'Database', {
        namespace,
        name: dbServiceName,
        image: db.image,
        identity: { instance, partOf },
        port: dbPort,
        config,
        storage: db.storage,
        storageClassName: db.storageClassName,
        accessMode: db.accessMode,
        retainOnDelete: db.retainOnDelete,
        retainOnScaleDown: db.retainOnScaleDown,
        resources: db.resources,
        replicas: db.replicas,
        replicationUser: db.replicationUser,
        replicationPasswordKey: replicated ? 'replication-password' : undefined,
        tls: db.tls,
      });
      databaseSelector = postgres.selector;
      const backup = db.backup ?? { enabled: false };
      const unknownBackupKey = Object.keys(backup).find((k) => !BACKUP_KEYS.includes(k));
      if (unknownBackupKey !== undefined) {
        throw new ValidationError(`${id}: database.backup.${unknownBackupKey}`, (backup as Record<string, unknown>)[unknownBackupKey],
          `Unknown setting. database.backup takes: ${BACKUP_KEYS.join(', ')}.`);
      }
      if (backup.enabled ?? true) {
        new PostgresBackup(this, 'Backup', {
          namespace,
          name: 'postgres-backup',
          image: db.image,
          identity: { instance, partOf },
          config,
          host: postgres.readServiceName ?? postgres.serviceName,
          primaryHost: postgres.serviceName,
          port: dbPort,
          sourceSelector: postgres.standbySelector ?? postgres.selector,
          primarySelector: postgres.selector,
          schedule: backup.schedule,
          timeZone: backup.timeZone,
          keep: backup.keep,
          storage: backup.storage,
          storageClassName: backup.storageClassName,
          resources: backup.resources,
          tlsSecretName: postgres.tlsSecretName,
        });
      } else if (Object.keys(backup).some((k) => k !== 'enabled')) {
        throw new ValidationError(`${id}: database.backup.enabled`, false, 'Conflicts with the other database.backup settings: enable backups or remove them.');
      }
    } else {
      new ExternalDatabase(this, 'Database', {
        namespace,
        name: dbServiceName,
        host: db.externalHost!,
        port: dbPort,
        labels: shared('database'),
      });
    }

    new NetworkPolicies(this, 'NetworkPolicies', {
      namespace,
      webSelector: webTier.selector,
      webPort: webTier.containerPort,
      databaseSelector,
      databasePort: dbPort,
      externalDatabaseCidrs: db.externalCidrs,
      labels: shared('network-policy'),
    });
  }
}

const BACKUP_KEYS = ['enabled', 'schedule', 'timeZone', 'keep', 'storage', 'storageClassName', 'resources'];

const IN_CLUSTER_ONLY = ['image', 'storage', 'storageClassName', 'accessMode', 'retainOnDelete', 'retainOnScaleDown', 'resources',
  'replicas', 'replicationUser', 'tls', 'backup'] as const;
const EXTERNAL_ONLY = ['externalHost', 'externalCidrs'] as const;

/** Refuses settings that the chosen database mode would silently ignore. */
function checkModeSpecificSettings(id: string, mode: 'in-cluster' | 'external', db: DatabaseSettings): void {
  const ignored = mode === 'external' ? IN_CLUSTER_ONLY : EXTERNAL_ONLY;
  for (const key of ignored) {
    if (db[key] !== undefined) {
      throw new ValidationError(`${id}: database.${key}`, db[key],
        `Only applies with database.mode "${mode === 'external' ? 'in-cluster' : 'external'}" (mode is "${mode}"). Remove it or change database.mode.`);
    }
  }
  if (mode === 'external' && db.externalHost === undefined) {
    throw new ValidationError(`${id}: database.externalHost`, undefined, 'Required with database.mode "external": the DNS name of the database server, e.g. "db.example.com".');
  }
}

/** The Secret data to render (dev), with the replication password when standbys need it. */
function renderedSecretData(id: string, credentials: CredentialsSettings | undefined, replicated: boolean): Record<string, string> | undefined {
  const replicationPassword = credentials?.replicationPassword;
  if (replicationPassword !== undefined && !(replicated && credentials?.password !== undefined)) {
    throw new ValidationError(`${id}: credentials.replicationPassword`, '<redacted>',
      'Only applies with credentials.password (a rendered Secret) and database.replicas above 1. Remove it, or put key "replication-password" into the out-of-band Secret.');
  }
  if (credentials?.password === undefined) return undefined;
  if (!replicated) return { password: credentials.password };
  if (replicationPassword === undefined || replicationPassword === '') {
    throw new ValidationError(`${id}: credentials.replicationPassword`, replicationPassword,
      'Required with credentials.password and database.replicas above 1: the standbys authenticate as the replication role with it.');
  }
  return { 'password': credentials.password, 'replication-password': replicationPassword };
}
