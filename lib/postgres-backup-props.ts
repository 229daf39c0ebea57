/**
 * The props of {@link PostgresBackup} (postgres-backup.ts, which re-exports them): the
 * database it backs up and the schedule, retention, storage and resources of its Jobs.
 */
import { AppConfig } from './app-config';
import { AppIdentity, WorkloadProps } from './labels';
import { IPodGroup, Peer, PolicyPort } from './network-policies';
import { ResourceRequirements } from './resources';

/**
 * The database to back up: a {@link PostgresDatabase} satisfies it. For a database made
 * elsewhere, an object literal with its Services, pod labels and AppConfig.
 */
export interface IPostgresBackupSource extends IPodGroup {
  /** Client Service of the primary, which restores write to. */
  readonly serviceName: string;
  /** The server's port. */
  readonly ports: { readonly postgresql: PolicyPort };
  /**
   * Read-only Service of the standbys, which backups dump from when there is one.
   * @default - none: dump from `serviceName`
   */
  readonly readServiceName?: string | undefined;
  /**
   * The standbys' pods, behind `readServiceName`.
   * @default - none: the primary's pods are the only source
   */
  readonly standbys?: IPodGroup | undefined;
  /** The database's configuration: user, database name and password Secret. */
  readonly config: AppConfig;
  /**
   * Setting of `config` holding the database user.
   * @default 'DB_USER'
   */
  readonly userKey?: string | undefined;
  /**
   * Setting of `config` holding the database name.
   * @default 'DB_NAME'
   */
  readonly databaseKey?: string | undefined;
  /**
   * Key of `config`'s Secret holding the password.
   * @default 'password'
   */
  readonly passwordKey?: string | undefined;
  /**
   * Image of the server: pg_dump must be at least its major version.
   * @default 'postgres:17.11-trixie'
   */
  readonly image?: string | undefined;
  /**
   * Secret with the CA (`ca.crt`) of the server's certificate, when it uses TLS (clients then verify it).
   * @default - plain-text connections (sslmode=disable)
   */
  readonly tlsSecretName?: string | undefined;
}

/** Props of {@link PostgresBackup}. */
export interface PostgresBackupProps extends WorkloadProps {
  /**
   * Namespace of every object; it must be the database's.
   * @default - the database's namespace
   */
  readonly namespace?: string | undefined;
  /**
   * The database: backups dump from its standbys' read Service (else its Service),
   * restores write to its primary (its `selector` selects the primary's pods), over TLS
   * when it has it, with its AppConfig's credentials.
   */
  readonly database: IPostgresBackupSource;
  /**
   * Name of the backup CronJob, its PVC, ServiceAccount and ConfigMap. The restore
   * CronJob is `<name>-restore`.
   * @default '<database name>-backup' ('postgres-backup' for a database of the default name)
   */
  readonly name?: string | undefined;
  /**
   * Image with pg_dump and pg_restore; pg_dump must be at least the server's major version.
   * @default - the database's image, else 'postgres:17.11-trixie' (DEFAULT_POSTGRES_IMAGE)
   */
  readonly image?: string | undefined;
  /**
   * Recommended-label values.
   * @default - name 'postgresql-backup', instance and part-of from `name`, component 'backup' (restore pods: 'restore'), version from the image tag
   */
  readonly identity?: Partial<AppIdentity> | undefined;
  /**
   * When backups run: a cron schedule as the CronJob controller reads it (5 fields, or
   * a descriptor such as `@daily` or `@every 12h`), in `timeZone`.
   * @default '0 3 * * *' (03:00 every day)
   */
  readonly schedule?: string | undefined;
  /**
   * Time zone of `schedule`: an IANA name (case-sensitive), not `Local`.
   * @default 'Etc/UTC'
   */
  readonly timeZone?: string | undefined;
  /**
   * How many dumps to keep (the newest).
   * @default 7
   */
  readonly keep?: number | undefined;
  /**
   * Size of the backup volume claim: room for `keep` dumps plus one in progress.
   * @default '1Gi'
   */
  readonly storage?: string | undefined;
  /**
   * StorageClass of the backup volume claim.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string | undefined;
  /**
   * Where the backup and restore pods may send DNS queries (UDP and TCP 53);
   * `Peer.anyAddress()` when the resolver is not a pod.
   * @default Peer.clusterDns() (the `k8s-app: kube-dns` pods in namespace `kube-system`)
   */
  readonly dnsTo?: Peer | undefined;
  /**
   * Container resources of the backup and restore pods.
   * @default - 50m/500m CPU, 64Mi/256Mi memory, 64Mi/256Mi ephemeral storage
   */
  readonly resources?: ResourceRequirements | undefined;
}

export const DEFAULT_BACKUP_RESOURCES: ResourceRequirements = {
  cpuRequest: '50m', cpuLimit: '500m',
  memoryRequest: '64Mi', memoryLimit: '256Mi',
  ephemeralStorageRequest: '64Mi', ephemeralStorageLimit: '256Mi',
};
