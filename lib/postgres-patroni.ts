/**
 * What Patroni adds to a {@link PostgresDatabase} with `replicas` above 1: its
 * configuration and start scripts, the Kubernetes RBAC its state store needs, the Services
 * of the roles it assigns and the connections it makes. Rendered by PostgresDatabase,
 * which validates the props first; its pods come from postgres-pod.ts like every other
 * database pod.
 *
 * State store: Kubernetes Endpoints (`use_endpoints`). The leader lock IS the Endpoints
 * object of the client Service `<name>` (selectorless): the member that takes the lock
 * writes its own address into it in the same atomic update, so the Service follows the
 * lock with no window in which a lost leader is still routed to, and Kubernetes mirrors
 * it into an EndpointSlice for kube-proxy. With ConfigMaps the Service would select a
 * role label instead, and a dead node's pod keeps `primary` and stays a ready endpoint
 * until the node controller marks it NotReady (about 40-50 s). docs/data-tier.md has the
 * measurements and the deprecation note (Endpoints are deprecated but served).
 */
import * as k8s from '../imports/k8s';
import { Construct } from 'constructs';
import { AppConfig } from './app-config';
import { configHash } from './config-hash';
import { IPodGroup, NetworkPolicies, Peer } from './network-policies';
import { PATRONI_PORT, POSTGRES_SUPERUSER } from './postgres-image';
import { PGDATA } from './postgres-pod';
import { SCRIPTS_DIR, patroniScripts } from './postgres-scripts';

/** Pod label Patroni sets to the member's role: `primary` or `replica`. */
export const ROLE_LABEL = 'refarch.example.com/role';
/** Pod and object label naming the Patroni cluster (its scope) the member belongs to. */
export const SCOPE_LABEL = 'refarch.example.com/patroni-cluster';
/** Pod-template annotation with the digest of the scripts and patroni.yml, so a change rolls the pods. */
export const SCRIPTS_HASH_ANNOTATION = 'refarch.example.com/scripts-hash';

/** Synchronous replication: `on` waits for one standby per commit; `strict` also with none left. */
export type SynchronousReplication = 'off' | 'on' | 'strict';

/** Patroni's timing: how fast a lost leader is replaced, and how long the API may be away. */
export interface FailoverTiming {
  /**
   * Seconds the leader lock lives without being renewed: a replica takes over this long
   * after the last renewal of a lost leader.
   * @default 20
   */
  readonly ttlSeconds?: number;
  /**
   * Seconds between two runs of each member's HA loop (the leader renews the lock each time).
   * @default 5
   */
  readonly loopWaitSeconds?: number;
  /**
   * Seconds a member retries the Kubernetes API (and PostgreSQL) before it gives up;
   * a leader that cannot renew the lock in time demotes itself.
   * Must satisfy `loopWaitSeconds + 2 * retryTimeoutSeconds <= ttlSeconds`.
   * @default 7
   */
  readonly retryTimeoutSeconds?: number;
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
  readonly port?: number;
}

export const DEFAULT_FAILOVER_TIMING: Required<FailoverTiming> = { ttlSeconds: 20, loopWaitSeconds: 5, retryTimeoutSeconds: 7 };

/** Validated input of {@link PatroniMembers}. */
export interface PatroniMembersProps {
  readonly namespace: string;
  /** The database's name: the Patroni scope, the StatefulSet and the client Service (whose Endpoints Patroni writes). */
  readonly name: string;
  readonly headlessServiceName: string;
  readonly readServiceName: string;
  readonly replicas: number;
  readonly port: number;
  readonly labels: Record<string, string>;
  /** Labels selecting every member (the StatefulSet's selector). */
  readonly selector: Record<string, string>;
  readonly serviceAccountName: string;
  readonly config: AppConfig;
  readonly userKey: string;
  readonly databaseKey: string;
  readonly passwordKey: string;
  readonly replicationUser: string;
  readonly replicationPasswordKey: string;
  readonly superuserPasswordKey: string;
  readonly timing: Required<FailoverTiming>;
  readonly synchronous: SynchronousReplication;
  readonly kubernetesApi: { readonly cidrs: string[]; readonly port: number };
  /**
   * TLS directory in the pods, when TLS is on.
   * @default - no TLS
   */
  readonly tlsDir?: string;
}

/** Patroni's share of the member pods. */
export interface PatroniPodParts {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly command: string[];
  readonly env: k8s.EnvVar[];
  readonly volumeMounts: k8s.VolumeMount[];
  readonly volumes: k8s.Volume[];
  readonly startupProbe: k8s.Probe;
  readonly livenessProbe: k8s.Probe;
  readonly readinessProbe: k8s.Probe;
  readonly affinity: k8s.Affinity;
  readonly topologySpreadConstraints: k8s.TopologySpreadConstraint[];
  /** Secret keys the members read (for the config digest). */
  readonly secretKeys: string[];
}

/** Patroni's objects next to the members' StatefulSet. */
export class PatroniMembers extends Construct {
  /** The namespaced Role with exactly what Patroni's Kubernetes state store calls. */
  public readonly role: k8s.KubeRole;
  public readonly roleBinding: k8s.KubeRoleBinding;
  /** ConfigMap `<name>-scripts`: patroni.sh, post-bootstrap.sh, lib.sh and patroni.yml. */
  public readonly scriptsConfigMap: k8s.KubeConfigMap;
  /** `<name>-read`: the replicas Patroni labels `replica` that are ready. */
  public readonly readService: k8s.KubeService;
  /** `<name>-config`: the headless Service Patroni's configuration Endpoints need (else the API may remove them). */
  public readonly configService: k8s.KubeService;
  /** Member <-> member (replication, rewind, REST API) and member -> Kubernetes API. */
  public readonly networkPolicies: NetworkPolicies;
  public readonly pod: PatroniPodParts;

  constructor(scope: Construct, id: string, p: PatroniMembersProps) {
    super(scope, id);
    const meta = (name: string) => ({ name, namespace: p.namespace, labels: p.labels });
    const scriptsName = `${p.name}-scripts`;
    const patroniYml = JSON.stringify(patroniConfig(p), null, 2) + '\n';
    const files = { ...patroniScripts(), 'patroni.yml': patroniYml };
    this.scriptsConfigMap = new k8s.KubeConfigMap(this, 'Scripts', { metadata: meta(scriptsName), data: files });

    // Patroni lists and watches the members and its Endpoints, patches its own pod (role
    // label, status annotation) and creates and patches its Endpoints (the leader lock
    // `<name>`, `<name>-config`, `-sync`, `-failover`). Nothing else: no Secrets, no
    // deletes (only `patronictl remove` deletes, a manual step), no Services (the one it
    // would create is rendered here).
    const members = Array.from({ length: p.replicas }, (_, i) => `${p.name}-${i}`);
    const endpoints = [p.name, `${p.name}-config`, `${p.name}-sync`, `${p.name}-failover`];
    this.role = new k8s.KubeRole(this, 'Role', {
      metadata: meta(`${p.name}-patroni`),
      rules: [
        { apiGroups: [''], resources: ['endpoints'], verbs: ['list', 'watch', 'create'] },
        { apiGroups: [''], resources: ['endpoints'], resourceNames: endpoints, verbs: ['get', 'patch'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
        { apiGroups: [''], resources: ['pods'], resourceNames: members, verbs: ['patch'] },
      ],
    });
    this.roleBinding = new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: meta(`${p.name}-patroni`),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: this.role.name },
      subjects: [{ kind: 'ServiceAccount', name: p.serviceAccountName, namespace: p.namespace }],
    });

    const ports = [{ name: 'postgresql', port: p.port, targetPort: k8s.IntOrString.fromString('postgresql'), protocol: 'TCP' }];
    this.configService = new k8s.KubeService(this, 'ConfigService', {
      metadata: meta(`${p.name}-config`),
      spec: { clusterIp: 'None' },
    });
    this.readService = new k8s.KubeService(this, 'ReadService', {
      metadata: {
        ...meta(p.readServiceName),
        annotations: {
          'refarch.example.com/skip-service-selector':
            `Patroni sets ${ROLE_LABEL}: replica on the members that stream from the leader, at run time; no pod template carries it.`,
        },
      },
      spec: { type: 'ClusterIP', selector: { ...p.selector, [ROLE_LABEL]: 'replica' }, ports },
    });

    const group: IPodGroup = { namespace: p.namespace, name: p.name, selector: p.selector };
    this.networkPolicies = new NetworkPolicies(this, 'NetworkPolicies', { namespace: p.namespace, labels: p.labels, defaultDeny: false, dnsTo: 'none' });
    // Streaming, pg_rewind and basebackup on the server port; the leader race asks the
    // other members' REST API.
    this.networkPolicies.allow(group, group, [{ port: p.port }, { port: PATRONI_PORT }], { name: `${p.name}-members` });
    this.networkPolicies.allow(group, Peer.cidrs(p.kubernetesApi.cidrs, 'kubernetes-api'), { port: p.kubernetesApi.port });

    const credentials = p.config.secretMount({
      keys: [p.passwordKey, p.replicationPasswordKey, p.superuserPasswordKey], mountPath: '/etc/refarch-credentials', volumeName: 'credentials',
    });
    const fieldEnv = (name: string, fieldPath: string): k8s.EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });
    const http = (path: string, periodSeconds: number, failureThreshold: number): k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromString('patroni') }, periodSeconds, failureThreshold, timeoutSeconds: 3,
    });
    const spread = (weight: number, topologyKey: string): k8s.WeightedPodAffinityTerm => ({ weight, podAffinityTerm: { topologyKey, labelSelector: { matchLabels: p.selector } } });
    this.pod = {
      labels: { [SCOPE_LABEL]: p.name },
      annotations: { [SCRIPTS_HASH_ANNOTATION]: configHash(files) },
      command: ['bash', `${SCRIPTS_DIR}/patroni.sh`],
      env: [
        fieldEnv('PATRONI_NAME', 'metadata.name'),
        fieldEnv('PATRONI_KUBERNETES_POD_IP', 'status.podIP'),
        { name: 'REFARCH_MEMBER_DOMAIN', value: `${p.headlessServiceName}.${p.namespace}.svc.cluster.local` },
        { name: 'PATRONI_SUPERUSER_USERNAME', value: POSTGRES_SUPERUSER },
        { name: 'REFARCH_SUPERUSER_PASSWORD_FILE', value: credentials.filePath(p.superuserPasswordKey) },
        { name: 'PATRONI_REPLICATION_USERNAME', value: p.replicationUser },
        { name: 'REFARCH_REPLICATION_PASSWORD_FILE', value: credentials.filePath(p.replicationPasswordKey) },
        // The application's role and database, which post-bootstrap.sh creates on a new cluster.
        p.config.settingEnv('POSTGRES_USER', p.userKey),
        p.config.settingEnv('POSTGRES_DB', p.databaseKey),
        { name: 'POSTGRES_PASSWORD_FILE', value: credentials.filePath(p.passwordKey) },
        { name: 'PGDATA', value: PGDATA },
        { name: 'PGPORT', value: String(p.port) },
      ],
      volumeMounts: [
        credentials.volumeMount,
        { name: 'scripts', mountPath: SCRIPTS_DIR, readOnly: true },
      ],
      volumes: [
        credentials.volume,
        { name: 'scripts', configMap: { name: scriptsName, defaultMode: 0o444 } },
      ],
      // Patroni's REST API: alive while its HA loop runs; ready when PostgreSQL runs as the
      // leader or as a replica that streams. The first start of a replica clones the
      // leader: allow it up to 30 minutes.
      startupProbe: http('/liveness', 5, 360),
      livenessProbe: http('/liveness', 10, 3),
      readinessProbe: http('/readiness', 5, 3),
      // Preferred, not required: on a one-node cluster the members still run (without the
      // protection); on a real cluster they land on different nodes, and zones.
      affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [spread(100, 'kubernetes.io/hostname'), spread(50, 'topology.kubernetes.io/zone')] } },
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: p.selector } }],
      secretKeys: [p.replicationPasswordKey, p.superuserPasswordKey],
    };
  }
}

/** patroni.yml (JSON, which YAML reads): everything but what patroni.sh sets per pod. */
function patroniConfig(p: PatroniMembersProps): object {
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

