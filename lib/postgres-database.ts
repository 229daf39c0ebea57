/**
 * PostgreSQL as a StatefulSet `<name>` with its headless and client Services, persistent
 * storage from volumeClaimTemplates and a PodDisruptionBudget.
 *
 * One replica: the official `postgres` image, unchanged, following its contract
 * (POSTGRES_USER, POSTGRES_PASSWORD_FILE, POSTGRES_DB, PGDATA, uid/gid 999; postgres-single.ts).
 * More than one: every pod runs Patroni (postgres-patroni.ts, its configuration in
 * postgres-patroni-config.ts, its settings checked by postgres-patroni-settings.ts), which elects a leader
 * through the Kubernetes API, points the client Service `<name>` at it, labels the others
 * `replica` for `<name>-read`, and promotes a replica when the leader is lost. Same
 * StatefulSet name, selector, serviceName and claim template in both modes (all
 * immutable), so a single instance upgrades in place: Patroni takes its data directory
 * over as the first leader. The pods of both modes come from postgres-pod.ts.
 *
 * With `tls`, the server uses the certificate, key and CA of a `kubernetes.io/tls` Secret
 * (plus `ca.crt`) and refuses plain-text TCP connections; replication uses
 * `sslmode=verify-full`.
 *
 * Written with the L1 StatefulSet because cdk8s-plus-27 has no volumeClaimTemplates API
 * (see docs/decisions/0001-l1-vs-cdk8s-plus.md). The props are in postgres-database-props.ts.
 */
import { compact } from './compact';
import * as k8s from './k8s';
import './k8s-minimum'; // fails to compile, saying why, with L1 classes older than 1.27
import { Construct } from 'constructs';
import { AppConfig, DEFAULT_DATABASE_KEY, DEFAULT_PASSWORD_KEY, DEFAULT_USER_KEY } from './app-config';
import { CONFIG_HASH_ANNOTATION } from './config-hash';
import { CONNECTION_SETTING_KEYS, IDatabaseConnection, serviceHost } from './database-connection';
import { declareExternalSecret } from './external-secrets';
import { claimTemplateLabels, recommendedLabels, selectorLabels, validateIdentity, versionFromImage } from './labels';
import {
  DEFAULT_POSTGRES_RESOURCES, MAX_POSTGRES_REPLICAS, PostgresDatabaseProps, PostgresSecretKeys, TLS_DIR, postgresSecretKeys,
} from './postgres-database-props';
import { DEFAULT_POSTGRES_IMAGE, DEFAULT_POSTGRES_PORT } from './postgres-image';
import { PatroniMembers, SCRIPTS_HASH_ANNOTATION } from './postgres-patroni';
import { ROLE_LABEL } from './postgres-patroni-config';
import { validatePatroniSettings } from './postgres-patroni-settings';
import { PostgresPodOptions, postgresPodTemplate } from './postgres-pod';
import { singleInstanceScripts } from './postgres-scripts';
import { singleInstancePod } from './postgres-single';
import {
  ValidationError, fieldOf, namespaceFor, validateDnsLabel, validateDnsSubdomain, validateImage, validateInteger, validateOneOf,
  validatePositiveQuantity, validatePostgresIdentifier,
} from './prop-checks';
import { renderResources } from './resources';
import { checkUniqueObjects } from './unique-objects';

export * from './postgres-database-props';

/** The policy plugin's annotation that switches one rule off for one object, with a reason. */
const SKIP_ANNOTATION_PREFIX = 'refarch.example.com/skip-';
/** Why Patroni's members, and no other pods, get an API token. */
const API_TOKEN_REASON = 'Patroni keeps its leader lock and member state in the Kubernetes API: these pods, and no others, mount a token, '
  + 'bound to a Role that allows exactly the calls Patroni makes in this namespace (postgres-patroni.ts).';
export { ROLE_LABEL, SCRIPTS_HASH_ANNOTATION };

/** PostgreSQL as a StatefulSet with persistent storage; Patroni-managed with more than one replica. */
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
  /** Name of the client Service: the database host for applications in the namespace (always the primary). */
  public readonly serviceName: string;
  /** Name of the headless Service that gives each pod its stable DNS name. */
  public readonly headlessServiceName: string;
  public readonly port: number;
  /** The server's named container port, for {@link NetworkPolicies.allow}. */
  public readonly ports: { readonly postgresql: { readonly name: 'postgresql'; readonly port: number; readonly protocol: 'TCP' } };
  /** Labels that select every database pod; use them in NetworkPolicies. */
  public readonly selector: Record<string, string>;
  public readonly statefulSet: k8s.KubeStatefulSet;
  /** The client Service `<name>`: the primary (with Patroni: selectorless, its Endpoints are the leader lock). */
  public readonly service: k8s.KubeService;
  /** The headless Service `<name>-headless` named by the StatefulSet's serviceName. */
  public readonly headlessService: k8s.KubeService;
  public readonly podDisruptionBudget: k8s.KubePodDisruptionBudget;
  /** The database pods' own ServiceAccount (same name as the StatefulSet). */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** Number of pods. */
  public readonly replicas: number;
  /** Patroni's objects; undefined with one replica. */
  public readonly patroni?: PatroniMembers | undefined;
  /** Read-only Service of the streaming replicas (`<name>-read`); undefined with one replica. */
  public readonly readServiceName?: string | undefined;
  /** ConfigMap of the scripts; undefined with one replica and no TLS. */
  public readonly scriptsConfigMap?: k8s.KubeConfigMap | undefined;
  /** The TLS Secret, when TLS is on. */
  public readonly tlsSecretName?: string | undefined;
  /** How applications connect (host, port, database, user, sslmode, password Secret): give it to AppConfig's `database`. */
  public readonly connection: IDatabaseConnection;
  /** The keys `config`'s Secret must hold for this database (see {@link PostgresSecretKeys}). */
  public readonly secretKeys: PostgresSecretKeys;

  constructor(scope: Construct, id: string, props: PostgresDatabaseProps = {}) {
    super(scope, id);
    const f = (prop: string) => fieldOf(this, prop);
    checkUniqueObjects(this);
    this.namespace = namespaceFor(this, f('namespace'), props.namespace);
    const name = this.name = this.serviceName = validateDnsLabel(f('name'), props.name ?? 'postgres', 52);
    this.headlessServiceName = `${name}-headless`;
    const image = this.image = validateImage(f('image'), props.image ?? DEFAULT_POSTGRES_IMAGE);
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

    const requiredKeys = this.secretKeys = postgresSecretKeys(props);
    if (props.config !== undefined) {
      for (const prop of ['databaseName', 'user'] as const) {
        if (props[prop] !== undefined) {
          throw new ValidationError(f(prop), props[prop], `Conflicts with config: the database reads ${prop === 'user' ? 'its user' : 'its name'} from config's settings; set it there, or leave config out.`);
        }
      }
    }
    // Its own config is named after the database when it has a name, so two databases of a
    // namespace get two (without a name, today's 'app-config' and 'app-credentials').
    const config = this.config = props.config ?? new AppConfig(this, 'Config', {
      namespace: this.namespace,
      name: props.name === undefined ? undefined : name,
      settings: { [DEFAULT_USER_KEY]: props.user ?? 'app', [DEFAULT_DATABASE_KEY]: props.databaseName ?? 'app' },
      existingSecretKeys: requiredKeys.length > 1 ? [...requiredKeys] : undefined,
    });
    if (config.namespace !== this.namespace) {
      throw new ValidationError(f('config'), config.namespace, `Must be in the same namespace as the database ("${this.namespace}"): env references cannot cross namespaces.`);
    }
    const userKey = this.userKey = props.userKey ?? DEFAULT_USER_KEY;
    const databaseKey = this.databaseKey = props.databaseKey ?? DEFAULT_DATABASE_KEY;
    const passwordKey = this.passwordKey = props.passwordKey ?? DEFAULT_PASSWORD_KEY;
    const appUser = validatePostgresIdentifier(f(`config setting ${userKey}`), config.setting(userKey), 'role');
    validatePostgresIdentifier(f(`config setting ${databaseKey}`), config.setting(databaseKey), 'database');
    const replicas = this.replicas = validateInteger(f('replicas'), props.replicas ?? 1, 1, MAX_POSTGRES_REPLICAS);
    const tlsSecretName = this.tlsSecretName = this.validateTls(props);
    this.connection = {
      host: serviceHost(name, this.namespace),
      port: this.port,
      databaseName: config.setting(databaseKey),
      user: appUser,
      sslMode: tlsSecretName === undefined ? 'disable' : 'verify-full',
      readHost: replicas > 1 ? serviceHost(`${name}-read`, this.namespace) : undefined,
      passwordSecret: { namespace: this.namespace, name: config.secretName, key: passwordKey },
    };
    this.checkConnectionSettings(config);
    const tlsVolume: k8s.Volume[] = tlsSecretName === undefined ? [] : [
      // A Secret volume's files are owned by root with group fsGroup (999): postgres accepts
      // a root-owned key that is group-readable (0640), never one that others can read.
      { name: 'tls', secret: { secretName: tlsSecretName, defaultMode: 0o640 } },
    ];
    const tlsMount: k8s.VolumeMount[] = tlsSecretName === undefined ? [] : [{ name: 'tls', mountPath: TLS_DIR, readOnly: true }];

    const servicePorts = [{ name: 'postgresql', port: this.port, targetPort: k8s.IntOrString.fromString('postgresql'), protocol: 'TCP' }];
    this.headlessService = new k8s.KubeService(this, 'HeadlessService', {
      metadata: { name: this.headlessServiceName, namespace: this.namespace, labels },
      // Publish each pod's DNS record before it is ready, so members find each other during start-up.
      spec: { clusterIp: 'None', publishNotReadyAddresses: true, selector: this.selector, ports: servicePorts },
    });
    // With Patroni no selector: the leader writes the Service's Endpoints itself (postgres-patroni.ts).
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name: this.serviceName, namespace: this.namespace, labels },
      spec: { type: 'ClusterIP', ...(replicas > 1 ? {} : { selector: this.selector }), ports: servicePorts },
    });
    // Its own identity, so RBAC for the web tier never applies here. Only Patroni's pods
    // mount its token (their pod spec says so); the account itself mounts none.
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name, namespace: this.namespace, labels },
      automountServiceAccountToken: false,
    });

    // Only the settings postgres reads: an app-only change (log level, title) must not
    // restart the database under the web tier.
    let pod: PostgresPodOptions;
    let secretKeys = [passwordKey];
    if (replicas > 1) {
      const readServiceName = this.readServiceName = `${name}-read`;
      const ha = validatePatroniSettings(props, (prop) => fieldOf(this, prop), appUser, this.userKey);
      this.patroni = new PatroniMembers(this, 'Patroni', {
        namespace: this.namespace, name, headlessServiceName: this.headlessServiceName, readServiceName, replicas, port: this.port, labels,
        selector: this.selector, serviceAccountName: name, config, userKey, databaseKey, passwordKey, ...ha,
        tlsDir: tlsSecretName === undefined ? undefined : TLS_DIR,
      });
      this.scriptsConfigMap = this.patroni.scriptsConfigMap;
      const parts = this.patroni.pod;
      secretKeys = [passwordKey, ...parts.secretKeys];
      pod = {
        ...parts, labels: { ...labels, ...parts.labels }, annotations: parts.annotations, serviceAccountName: name, apiToken: true, image,
        port: this.port, patroniPort: true, resources,
        volumeMounts: [...parts.volumeMounts, ...tlsMount], volumes: [...parts.volumes, ...tlsVolume],
      };
    } else {
      // With TLS, the scripts that require it (the image itself stays as it is).
      const scripts = tlsSecretName === undefined ? undefined : singleInstanceScripts();
      if (scripts !== undefined) {
        this.scriptsConfigMap = new k8s.KubeConfigMap(this, 'Scripts', { metadata: { name: `${name}-scripts`, namespace: this.namespace, labels }, data: scripts });
      }
      pod = singleInstancePod(props, (prop) => fieldOf(this, prop), {
        name, port: this.port, labels, image, resources, config, userKey, databaseKey, passwordKey, tlsMount, tlsVolume, scripts,
      });
    }
    pod = { ...pod, annotations: { [CONFIG_HASH_ANNOTATION]: config.hashOf([userKey, databaseKey], secretKeys), ...pod.annotations } };

    this.statefulSet = new k8s.KubeStatefulSet(this, 'StatefulSet', {
      // Declares the password Secret when it is created out of band (on the StatefulSet, so it rolls no pod).
      metadata: compact({
        name, namespace: this.namespace, labels,
        annotations: replicas > 1 ? { ...config.workloadAnnotations(), [`${SKIP_ANNOTATION_PREFIX}automount-service-account-token`]: API_TOKEN_REASON } : config.workloadAnnotations(),
      }),
      spec: {
        replicas,
        serviceName: this.headlessServiceName,
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate' },
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.selector },
        persistentVolumeClaimRetentionPolicy: { whenDeleted, whenScaled },
        template: postgresPodTemplate(pod),
        volumeClaimTemplates: [{
          // Immutable: only labels that stay the same across releases (no version).
          metadata: { name: 'data', labels: claimTemplateLabels(identity) },
          spec: compact({ accessModes: [accessMode], storageClassName: props.storageClassName, resources: { requests: { storage: k8s.Quantity.fromString(storage) } } }),
        }],
      },
    });
    if (tlsSecretName !== undefined) declareExternalSecret(this.statefulSet, tlsSecretName);

    // One pod at a time: a single instance cannot stay up through a drain (a budget of 1
    // lets the drain proceed, with downtime, instead of blocking forever); Patroni's members
    // lose at most one, whose leadership moves. A crash-looping pod never blocks a drain.
    this.podDisruptionBudget = new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
      metadata: { name, namespace: this.namespace, labels },
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: this.selector }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    });
  }

  /**
   * A config that holds the app's connection settings too (one ConfigMap for the app and
   * its database) must name this database: a stale DB_HOST or DB_PORT fails synth here
   * rather than the app at run time.
   */
  private checkConnectionSettings(config: AppConfig): void {
    const expected: Record<string, string | undefined> = {
      [CONNECTION_SETTING_KEYS.host]: this.connection.host,
      [CONNECTION_SETTING_KEYS.port]: String(this.connection.port),
      [CONNECTION_SETTING_KEYS.readHost]: this.connection.readHost,
    };
    for (const [key, value] of Object.entries(expected)) {
      const given = config.settings[key];
      if (given === undefined || given === value) continue;
      throw new ValidationError(`${config.node.path}: settings.${key}`, given,
        value === undefined
          ? `Names no Service of the database "${this.name}" (it has no read replicas): remove it.`
          : `Must be "${value}", where the database "${this.name}" is: better, give AppConfig \`database: db.connection\` instead of writing DB_ settings by hand.`);
    }
  }

  private validateTls(props: PostgresDatabaseProps): string | undefined {
    const f = (prop: string) => fieldOf(this, prop);
    if (props.tls === undefined) return undefined;
    if (typeof props.tls !== 'object' || props.tls === null || props.tls.secretName === undefined || props.tls.secretName === '') {
      throw new ValidationError(f('tls.secretName'), props.tls?.secretName,
        'Required with tls: a kubernetes.io/tls Secret in the namespace holding tls.crt, tls.key and ca.crt (e.g. "postgres-tls").');
    }
    const unknown = Object.keys(props.tls).filter((k) => k !== 'secretName');
    const [first] = unknown;
    if (first !== undefined) throw new ValidationError(f(`tls.${first}`), (props.tls as unknown as Record<string, unknown>)[first], 'Unknown setting: tls takes only secretName.');
    return validateDnsSubdomain(f('tls.secretName'), props.tls.secretName);
  }
}
