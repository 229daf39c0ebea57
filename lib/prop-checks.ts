/**
 * Input validation shared by the constructs in this folder.
 *
 * Every check throws a {@link ValidationError} that names the construct, the prop,
 * the bad value and what is allowed, so a failed `cdk8s synth` says exactly what
 * to fix. The patterns are the ones the Kubernetes API server itself applies
 * (k8s.io/apimachinery/pkg/util/validation and resource.Quantity), so anything that
 * passes here is accepted by the cluster.
 *
 * Copying a construct into another project? Copy this file with it.
 *
 * About 300 lines: a catalogue of short, independent validators that every construct
 * copies together; one file per validator would scatter what a copy needs.
 */
import { isIP } from 'net';
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ImageReference, parseImageReference, registryOf } from './image-reference';

/** An invalid construct prop or configuration value. */
export class ValidationError extends Error {
  constructor(
    /** Dotted path of the offending field, e.g. `dev/web: replicas`. */
    public readonly field: string,
    /** The value that was rejected. */
    public readonly value: unknown,
    /** What would have been accepted. */
    public readonly allowed: string,
  ) {
    super(`Invalid ${field}: ${describe(value)}. ${allowed}`);
    this.name = 'ValidationError';
  }
}

function describe(value: unknown): string {
  if (value === undefined) return '(not set)'; // a required setting left out: there is no value to show
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  // Characters a terminal or a log would not show as themselves, escaped as in JSON.
  return text.replace(/[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Props every construct of this folder shares: where its objects go. */
export interface NamespacedProps {
  /**
   * Namespace of every object.
   * @default - the Chart's namespace, else 'default'
   */
  readonly namespace?: string | undefined;
}

/** Props of a construct whose objects carry the labels given to it. */
export interface LabelledProps extends NamespacedProps {
  /**
   * Labels of every object.
   * @default - none
   */
  readonly labels?: Record<string, string> | undefined;
}

/**
 * Names the field being checked as `<construct path>: <prop>`, so errors point at
 * both the construct (and therefore the environment) and the prop.
 */
export function fieldOf(scope: Construct, prop: string): string {
  return `${scope.node.path}: ${prop}`;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A DNS-1123 subdomain (IsDNS1123Subdomain's pattern; the length limit of 253 is checked apart). */
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// resource.Quantity: a signed decimal number with an optional binary, decimal or exponent suffix.
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A DNS-1123 label: Namespace, Service and most object names. */
export function validateDnsLabel(field: string, value: string, maxLength = 63): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength || !DNS1123_LABEL.test(value)) {
    throw new ValidationError(field, value,
      `Must be a DNS-1123 label: 1-${maxLength} lowercase letters, digits or '-', starting and ending with a letter or digit (e.g. "my-app").`);
  }
  return value;
}

/** A DNS-1123 subdomain: ConfigMap/Secret names, external hostnames. */
export function validateDnsSubdomain(field: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 253 || !DNS1123_SUBDOMAIN.test(value)) {
    throw new ValidationError(field, value,
      `Must be a DNS-1123 subdomain: at most 253 lowercase letters, digits, '-' or '.', each dot-separated part starting and ending with a letter or digit (e.g. "db.example.com")${typeof value === 'string' && value.length > 253 ? `; it has ${value.length} characters` : ''}.`);
  }
  return value;
}

/**
 * `net.isIP(value)`, asked only of a string that could be an address: an IPv4 address is
 * digits and dots, an IPv6 address has a ':'. Same answers (test/prop-checks.test.ts
 * compares the two); the filter spares host names the first IPv6 test, which compiles a
 * large regular expression (about 4 ms of a synth).
 */
export function ipFamily(value: string): number {
  return /^[\d.]+$/.test(value) || value.includes(':') ? isIP(value) : 0;
}

/** An Ingress host: a DNS-1123 subdomain, optionally with a leading `*.` wildcard; never an IP address. */
export function validateHostname(field: string, value: string): string {
  const bare = typeof value === 'string' && value.startsWith('*.') ? value.slice(2) : value;
  // The API server refuses an IP as an Ingress host; `*.10.0.0.1` it would take, but it matches nothing.
  if (typeof bare === 'string' && (ipFamily(bare) !== 0 || ipFamily(bare.replace(/^\[(.*)\]$/, '$1')) !== 0)) {
    throw new ValidationError(field, value,
      'Must be a hostname, not an IP address (IPv4 or IPv6, with or without "*."): an Ingress rule matches the HTTP Host header by name. Use a DNS name that resolves to the address, e.g. "app.example.com".');
  }
  // IsDNS1123Subdomain / IsWildcardDNS1123Subdomain: 253 characters, the "*." included.
  if (typeof value === 'string' && value.length > 253) {
    throw new ValidationError(field, value, `Must be a hostname of at most 253 characters (the API server's limit for a DNS name, a leading "*." included); it has ${value.length}.`);
  }
  if (typeof bare !== 'string' || bare.length === 0 || !DNS1123_SUBDOMAIN.test(bare) || !bare.includes('.')) {
    throw new ValidationError(field, value,
      'Must be a fully qualified lowercase hostname of at most 253 characters such as "refarch.localtest.me" (a leading "*." wildcard is allowed; no scheme, port or path).');
  }
  return value;
}

/** An integer within [min, max]. */
export function validateInteger(field: string, value: number, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(field, value, `Must be an integer from ${min} to ${max}.`);
  }
  return value;
}

/** A TCP/UDP port number. */
export function validatePort(field: string, value: number): number {
  return validateInteger(field, value, 1, 65535);
}

/** A Kubernetes resource quantity such as `250m`, `1.5`, `512Mi` or `10Gi`. */
export function validateQuantity(field: string, value: string): string {
  if (typeof value !== 'string' || !QUANTITY.test(value) || value.startsWith('-')) {
    throw new ValidationError(field, value,
      'Must be a non-negative Kubernetes quantity such as "250m", "1", "512Mi" or "10Gi" (binary suffixes Ki/Mi/Gi/Ti, decimal k/M/G/T, or m for milli).');
  }
  return value;
}

/** The numeric value of a syntactically valid quantity (NaN otherwise), for comparisons only. */
export function quantityValue(quantity: string): number {
  const match = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))([eE][+-]?\d+|[a-zA-Z]*)$/.exec(quantity);
  if (!match) return NaN;
  const [number, suffix] = [match[1]!, match[2]!]; // both groups always take part
  if (/^[eE][+-]?\d/.test(suffix)) return Number(number + suffix);
  return Number(number) * (QUANTITY_SUFFIX[suffix] ?? NaN);
}

const QUANTITY_SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A quantity greater than zero, e.g. a volume size: the API server refuses a zero storage request. */
export function validatePositiveQuantity(field: string, value: string): string {
  validateQuantity(field, value);
  if (!(quantityValue(value) > 0)) {
    throw new ValidationError(field, value, 'Must be greater than zero, e.g. "1Gi" (a zero-sized volume claim is refused by the API server).');
  }
  return value;
}

/**
 * An image reference pinned to a version: `name:tag` or `name@sha256:...`, in the grammar
 * the kubelet reads (lib/image-reference.ts). A missing tag and `latest` are refused,
 * because they make a rollout depend on whatever the registry serves that day.
 */
export function validateImage(field: string, value: string): string {
  const pinned = 'Must be an image reference pinned to a tag or digest, such as "postgres:16.4-bookworm" or "registry.example.com/team/app@sha256:<64 lowercase hex>" (no ":latest", no missing tag; tags: up to 128 letters, digits, "_", "." or "-").';
  if (typeof value !== 'string') throw new ValidationError(field, value, pinned);
  const ref = parseImageReference(value);
  if (typeof ref === 'string') throw new ValidationError(field, value, `${pinned} Here ${ref}, which the kubelet refuses (InvalidImageName).`);
  if (ref.tag === undefined && ref.digest === undefined) throw new ValidationError(field, value, `${pinned} Here it has neither.`);
  if (ref.tag === 'latest' && ref.digest === undefined) throw new ValidationError(field, value, `${pinned} Here the tag is "latest", which moves.`);
  return value;
}

/** An environment variable name as Kubernetes accepts it. */
export function validateEnvVarName(field: string, value: string): string {
  if (typeof value !== 'string' || !ENV_VAR_NAME.test(value)) {
    throw new ValidationError(field, value, 'Must be an environment variable name: letters, digits, \'_\', \'-\' or \'.\', not starting with a digit.');
  }
  return value;
}

/** A label value: at most 63 characters, alphanumeric at both ends. */
export function validateLabelValue(field: string, value: string): string {
  if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
    throw new ValidationError(field, value, 'Must be a label value: at most 63 letters, digits, \'-\', \'_\' or \'.\', starting and ending with a letter or digit.');
  }
  return value;
}

/** One of a fixed set of strings. */
export function validateOneOf<T extends string>(field: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) {
    throw new ValidationError(field, value, `Must be one of: ${allowed.map((a) => JSON.stringify(a)).join(', ')}.`);
  }
  return value;
}

/** An HTTP path for an Ingress rule or probe: absolute, no spaces. */
export function validateHttpPath(field: string, value: string): string {
  if (typeof value !== 'string' || !value.startsWith('/') || /\s/.test(value)) {
    throw new ValidationError(field, value, 'Must be an absolute HTTP path starting with "/" and without spaces (e.g. "/" or "/api").');
  }
  return value;
}

// Lowercase only: PostgreSQL folds unquoted identifiers to lowercase, so `Guestbook` in one
// client and `guestbook` in another would name different objects. 63 bytes is NAMEDATALEN - 1.
const PG_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A PostgreSQL database or role name in the plain form every client spells the same way
 * (no case folding). A `role` must also not be a name PostgreSQL reserves
 * (lib/postgres-roles.ts: `pg_...`, `public`, `none`, `current_user`, ...); `postgres` is
 * allowed (the image's own superuser name).
 */
export function validatePostgresIdentifier(field: string, value: string, kind: 'database' | 'role'): string {
  const what = 'Must be a plain PostgreSQL identifier: 1-63 lowercase letters, digits or \'_\', starting with a letter or \'_\' (e.g. "guestbook")';
  if (typeof value !== 'string' || !PG_IDENTIFIER.test(value)) throw new ValidationError(field, value, `${what}.`);
  const reserved = kind === 'role' ? reservedRoleProblem(value) : undefined;
  if (reserved !== undefined) throw new ValidationError(field, value, `${what}, not a reserved name: ${reserved}.`);
  return value;
}

/**
 * Role names PostgreSQL refuses or reads as something else (besides the `pg_` prefix),
 * as checked on PostgreSQL 15 by test/data-scripts/roles.sh:
 * - names starting with `pg_`: CreateRole() in src/backend/commands/user.c (IsReservedName);
 * - `public` and `none`, quoted or not: the RoleSpec rule of src/backend/parser/gram.y;
 * - `current_user`, `session_user`, `current_role` unquoted: RoleId in gram.y ("cannot be
 *   used as a role name here"); quoted they would be created, but every unquoted use
 *   (`ALTER ROLE current_user ...`) would then mean the session's role. Refused too.
 */
export const RESERVED_ROLE_NAMES: readonly string[] = ['public', 'none', 'current_user', 'session_user', 'current_role'];

/** Why PostgreSQL refuses (or misreads) `name` as a role name, or undefined. */
export function reservedRoleProblem(name: string): string | undefined {
  if (name.startsWith('pg_')) return 'role names starting with "pg_" are reserved by PostgreSQL';
  if (RESERVED_ROLE_NAMES.includes(name)) {
    return `"${name}" is reserved by PostgreSQL (${RESERVED_ROLE_NAMES.map((n) => `"${n}"`).join(', ')} are: CREATE ROLE refuses them, or reads them as another role)`;
  }
  return undefined;
}

/** A CIDR such as `10.20.0.0/16` or `2001:db8::/32`: a real address and a prefix length that fits it. */
export function validateCidr(field: string, value: string): string {
  const [address, prefix, ...rest] = typeof value === 'string' ? value.split('/') : [];
  const family = ipFamily(address ?? '');
  if (family === 0 || rest.length > 0 || !/^\d{1,3}$/.test(prefix ?? '') || Number(prefix) > (family === 4 ? 32 : 128)) {
    throw new ValidationError(field, value, 'Must be a CIDR: an IPv4 or IPv6 address and a prefix length (0-32 or 0-128), e.g. "10.20.0.0/16" or "2001:db8::/32".');
  }
  return value;
}

/** libpq's sslmode values (https://www.postgresql.org/docs/current/libpq-ssl.html). */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

/**
 * A namespace that a construct may create and own. `default` and the `kube-` prefix
 * belong to the cluster: applying a Namespace object there would relabel (PodSecurity
 * levels) a namespace other workloads depend on, and deleting the manifest would try to
 * delete it.
 */
export function validateOwnNamespace(field: string, value: string): string {
  validateDnsLabel(field, value);
  if (value === 'default' || value.startsWith('kube-')) {
    throw new ValidationError(field, value,
      'Must not be a namespace the cluster owns ("default", "kube-system", "kube-public", "kube-node-lease", or any "kube-" name): pick your own, e.g. "refarch-dev".');
  }
  return value;
}

/**
 * The namespace a construct puts its objects in: the `namespace` prop, else the
 * namespace of the Chart it is in (the cdk8s convention), else `default`.
 */
export function namespaceFor(scope: Construct, field: string, given: string | undefined): string {
  let chartNamespace: string | undefined;
  try {
    chartNamespace = Chart.of(scope).namespace;
  } catch {
    // Not inside a Chart (e.g. a bare construct tree in a unit test): nothing to inherit.
  }
  return validateDnsLabel(field, given ?? chartNamespace ?? 'default');
}

/**
 * An image an environment marked `production` may run: from an explicit registry and
 * pinned by digest, so every node runs the same bytes whatever a tag is moved to later,
 * and nothing depends on a node's default registry.
 */
export function validateProductionImage(field: string, value: string): string {
  validateImage(field, value);
  const ref = parseImageReference(value) as ImageReference;
  const hasRegistry = registryOf(ref.name) !== undefined;
  const hasDigest = ref.digest !== undefined;
  if (!hasRegistry || !hasDigest) {
    throw new ValidationError(field, value,
      `Must name its registry host and be pinned by digest in a production environment (missing: ${[hasRegistry ? '' : 'registry host', hasDigest ? '' : 'digest'].filter(Boolean).join(' and ')}), e.g. "docker.io/library/postgres:17.11-trixie@sha256:<64 hex>" or "registry.example.com/team/app:1.2.3@sha256:<64 hex>".`);
  }
  return value;
}
