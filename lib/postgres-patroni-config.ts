/**
 * Patroni's configuration for a {@link PatroniMembers}: the timing and synchronous
 * replication settings, the labels Patroni writes, and patroni.yml itself. A file of its
 * own so that the construct (postgres-patroni.ts) holds the Kubernetes objects only.
 */
import { Complete } from './compact';
import { PATRONI_PORT } from './postgres-image';
import { PGDATA } from './postgres-pod';
import { SCRIPTS_DIR } from './postgres-scripts';

/** Pod label Patroni sets to the member's role: `primary` or `replica`. */
export const ROLE_LABEL = 'refarch.example.com/role';
/** Pod and object label naming the Patroni cluster (its scope) the member belongs to. */
export const SCOPE_LABEL = 'refarch.example.com/patroni-cluster';

/** Synchronous replication: `on` waits for one standby per commit; `strict` also with none left. */
export type SynchronousReplication = 'off' | 'on' | 'strict';

/** Patroni's timing: how fast a lost leader is replaced, and how long the API may be away. */
export interface FailoverTiming {
  /**
   * Seconds the leader lock lives without being renewed: a replica takes over this long
   * after the last renewal of a lost leader.
   * @default 20
   */
  readonly ttlSeconds?: number | undefined;
  /**
   * Seconds between two runs of each member's HA loop (the leader renews the lock each time).
   * @default 5
   */
  readonly loopWaitSeconds?: number | undefined;
  /**
   * Seconds a member retries the Kubernetes API (and PostgreSQL) before it gives up;
   * a leader that cannot renew the lock in time demotes itself.
   * Must satisfy `loopWaitSeconds + 2 * retryTimeoutSeconds <= ttlSeconds`.
   * @default 7
   */
  readonly retryTimeoutSeconds?: number | undefined;
}

/** Where the members reach the Kubernetes API server, as NetworkPolicies see it. */
export interface KubernetesApiAccess {
  /**
   * The API server's own addresses (the endpoints of Service `kubernetes` in namespace
   * `default`), not the Service IP: NetworkPolicies see connections after kube-proxy has
   * translated the Service IP.
   */
  readonly cidrs: string[];
  /**
   * The API server's port on those addresses.
   * @default 6443
   */
  readonly port?: number | undefined;
}

export const DEFAULT_FAILOVER_TIMING: Complete<FailoverTiming> = { ttlSeconds: 20, loopWaitSeconds: 5, retryTimeoutSeconds: 7 };

/** What patroni.yml is rendered from (validated by PostgresDatabase). */
export interface PatroniConfigInput {
  readonly namespace: string;
  /** The database's name: the Patroni scope, the StatefulSet and the client Service (whose Endpoints Patroni writes). */
  readonly name: string;
  readonly port: number;
  /** Labels selecting every member (the StatefulSet's selector). */
  readonly selector: Record<string, string>;
  readonly replicationUser: string;
  readonly timing: Complete<FailoverTiming>;
  readonly synchronous: SynchronousReplication;
  /**
   * TLS directory in the pods, when TLS is on.
   * @default - no TLS
   */
  readonly tlsDir?: string | undefined;
}

/** Patroni's configuration (JSON, which YAML reads): everything but what patroni.sh sets per pod. */
export function patroniConfig(p: PatroniConfigInput): { bootstrap: object } & Record<string, unknown> {
  const tls = p.tlsDir === undefined ? {} : { sslmode: 'verify-full', sslrootcert: `${p.tlsDir}/ca.crt` };
  return {
    scope: p.name,
    log: { level: 'INFO' },
    restapi: { listen: `0.0.0.0:${PATRONI_PORT}` },
    kubernetes: {
      namespace: p.namespace,
      labels: p.selector,
      scope_label: SCOPE_LABEL,
      role_label: ROLE_LABEL,
      leader_label_value: 'primary',
      follower_label_value: 'replica',
      standby_leader_label_value: 'primary',
      use_endpoints: true,
      // The `postgresql` port of the client Service, which the leader's Endpoints must name.
      ports: [{ name: 'postgresql', port: p.port }],
    },
    bootstrap: {
      // The cluster-wide settings, written to the state store when the cluster is created
      // (or a single instance is taken over); later changes: `patronictl edit-config`.
      dcs: {
        ttl: p.timing.ttlSeconds,
        loop_wait: p.timing.loopWaitSeconds,
        retry_timeout: p.timing.retryTimeoutSeconds,
        maximum_lag_on_failover: 1048576,
        synchronous_mode: p.synchronous !== 'off',
        synchronous_mode_strict: p.synchronous === 'strict',
        failsafe_mode: false,
        postgresql: {
          use_pg_rewind: true,
          use_slots: true,
          parameters: {
            wal_level: 'replica', hot_standby: 'on', max_wal_senders: 10, max_replication_slots: 10,
            wal_keep_size: '256MB', wal_log_hints: 'on', hot_standby_feedback: 'on', password_encryption: 'scram-sha-256',
          },
        },
      },
      initdb: [{ encoding: 'UTF8' }, { locale: 'en_US.utf8' }, 'data-checksums'],
      post_bootstrap: `bash ${SCRIPTS_DIR}/post-bootstrap.sh`,
    },
    postgresql: {
      listen: `*:${p.port}`,
      data_dir: PGDATA,
      pgpass: '/tmp/pgpass',
      // Patroni's own connections to its server, plain and replication (it asks a replica
      // for its timeline that way), over the socket: no TLS, no host name to verify.
      use_unix_socket: true,
      use_unix_socket_repl: true,
      authentication: { superuser: { ...tls }, replication: { ...tls } },
      parameters: {
        unix_socket_directories: '/var/run/postgresql',
        ...(p.tlsDir === undefined ? {} : {
          ssl: 'on', ssl_cert_file: `${p.tlsDir}/tls.crt`, ssl_key_file: `${p.tlsDir}/tls.key`, ssl_ca_file: `${p.tlsDir}/ca.crt`,
        }),
      },
      pg_hba: [
        // Inside the pod only (Patroni itself, kubectl exec): as the official image does.
        'local all all trust',
        'local replication all trust',
        ...(p.tlsDir === undefined ? [] : ['hostnossl all all all reject', 'hostnossl replication all all reject']),
        `host replication ${p.replicationUser} all scram-sha-256`,
        'host all all all scram-sha-256',
      ],
      // A former leader that pg_rewind cannot bring back is cloned again.
      remove_data_directory_on_rewind_failure: true,
      remove_data_directory_on_diverged_timelines: true,
      basebackup: [{ checkpoint: 'fast' }],
    },
    // No watchdog device in a pod; a leader that cannot renew the lock demotes itself
    // (retry_timeout), and the liveness probe restarts a Patroni whose loop hangs.
    watchdog: { mode: 'off' },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
}

