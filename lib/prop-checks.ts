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
 */
import { Construct } from 'constructs';

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
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Names the field being checked as `<construct path>: <prop>`, so errors point at
 * both the construct (and therefore the environment) and the prop.
 */
export function fieldOf(scope: Construct, prop: string): string {
  return `${scope.node.path}: ${prop}`;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// resource.Quantity: a signed decimal number with an optional binary, decimal or exponent suffix.
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
// Docker image reference (distribution/reference), split into name, optional tag and digest.
const IMAGE_NAME = /^(?:(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*|\[[a-fA-F0-9:]+\])(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const IMAGE_TAG = /^[\w][\w.-]{0,127}$/;
const IMAGE_DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
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
      'Must be a DNS-1123 subdomain: at most 253 lowercase letters, digits, \'-\' or \'.\', each dot-separated part starting and ending with a letter or digit (e.g. "db.example.com").');
  }
  return value;
}

/** An Ingress host: a DNS-1123 subdomain, optionally with a leading `*.` wildcard. */
export function validateHostname(field: string, value: string): string {
  const bare = typeof value === 'string' && value.startsWith('*.') ? value.slice(2) : value;
  if (typeof bare !== 'string' || bare.length === 0 || bare.length > 253 || !DNS1123_SUBDOMAIN.test(bare) || !bare.includes('.')) {
    throw new ValidationError(field, value,
      'Must be a fully qualified lowercase hostname such as "refarch.localtest.me" (a leading "*." wildcard is allowed; no scheme, port or path).');
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

/**
 * An image reference pinned to a version: `name:tag` or `name@sha256:...`.
 * A missing tag and `latest` are refused, because they make a rollout depend on
 * whatever the registry serves that day.
 */
export function validateImage(field: string, value: string): string {
  const pinned = 'Must be an image reference pinned to a tag or digest, such as "postgres:16.4-bookworm" or "registry.example.com/team/app@sha256:<64 hex>" (no ":latest", no missing tag).';
  if (typeof value !== 'string' || value.length === 0 || value.length > 255 || /\s/.test(value)) {
    throw new ValidationError(field, value, pinned);
  }
  let rest = value;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const ok = IMAGE_NAME.test(rest)
    && (tag === undefined || IMAGE_TAG.test(tag))
    && (digest === undefined || IMAGE_DIGEST.test(digest))
    && (tag !== undefined || digest !== undefined)
    && (tag !== 'latest' || digest !== undefined);
  if (!ok) throw new ValidationError(field, value, pinned);
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
