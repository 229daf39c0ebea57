/**
 * The reference architecture as one Chart: a restricted Namespace, the guestbook web
 * tier behind a Service and a front door (an Ingress, a Gateway API HTTPRoute, or both:
 * lib/front-door.ts), its configuration as a ConfigMap and a Secret,
 * PostgreSQL as a StatefulSet (or an external database behind an ExternalName
 * Service), NetworkPolicies and PodDisruptionBudgets.
 *
 * This file only wires the constructs of this folder together; each of them validates
 * its own props. The settings' types (objects, booleans, enums, lists, known keys) are not
 * checked again here: every entry point checks them against config/settings.schema.json
 * (generated from these interfaces) before any construct runs, and TypeScript checks them
 * for code that builds the props itself. What is checked here is what a type cannot say:
 * formats, ranges, and settings that conflict or only apply in another mode, named as the
 * user wrote them (`dev: database.externalHost`).
 *
 * Longer than the ~300 lines a file of this folder aims at, on purpose: the `*Settings`
 * interfaces here are the one source of config/settings.schema.json and the settings table
 * (scripts/settings-schema.ts reads them from this file, with their `@default`s), so they
 * stay beside the wiring that gives each setting its meaning.
 */
import { Chart, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { AppConfig, DEFAULT_PASSWORD_KEY } from './app-config';
import { IDatabaseConnection, connectionSettings, serviceHost } from './database-connection';
import { ExternalDatabase, validateExternalName } from './external-database';
import { declareExternalSecret } from './external-secrets';
import { recommendedLabels, validateLabels, versionFromImage } from './labels';
import { RestrictedNamespace } from './namespace';
import { FrontDoor, GatewaySettings, IngressSettings, renderFrontDoor } from './front-door';
import { FrontDoorSource } from './front-door-controller';
import {
  AllowedConnection, DEFAULT_DNS_NAMESPACE, DEFAULT_DNS_POD_LABELS, NetworkPolicies, Peer,
} from './network-policies';
import { PostgresBackup, PostgresBackupProps } from './postgres-backup';
import {
  DEFAULT_REPLICATION_PASSWORD_KEY, DEFAULT_SUPERUSER_PASSWORD_KEY, MAX_POSTGRES_REPLICAS, PostgresDatabase, PostgresDatabaseProps,
} from './postgres-database';
import { KubernetesApiAccess } from './postgres-patroni-config';
import { validatePassword } from './passwords';
import { DEFAULT_POSTGRES_IMAGE, DEFAULT_POSTGRES_PORT } from './postgres-image';
import {
  ValidationError, validateCidr, validateDnsLabel, validateDnsSubdomain, validateImage, validateInteger, validateOwnNamespace,
  validatePostgresIdentifier, validateProductionImage,
} from './prop-checks';
import { WebGateway } from './web-gateway';
import { WebHttpRoute } from './web-http-route';
import { WebIngress } from './web-ingress';
import { DEFAULT_WEB_IMAGE, WebTier, WebTierProps } from './web-tier';

/**
 * Settings of the web tier: the {@link WebTierProps} an environment may set (same
 * meaning and defaults), plus the app settings that go into the ConfigMap.
 */
export interface WebSettings extends Pick<WebTierProps,
'image' | 'replicas' | 'autoscaling' | 'containerPort' | 'servicePort' | 'serviceType' | 'nodePort' | 'resources' | 'maxUnavailable'> {
  /** LOG_LEVEL of the app. @default 'info' */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error' | undefined;
  /** APP_TITLE of the app. @default 'Guestbook' */
  readonly title?: string | undefined;
}

export type { ExistingGatewaySettings, GatewaySettings, IngressSettings } from './front-door';

/**
 * Settings of the database. In-cluster mode takes the {@link PostgresDatabaseProps}
 * listed here (same meaning and defaults); external mode takes `externalHost`.
 */
export interface DatabaseSettings extends Pick<PostgresDatabaseProps,
'image' | 'port' | 'storage' | 'storageClassName' | 'accessMode' | 'retainOnDelete' | 'retainOnScaleDown' | 'resources'
| 'replicas' | 'replicationUser' | 'tls' | 'synchronousReplication' | 'failover'> {
  /**
   * With `replicas` above 1: where Patroni reaches the Kubernetes API server (its egress policy).
   * @default - kind's: the `kind` Docker network on port 6443 (172.18.0.0/16, Docker's usual pick, and 198.19.100.0/24, cluster/kind's); required with `production`
   */
  readonly kubernetesApi?: KubernetesApiAccess | undefined;
  /**
   * Scheduled pg_dump backups and the restore job ({@link PostgresBackup}); in-cluster only.
   * @default - no backups
   */
  readonly backup?: BackupSettings | undefined;
  /** `in-cluster` runs PostgreSQL as a StatefulSet; `external` points at `externalHost`. @default 'in-cluster' */
  readonly mode?: 'in-cluster' | 'external' | undefined;
  /** Database name (DB_NAME, POSTGRES_DB). @default 'guestbook' */
  readonly name?: string | undefined;
  /** Database user (DB_USER, POSTGRES_USER). @default 'guestbook' */
  readonly user?: string | undefined;
  /**
   * DB_SSLMODE of the app.
   * @default 'disable' in-cluster without TLS, 'verify-full' in-cluster with TLS and external with `externalCaSecretName`, 'require' external without it
   */
  readonly sslMode?: 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full' | undefined;
  /**
   * External only, required there: DNS name of the server. The app connects by this name
   * (DB_HOST), the name the server's certificate carries, so `verify-full` checks it; the
   * ExternalName Service `postgres` aliases it for other in-cluster clients.
   * @default - none (required with mode `external`)
   */
  readonly externalHost?: string | undefined;
  /**
   * External only: a Secret in the namespace with key `ca.crt`, the CA that signed the
   * external server's certificate. Mounted read-only in the web pods (DB_SSLROOTCERT);
   * `sslMode` then defaults to `verify-full`. Not rendered here: create it out of band.
   * @default - no CA mounted (a `verify-*` mode then trusts the image's system CAs)
   */
  readonly externalCaSecretName?: string | undefined;
  /** External only: CIDRs the web pods may reach on `port`. @default - any address */
  readonly externalCidrs?: string[] | undefined;
}

/** Settings of the backups: the {@link PostgresBackupProps} an environment may set. */
export interface BackupSettings extends Pick<PostgresBackupProps, 'schedule' | 'timeZone' | 'keep' | 'storage' | 'storageClassName' | 'resources'> {
  /** @default true */
  readonly enabled?: boolean | undefined;
}

/** The demo app (app/): names its objects, and its database and user unless the settings say otherwise. */
const APP_NAME = 'guestbook';

/**
 * The API server of a kind cluster as the pods see it after the Service IP is translated:
 * the control-plane container on Docker's network `kind`, port 6443.
 */
export const KIND_KUBERNETES_API: KubernetesApiAccess = { cidrs: ['172.18.0.0/16', '198.19.100.0/24'], port: 6443 };

/** Where the web pods find the CA of the database's TLS certificate. */
export const DB_CA_DIR = '/etc/refarch-db-ca';

/** Where the database password comes from. */
export interface CredentialsSettings {
  /** Name of the Secret with key `password`. @default 'guestbook-db-credentials' */
  readonly secretName?: string | undefined;
  /**
   * Render the Secret with this password (development only: it lands in dist/).
   * Without it the Secret must be created with `kubectl create secret generic`.
   * @default - not rendered
   */
  readonly password?: string | undefined;
  /**
   * With `password` and `database.replicas` above 1: the replication role's password,
   * rendered as key `replication-password` (development only). An out-of-band Secret
   * needs that key instead.
   * @default - not rendered
   */
  readonly replicationPassword?: string | undefined;
  /**
   * With `password` and `database.replicas` above 1: the password of Patroni's superuser
   * `postgres`, rendered as key `superuser-password` (development only). An out-of-band
   * Secret needs that key instead.
   * @default - not rendered
   */
  readonly superuserPassword?: string | undefined;
}

/** Who may talk to the pods, beyond web -> database (see {@link NetworkPolicies}). */
export interface NetworkPolicySettings {
  /**
   * Namespace of the controller serving the Ingress: its pods may open the web port, in place
   * of the `ingress.controller` preset's source. Only with `web.serviceType: 'ClusterIP'`; a
   * NodePort or LoadBalancer Service receives traffic from the nodes, so the web port is then
   * open to any source.
   * @default - the namespace and pod labels of the ingress.controller preset (for Traefik: namespace traefik, pods app.kubernetes.io/name=traefik)
   */
  readonly ingressControllerNamespace?: string | undefined;
  /**
   * Every source that may open the web port, in place of the front-door controllers' presets:
   * `{ "namespace": ..., "podLabels": {...} }` for a proxy in the cluster, `{ "cidrs": [...] }`
   * for one outside it (cloud-provider-kind's Envoy on kind's docker network). Only with
   * `web.serviceType: 'ClusterIP'`.
   * @default - the proxies of ingress.controller and gateway.controller, for the front doors enabled
   */
  readonly webFrom?: FrontDoorSource[] | undefined;
  /** Namespace of the cluster DNS pods. @default 'kube-system' */
  readonly dnsNamespace?: string | undefined;
  /** Labels of the cluster DNS pods. @default { 'k8s-app': 'kube-dns' } */
  readonly dnsPodLabels?: Record<string, string> | undefined;
  /**
   * Allow DNS (port 53) to any address instead of the DNS pods, for a resolver that is
   * not a pod (NodeLocal DNSCache, a host process).
   * @default false
   */
  readonly dnsToAnyAddress?: boolean | undefined;
}

/** Props of {@link ReferenceArchitecture}: one environment. */
export interface ReferenceArchitectureProps {
  /** Namespace of everything. @default 'refarch' */
  readonly namespace?: string | undefined;
  /** APP_ENV of the app and the `instance` label suffix. @default the chart id */
  readonly environment?: string | undefined;
  /** `app.kubernetes.io/part-of` label, and the prefix of the `instance` label. @default 'refarch' */
  readonly partOf?: string | undefined;
  /** @default - defaults of WebSettings */
  readonly web?: WebSettings | undefined;
  /** @default - defaults of IngressSettings */
  readonly ingress?: IngressSettings | undefined;
  /** @default - defaults of GatewaySettings (no Gateway API front door) */
  readonly gateway?: GatewaySettings | undefined;
  /** @default - defaults of DatabaseSettings */
  readonly database?: DatabaseSettings | undefined;
  /** @default - out-of-band Secret 'guestbook-db-credentials' */
  readonly credentials?: CredentialsSettings | undefined;
  /** @default - defaults of NetworkPolicySettings */
  readonly networkPolicies?: NetworkPolicySettings | undefined;
  /**
   * Marks a production environment, which refuses what is fine on a laptop: a rendered
   * password (`credentials.password`), and images without a registry host or a digest.
   * @default false
   */
  readonly production?: boolean | undefined;
}

/** One environment of the reference architecture, synthesized to `<id>.k8s.yaml`. */
export class ReferenceArchitecture extends Chart {
  public readonly restrictedNamespace: RestrictedNamespace;
  public readonly config: AppConfig;
  public readonly web: WebTier;
  /** Undefined with `ingress.enabled: false`. */
  public readonly ingress?: WebIngress | undefined;
  /** The Gateway of the environment's own; undefined without `gateway.enabled` or with `gateway.existingGateway`. */
  public readonly gateway?: WebGateway | undefined;
  /** The HTTPRoute (and its HTTPS redirect); undefined without `gateway.enabled`. */
  public readonly httpRoute?: WebHttpRoute | undefined;
  /** A PostgresDatabase in-cluster, an ExternalDatabase with `database.mode: external`. */
  public readonly database: PostgresDatabase | ExternalDatabase;
  /** Undefined without `database.backup` (or with an external database). */
  public readonly backup?: PostgresBackup | undefined;
  /**
   * Default-deny, DNS, the web port from the ingress controller and web -> database. The
   * data tier's own connections (replication, backups) are in `database.standbys` and
   * `backup`.
   */
  public readonly networkPolicies: NetworkPolicies;
  /** The policies of each connection `networkPolicies` allows (`allow-web-ingress`, `allow-web-to-database-{egress,ingress}`). */
  public readonly connections: { readonly webIngress: AllowedConnection; readonly webToDatabase: AllowedConnection };

  constructor(scope: Construct, id: string, props: ReferenceArchitectureProps = {}) {
    super(scope, id, { disableResourceNameHashes: true });
    const web = props.web ?? {};
    const db = props.database ?? {};
    const ingress = props.ingress ?? {};
    // Each setting key is named once, in its Settings interface; the rest of a section is
    // handed to its construct as props (same names, same meaning, same defaults).
    const { logLevel, title: webTitle, ...webTierSettings } = web;
    const {
      mode: dbMode, name: dbNameSetting, user: dbUserSetting, sslMode: sslModeSetting, externalHost, externalCidrs, externalCaSecretName, backup: backupSettings, kubernetesApi, ...postgresSettings
    } = db;
    const environment = props.environment ?? id;
    const partOf = props.partOf ?? 'refarch';
    const namespace = validateOwnNamespace(`${id}: namespace`, props.namespace ?? 'refarch');
    validateDnsLabel(`${id}: partOf`, partOf);
    validateDnsLabel(`${id}: environment`, environment);
    const instance = `${partOf}-${environment}`;
    if (instance.length > 63) {
      throw new ValidationError(`${id}: partOf + environment`, instance,
        `Together at most 62 characters (${partOf.length} + ${environment.length} given): the instance label "<partOf>-<environment>" is at most 63.`);
    }
    const mode = dbMode ?? 'in-cluster';
    // The port is the one PostgresDatabase setting that also applies to an external database.
    const { port: _port, ...inClusterOnly } = { ...postgresSettings, backup: backupSettings, kubernetesApi };
    checkModeSpecificSettings(id, mode, mode === 'external' ? inClusterOnly : { externalHost, externalCidrs, externalCaSecretName }, externalHost, externalCidrs);
    if (externalCaSecretName !== undefined) validateDnsSubdomain(`${id}: database.externalCaSecretName`, externalCaSecretName);
    const tls = mode === 'in-cluster' && db.tls !== undefined;
    // The Secret whose ca.crt verifies the server: the in-cluster TLS Secret, or the external server's CA.
    const caSecretName = tls ? db.tls!.secretName : externalCaSecretName;
    // In-cluster without TLS the traffic is plain text (dev): say so rather than pretend.
    const sslMode = sslModeSetting ?? (caSecretName !== undefined ? 'verify-full' : mode === 'external' ? 'require' : 'disable');
    const dbName = validatePostgresIdentifier(`${id}: database.name`, dbNameSetting ?? APP_NAME, 'database');
    const dbUser = validatePostgresIdentifier(`${id}: database.user`, dbUserSetting ?? APP_NAME, 'role');
    if (props.credentials?.secretName !== undefined) validateDnsSubdomain(`${id}: credentials.secretName`, props.credentials.secretName);
    if (props.credentials?.password !== undefined) validatePassword(`${id}: credentials.password`, props.credentials.password);

    const webImage = web.image ?? DEFAULT_WEB_IMAGE;
    // Checked here, before the labels derived from them, so an error names the setting as written.
    validateImage(`${id}: web.image`, webImage);
    if (mode === 'in-cluster' && db.image !== undefined) validateImage(`${id}: database.image`, db.image);
    checkProduction(id, props, webImage, mode);
    const title = webTitle ?? 'Guestbook';
    const appVersion = versionFromImage(webImage);
    const shared = (component: string) => recommendedLabels({ name: partOf, instance, version: appVersion, component, partOf });
    const dbPort = db.port ?? DEFAULT_POSTGRES_PORT;
    const dbServiceName = 'postgres';
    // The count first: a bad one must be reported as such, not as a missing replication password.
    if (mode === 'in-cluster' && db.replicas !== undefined) validateInteger(`${id}: database.replicas`, db.replicas, 1, MAX_POSTGRES_REPLICAS);
    const replicated = mode === 'in-cluster' && typeof db.replicas === 'number' && db.replicas > 1;
    const secretData = renderedSecretData(id, props.credentials, replicated);

    this.restrictedNamespace = new RestrictedNamespace(this, 'Namespace', { name: namespace, labels: shared('namespace') });

    // The app's connection settings, by type: the ExternalDatabase's own connection, or where
    // the PostgresDatabase made below will be (which it checks: the config is shared with it,
    // since it reads its user and database name from there).
    const external = mode === 'external' ? new ExternalDatabase(this, 'Database', {
      namespace, name: dbServiceName, host: externalHost!, port: dbPort, labels: shared('database'), databaseName: dbName, user: dbUser, sslMode,
    }) : undefined;
    const connection: IDatabaseConnection = external?.connection ?? {
      // In-cluster: the client Service (external: the server's own name, the ExternalDatabase's).
      host: serviceHost(dbServiceName, namespace), port: dbPort, databaseName: dbName, user: dbUser, sslMode,
      // With replicas, the Service of the streaming replicas: the app reads there while the primary is away.
      readHost: replicated ? serviceHost(`${dbServiceName}-read`, namespace) : undefined,
    };

    const config = this.config = new AppConfig(this, 'Config', {
      namespace,
      configMapName: `${APP_NAME}-config`,
      labels: shared('config'),
      settings: {
        ...connectionSettings(connection),
        ...(caSecretName !== undefined ? { DB_SSLROOTCERT: `${DB_CA_DIR}/ca.crt` } : {}),
        LOG_LEVEL: logLevel ?? 'info',
        APP_TITLE: title,
        APP_ENV: environment,
      },
      secretName: props.credentials?.secretName ?? `${APP_NAME}-db-credentials`,
      secretStringData: secretData,
      existingSecretKeys: secretData === undefined && replicated ? [DEFAULT_PASSWORD_KEY, DEFAULT_REPLICATION_PASSWORD_KEY, DEFAULT_SUPERUSER_PASSWORD_KEY] : undefined,
    });

    const webTier = this.web = new WebTier(this, 'Web', {
      ...webTierSettings,
      namespace,
      name: APP_NAME,
      image: webImage,
      identity: { name: APP_NAME, instance, partOf, version: appVersion },
      config,
      // A file, not DB_PASSWORD: the value stays out of the pod's environment.
      secretFiles: { DB_PASSWORD_FILE: DEFAULT_PASSWORD_KEY },
    });
    if (caSecretName !== undefined) {
      // The CA only (never the key), for DB_SSLROOTCERT. A patch rather than a WebTier
      // prop, so WebTier stays about the web tier.
      webTier.deployment.addJsonPatch(
        JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: 'db-ca', mountPath: DB_CA_DIR, readOnly: true }),
        JsonPatch.add('/spec/template/spec/volumes/-', { name: 'db-ca', secret: { secretName: caSecretName, items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o440 } }),
      );
      declareExternalSecret(webTier.deployment, caSecretName);
    }

    const frontDoor: FrontDoor = renderFrontDoor(this, {
      id, namespace, name: APP_NAME, labels: shared('web'), web: webTier, serviceType: web.serviceType ?? 'ClusterIP',
      ingress, gateway: props.gateway ?? {}, webFrom: props.networkPolicies?.webFrom, ingressControllerNamespace: props.networkPolicies?.ingressControllerNamespace,
    });
    this.ingress = frontDoor.ingress;
    this.gateway = frontDoor.gateway;
    this.httpRoute = frontDoor.httpRoute;

    const peers = networkPolicyPeers(id, props.networkPolicies ?? {}, frontDoor.webFrom);
    // Where the web pods may open database connections: the database pods, or the external addresses.
    let databasePeer: PostgresDatabase | Peer;
    if (mode === 'in-cluster') {
      const postgres = new PostgresDatabase(this, 'Database', {
        ...postgresSettings,
        namespace,
        name: dbServiceName,
        identity: { instance, partOf },
        port: dbPort,
        config,
        replicationPasswordKey: replicated ? DEFAULT_REPLICATION_PASSWORD_KEY : undefined,
        superuserPasswordKey: replicated ? DEFAULT_SUPERUSER_PASSWORD_KEY : undefined,
        // kind's API server unless told otherwise; a production environment must say where its own is.
        kubernetesApi: replicated ? kubernetesApi ?? (props.production ? undefined : KIND_KUBERNETES_API) : kubernetesApi,
      });
      this.database = databasePeer = postgres;
      const { enabled: backupEnabled, ...backupProps } = backupSettings ?? { enabled: false };
      if (backupEnabled ?? true) {
        this.backup = new PostgresBackup(this, 'Backup', {
          ...backupProps,
          namespace,
          name: 'postgres-backup',
          identity: { instance, partOf },
          database: postgres,
          dnsTo: peers.dnsTo,
        });
      } else if (Object.keys(backupProps).length > 0) {
        throw new ValidationError(`${id}: database.backup.enabled`, false, 'Conflicts with the other database.backup settings: enable backups or remove them.');
      }
    } else {
      this.database = external!;
      // Without CIDRs the web pods may open connections to any address on the database port.
      databasePeer = externalCidrs ? Peer.cidrs(externalCidrs) : Peer.anyAddress();
    }

    this.networkPolicies = new NetworkPolicies(this, 'NetworkPolicies', { namespace, dnsTo: peers.dnsTo, labels: shared('network-policy') });
    this.connections = {
      webIngress: this.networkPolicies.allow(peers.webIngressFrom, webTier, webTier.ports.http, { name: 'web' }),
      webToDatabase: this.networkPolicies.allow(webTier, databasePeer, { port: dbPort }, { name: 'web-to-database' }),
    };
  }
}

/** Where DNS queries may go, from the settings; who may reach the web port comes from the front door. */
function networkPolicyPeers(id: string, np: NetworkPolicySettings, webIngressFrom: Peer) {
  const field = (key: string) => `${id}: networkPolicies.${key}`;
  if (np.dnsToAnyAddress) {
    for (const key of ['dnsNamespace', 'dnsPodLabels'] as const) {
      if (np[key] !== undefined) throw new ValidationError(field(key), np[key], 'Conflicts with dnsToAnyAddress: true. Remove one of them.');
    }
    return { webIngressFrom, dnsTo: Peer.anyAddress() };
  }
  const dnsPodLabels = np.dnsPodLabels ?? { ...DEFAULT_DNS_POD_LABELS };
  if (Object.keys(dnsPodLabels).length === 0) {
    throw new ValidationError(field('dnsPodLabels'), dnsPodLabels, 'Must have at least one label, e.g. { "k8s-app": "kube-dns" } (an empty selector would match every pod of the namespace).');
  }
  validateLabels(field('dnsPodLabels'), dnsPodLabels);
  const dnsNamespace = validateDnsLabel(field('dnsNamespace'), np.dnsNamespace ?? DEFAULT_DNS_NAMESPACE);
  return { webIngressFrom, dnsTo: Peer.clusterDns(dnsNamespace, dnsPodLabels) };
}

/** What `production: true` refuses; see {@link ReferenceArchitectureProps.production}. */
function checkProduction(id: string, props: ReferenceArchitectureProps, webImage: string, mode: 'in-cluster' | 'external'): void {
  if (!(props.production ?? false)) return;
  if (props.credentials?.password !== undefined) {
    throw new ValidationError(`${id}: credentials.password`, '<redacted>',
      'Must not be set in a production environment: a rendered password ends up in the YAML and in git. Create the Secret out of band '
      + '(`kubectl create secret generic <credentials.secretName> --from-literal=password=...`, or an external secrets operator) and remove credentials.password.');
  }
  validateProductionImage(`${id}: web.image`, webImage);
  if (mode === 'in-cluster') validateProductionImage(`${id}: database.image`, props.database?.image ?? DEFAULT_POSTGRES_IMAGE);
}

/** Refuses settings that the chosen database mode would silently ignore (`otherMode`: the settings of the other mode). */
function checkModeSpecificSettings(id: string, mode: 'in-cluster' | 'external', otherMode: object, externalHost?: string, externalCidrs?: string[]): void {
  for (const [key, value] of Object.entries(otherMode)) {
    if (value !== undefined) {
      throw new ValidationError(`${id}: database.${key}`, value,
        `Only applies with database.mode "${mode === 'external' ? 'in-cluster' : 'external'}" (mode is "${mode}"). Remove it or change database.mode.`);
    }
  }
  if (mode === 'external' && externalHost === undefined) {
    throw new ValidationError(`${id}: database.externalHost`, undefined, 'Required with database.mode "external": the DNS name of the database server, e.g. "db.example.com".');
  }
  if (mode === 'external') {
    // Checked here too, so the error names the setting as written, not ExternalDatabase's `host`.
    validateExternalName(`${id}: database.externalHost`, externalHost!);
    if (externalCidrs?.length === 0) {
      // Peer.cidrs refuses it too, but would name its own argument instead of the setting.
      throw new ValidationError(`${id}: database.externalCidrs`, externalCidrs,
        'Must list at least one CIDR the web pods may reach the database at (an empty list would admit every address); leave the setting out for any address.');
    }
    externalCidrs?.forEach((cidr, i) => validateCidr(`${id}: database.externalCidrs[${i}]`, cidr));
  }
}

/** The Secret data to render (dev), with the replication and superuser passwords when Patroni needs them. */
function renderedSecretData(id: string, credentials: CredentialsSettings | undefined, replicated: boolean): Record<string, string> | undefined {
  const extra = [
    ['replicationPassword', DEFAULT_REPLICATION_PASSWORD_KEY, 'the replicas authenticate as the replication role with it'],
    ['superuserPassword', DEFAULT_SUPERUSER_PASSWORD_KEY, 'Patroni logs in as its superuser "postgres" with it'],
  ] as const;
  for (const [setting, key] of extra) {
    if (credentials?.[setting] !== undefined && !(replicated && credentials?.password !== undefined)) {
      throw new ValidationError(`${id}: credentials.${setting}`, '<redacted>',
        `Only applies with credentials.password (a rendered Secret) and database.replicas above 1. Remove it, or put key "${key}" into the out-of-band Secret.`);
    }
  }
  if (credentials?.password === undefined) return undefined;
  const data: Record<string, string> = { [DEFAULT_PASSWORD_KEY]: credentials.password };
  if (!replicated) return data;
  for (const [setting, key, why] of extra) {
    const value = credentials[setting];
    if (value === undefined || value === '') {
      throw new ValidationError(`${id}: credentials.${setting}`, value, `Required with credentials.password and database.replicas above 1: ${why}.`);
    }
    validatePassword(`${id}: credentials.${setting}`, value);
    data[key] = value;
  }
  return data;
}
