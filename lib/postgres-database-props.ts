/**
 * The props of {@link PostgresDatabase} (postgres-database.ts) and their named defaults:
 * every setting a user can give, documented with its default, apart from the rendering.
 */
import { AppConfig } from './app-config';
import { AppIdentity, WorkloadProps } from './labels';
import { FailoverTiming, KubernetesApiAccess, SynchronousReplication } from './postgres-patroni-config';
import { ResourceRequirements } from './resources';

/** What happens to the PersistentVolumeClaims when the StatefulSet is deleted or scaled down. */
export type ClaimRetention = 'Retain' | 'Delete';

/** Props of {@link PostgresDatabase}. */
export interface PostgresDatabaseProps extends WorkloadProps {
  /**
   * Name of the StatefulSet and of the client Service that applications connect to.
   * The headless Service is `<name>-headless`, the replicas' Service `<name>-read`.
   * @default 'postgres'
   */
  readonly name?: string | undefined;
  /**
   * PostgreSQL image following the official `postgres` image contract (uid 999). With
   * `replicas` above 1 it must also contain Patroni (images/postgres-patroni/Dockerfile).
   * @default 'postgres:17.11-trixie'
   */
  readonly image?: string | undefined;
  /**
   * Recommended-label values.
   * @default - name 'postgresql', instance and part-of from `name`, component 'database', version from the image tag
   */
  readonly identity?: Partial<AppIdentity> | undefined;
  /**
   * TCP port of the server and of the Services (1024-65535: the server runs as a non-root user).
   * @default 5432
   */
  readonly port?: number | undefined;
  /**
   * Where the user, database name and password come from. The StatefulSet reads
   * POSTGRES_USER and POSTGRES_DB from `userKey` and `databaseKey` of its ConfigMap
   * and the password from `passwordKey` of its Secret, mounted as a file: the same objects the
   * application reads, so the two cannot disagree.
   * @default - an AppConfig of its own: user `user` and database `databaseName`, an out-of-band Secret with the keys of {@link postgresSecretKeys}; named `app-config` and `app-credentials`, or after `name` when given (`<name>-config`, `<name>-credentials`)
   */
  readonly config?: AppConfig | undefined;
  /**
   * Name of the database, in the AppConfig the database makes when `config` is not given.
   * @default 'app'
   */
  readonly databaseName?: string | undefined;
  /**
   * The application's role, in the AppConfig the database makes when `config` is not given.
   * @default 'app'
   */
  readonly user?: string | undefined;
  /**
   * ConfigMap key holding the database user.
   * @default 'DB_USER'
   */
  readonly userKey?: string | undefined;
  /**
   * ConfigMap key holding the database name.
   * @default 'DB_NAME'
   */
  readonly databaseKey?: string | undefined;
  /**
   * Secret key holding the password.
   * @default 'password'
   */
  readonly passwordKey?: string | undefined;
  /**
   * Size of the data volume claim.
   * @default '1Gi'
   */
  readonly storage?: string | undefined;
  /**
   * StorageClass of the data volume claim.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string | undefined;
  /**
   * Access mode of the data volume claim.
   * @default 'ReadWriteOnce'
   */
  readonly accessMode?: 'ReadWriteOnce' | 'ReadWriteOncePod' | undefined;
  /**
   * Keep or delete the claim when the StatefulSet is deleted. `Retain` keeps the data.
   * @default 'Retain'
   */
  readonly retainOnDelete?: ClaimRetention | undefined;
  /**
   * Keep or delete the claim when the StatefulSet is scaled down.
   * @default 'Retain'
   */
  readonly retainOnScaleDown?: ClaimRetention | undefined;
  /**
   * Container resources.
   * @default - laptop-sized: 100m/500m CPU, 256Mi/512Mi memory, 64Mi/1Gi ephemeral storage
   */
  readonly resources?: ResourceRequirements | undefined;
  /**
   * Number of PostgreSQL pods. 1: a single instance of the official image. Above 1:
   * Patroni-managed members, one leader and `replicas - 1` streaming replicas, with
   * automatic failover.
   * @default 1
   */
  readonly replicas?: number | undefined;
  /**
   * Name of the replication role. Only with `replicas` above 1.
   * @default 'replicator'
   */
  readonly replicationUser?: string | undefined;
  /**
   * Key of the Secret holding the replication role's password. Only with `replicas` above 1.
   * @default 'replication-password'
   */
  readonly replicationPasswordKey?: string | undefined;
  /**
   * Key of the Secret holding the password of Patroni's superuser `postgres`. Only with
   * `replicas` above 1.
   * @default 'superuser-password'
   */
  readonly superuserPasswordKey?: string | undefined;
  /**
   * Synchronous replication, with `replicas` above 1: `on` makes every commit wait until
   * one replica has it (a failover then loses no acknowledged write; with no replica
   * left, writes go on without one), `strict` also refuses writes while no replica can
   * confirm them.
   * @default 'off'
   */
  readonly synchronousReplication?: SynchronousReplication | undefined;
  /**
   * Patroni's timing, with `replicas` above 1.
   * @default - ttl 20 s, loop_wait 5 s, retry_timeout 7 s (docs/data-tier.md has the measured failover times)
   */
  readonly failover?: FailoverTiming | undefined;
  /**
   * Where the members reach the Kubernetes API (their egress policy allows exactly that).
   * Required with `replicas` above 1.
   * @default - none: required with replicas above 1
   */
  readonly kubernetesApi?: KubernetesApiAccess | undefined;
  /**
   * TLS for every TCP connection to the servers, replication included.
   * @default - no TLS (plain-text connections)
   */
  readonly tls?: PostgresTls | undefined;
}

/** TLS settings of {@link PostgresDatabase}. */
export interface PostgresTls {
  /**
   * A Secret in the namespace with `tls.crt`, `tls.key` (type `kubernetes.io/tls`) and
   * `ca.crt`. The certificate must name `<name>.<namespace>.svc.cluster.local` and, with
   * `replicas` above 1, `<name>-read.<namespace>.svc.cluster.local` and
   * `*.<name>-headless.<namespace>.svc.cluster.local` (the members replicate by pod name).
   */
  readonly secretName: string;
}

/**
 * What the database's Secret must hold: the application user's password (`password`)
 * and, with `replicas` above 1, the replication role's (`replication-password`) and
 * Patroni's superuser's (`superuser-password`); the key names follow the props.
 */
export type PostgresSecretKeys =
  | readonly [password: string]
  | readonly [password: string, replicationPassword: string, superuserPassword: string];

/** The keys the Secret of a database with these props must hold (see {@link PostgresSecretKeys}). */
export function postgresSecretKeys(props: Pick<PostgresDatabaseProps, 'replicas' | 'passwordKey' | 'replicationPasswordKey' | 'superuserPasswordKey'> = {}): PostgresSecretKeys {
  const password = props.passwordKey ?? 'password';
  if ((props.replicas ?? 1) <= 1) return [password];
  return [password, props.replicationPasswordKey ?? DEFAULT_REPLICATION_PASSWORD_KEY, props.superuserPasswordKey ?? DEFAULT_SUPERUSER_PASSWORD_KEY];
}

/** Most database pods. */
export const MAX_POSTGRES_REPLICAS = 10;
/** Secret key of the replication role's password, unless `replicationPasswordKey` says otherwise. */
export const DEFAULT_REPLICATION_PASSWORD_KEY = 'replication-password';
/** Secret key of the superuser's password, unless `superuserPasswordKey` says otherwise. */
export const DEFAULT_SUPERUSER_PASSWORD_KEY = 'superuser-password';
/** Where the TLS Secret is mounted in database pods; clients mount `ca.crt` where they like. */
export const TLS_DIR = '/etc/postgresql-tls';

/** Laptop-sized defaults for a small PostgreSQL. */
export const DEFAULT_POSTGRES_RESOURCES: ResourceRequirements = {
  cpuRequest: '100m', cpuLimit: '500m',
  memoryRequest: '256Mi', memoryLimit: '512Mi',
  ephemeralStorageRequest: '64Mi', ephemeralStorageLimit: '1Gi',
};
