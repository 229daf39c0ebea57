/**
 * A database that lives outside the cluster, reached through an `ExternalName`
 * Service: the cluster DNS answers the Service name with a CNAME to the external
 * host, so applications keep connecting to the same in-cluster name whether the
 * database runs in the cluster or not.
 */
import { compact } from './compact';
import * as k8s from './k8s';
import { Construct } from 'constructs';
import { IDatabaseConnection, SslMode } from './database-connection';
import { validateLabels } from './labels';
import {
  DNS1123_SUBDOMAIN, LabelledProps, ValidationError, fieldOf, ipFamily, namespaceFor, validateDnsLabel, validateOneOf, validatePort, validatePostgresIdentifier,
} from './prop-checks';
import { DEFAULT_POSTGRES_PORT } from './postgres-image';
import { checkUniqueObjects } from './unique-objects';

/** Props of {@link ExternalDatabase}. */
export interface ExternalDatabaseProps extends LabelledProps {
  /**
   * DNS name of the external database server, e.g. `mydb.abc123.eu-west-1.rds.amazonaws.com`.
   * An IP address is refused: ExternalName Services only carry DNS names.
   */
  readonly host: string;
  /**
   * Service name: what applications use as their database host.
   * @default 'postgres'
   */
  readonly name?: string | undefined;
  /**
   * Port of the external server. ExternalName does no port mapping: clients connect to this port directly.
   * @default 5432
   */
  readonly port?: number | undefined;
  /**
   * Name of the database on the server, for `connection`.
   * @default 'app'
   */
  readonly databaseName?: string | undefined;
  /**
   * Role the application logs in as, for `connection`.
   * @default 'app'
   */
  readonly user?: string | undefined;
  /**
   * libpq sslmode of the application's connection, for `connection`.
   * @default 'require'
   */
  readonly sslMode?: SslMode | undefined;
}

/** An ExternalName Service standing in for a database outside the cluster. */
export class ExternalDatabase extends Construct {
  public readonly serviceName: string;
  public readonly host: string;
  public readonly port: number;
  /** The ExternalName Service. */
  public readonly service: k8s.KubeService;
  /**
   * How applications connect: to the server by its own name (`host`, without a trailing
   * dot), the name its certificate carries, so `verify-full` checks it (libpq and pgx check
   * the name they dialled, and an external server's certificate cannot name the in-cluster
   * alias); give it to AppConfig's `database`. The Service stays the alias for other clients.
   */
  public readonly connection: IDatabaseConnection;

  constructor(scope: Construct, id: string, props: ExternalDatabaseProps) {
    super(scope, id);
    const f = (prop: string) => fieldOf(this, prop);
    checkUniqueObjects(this);
    this.host = validateExternalName(f('host'), props?.host);
    const namespace = namespaceFor(this, f('namespace'), props.namespace);
    this.serviceName = validateDnsLabel(f('name'), props.name ?? 'postgres');
    this.port = validatePort(f('port'), props.port ?? DEFAULT_POSTGRES_PORT);
    this.connection = {
      host: this.host.replace(/\.$/, ''),
      port: this.port,
      databaseName: validatePostgresIdentifier(f('databaseName'), props.databaseName ?? 'app', 'database'),
      user: validatePostgresIdentifier(f('user'), props.user ?? 'app', 'role'),
      sslMode: validateOneOf(f('sslMode'), props.sslMode ?? 'require', ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const),
    };

    this.service = new k8s.KubeService(this, 'Resource', {
      metadata: compact({ name: this.serviceName, namespace, labels: validateLabels(f('labels'), props.labels) }),
      spec: {
        type: 'ExternalName',
        externalName: this.host,
        ports: [{ name: 'postgresql', port: this.port, protocol: 'TCP' }],
      },
    });
  }
}

/**
 * The host of an ExternalName Service as the API server checks it (ValidateService in
 * k8s.io/kubernetes/pkg/apis/core/validation): one trailing dot is allowed (a fully
 * qualified name, `db.example.com.`), the rest must be a DNS-1123 subdomain of at most
 * 253 characters. An IP address is refused too: it is not a name a CNAME can point to.
 */
export function validateExternalName(field: string, value: string): string {
  const bare = typeof value === 'string' && value.endsWith('.') ? value.slice(0, -1) : value;
  if (typeof bare === 'string' && ipFamily(bare) !== 0) {
    throw new ValidationError(field, value,
      'Must be a DNS name: an ExternalName Service cannot point at an IP address. Give the server a DNS name, or use a selector-less Service with an EndpointSlice.');
  }
  if (typeof bare !== 'string' || bare.length === 0 || bare.length > 253 || !DNS1123_SUBDOMAIN.test(bare)) {
    throw new ValidationError(field, value,
      `Must be a DNS name for an ExternalName Service: at most 253 lowercase letters, digits, '-' or '.' (plus one optional trailing '.'), each dot-separated part starting and ending with a letter or digit (e.g. "db.example.com" or "db.example.com.")${typeof bare === 'string' && bare.length > 253 ? `; it has ${bare.length} characters` : ''}.`);
  }
  return value;
}
