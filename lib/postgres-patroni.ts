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
import * as k8s from './k8s';
import { Construct } from 'constructs';
import { AppConfig } from './app-config';
import { configHash } from './config-hash';
import { IPodGroup, NetworkPolicies, Peer } from './network-policies';
import { PATRONI_PORT, POSTGRES_SUPERUSER } from './postgres-image';
import { PGDATA } from './postgres-pod';
import { PatroniConfigInput, ROLE_LABEL, SCOPE_LABEL, patroniConfig } from './postgres-patroni-config';
import { SCRIPTS_DIR, patroniScripts } from './postgres-scripts';

/** Pod-template annotation with the digest of the scripts and patroni.yml, so a change rolls the pods. */
export const SCRIPTS_HASH_ANNOTATION = 'refarch.example.com/scripts-hash';

/** Validated input of {@link PatroniMembers}. */
export interface PatroniMembersProps extends PatroniConfigInput {
  readonly headlessServiceName: string;
  readonly readServiceName: string;
  readonly replicas: number;
  readonly labels: Record<string, string>;
  readonly serviceAccountName: string;
  readonly config: AppConfig;
  readonly userKey: string;
  readonly databaseKey: string;
  readonly passwordKey: string;
  readonly replicationPasswordKey: string;
  readonly superuserPasswordKey: string;
  readonly kubernetesApi: { readonly cidrs: string[]; readonly port: number };
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
  /** ConfigMap `<name>-scripts`: the scripts (patroni.sh, ready.sh, post-bootstrap.sh, lib.sh), patroni.yml and member 0's bootstrap.yml. */
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
    // bootstrap.yml is read by member 0 only (patroni.sh): no other member can create a cluster.
    const { bootstrap, ...config } = patroniConfig(p);
    const yml = (o: object) => JSON.stringify(o, null, 2) + '\n';
    const files = { ...patroniScripts(), 'patroni.yml': yml(config), 'bootstrap.yml': yml({ bootstrap }) };
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
      // leader or as a replica that streams (ready.sh: members but 0 also while there is no
      // leader at all). The first start of a replica clones the leader: allow it up to 30 minutes.
      startupProbe: http('/liveness', 5, 360),
      livenessProbe: http('/liveness', 10, 3),
      readinessProbe: { exec: { command: ['bash', `${SCRIPTS_DIR}/ready.sh`] }, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 3 },
      // Preferred, not required: on a one-node cluster the members still run (without the
      // protection); on a real cluster they land on different nodes, and zones.
      affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [spread(100, 'kubernetes.io/hostname'), spread(50, 'topology.kubernetes.io/zone')] } },
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: p.selector } }],
      secretKeys: [p.replicationPasswordKey, p.superuserPasswordKey],
    };
  }
}
