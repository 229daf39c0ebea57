/**
 * Kubernetes recommended labels (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/).
 *
 * Every object and pod template carries all six. Selectors use only the three that
 * never change for the life of a workload (name, instance, component): a selector is
 * immutable, so selecting on `version` would make an upgrade impossible to apply.
 */
import { Construct } from 'constructs';
import { DNS1123_SUBDOMAIN, NamespacedProps, ValidationError, fieldOf, validateLabelValue } from './prop-checks';

/** Props of a construct that runs pods, whose recommended labels come from an identity. */
export interface WorkloadProps extends NamespacedProps {
  /**
   * Recommended-label values; each construct documents how it fills the rest.
   * @default - derived from the construct's name and image
   */
  readonly identity?: Partial<AppIdentity> | undefined;
}

/** The identity of one component of an application, from which its labels are derived. */
export interface AppIdentity {
  /** `app.kubernetes.io/name`: what the component is, e.g. `guestbook` or `postgresql`. */
  readonly name: string;
  /** `app.kubernetes.io/instance`: which installation, e.g. `refarch-dev`. */
  readonly instance: string;
  /** `app.kubernetes.io/version`: the version of what runs, e.g. the image tag. */
  readonly version: string;
  /** `app.kubernetes.io/component`: its role in the architecture, e.g. `web` or `database`. */
  readonly component: string;
  /** `app.kubernetes.io/part-of`: the application it belongs to. */
  readonly partOf: string;
  /**
   * `app.kubernetes.io/managed-by`: the tool that manages it.
   * @default 'cdk8s'
   */
  readonly managedBy?: string | undefined;
}

/** All six recommended labels, in a fixed order so the YAML diff stays stable. */
export function recommendedLabels(id: AppIdentity): Record<string, string> {
  return {
    'app.kubernetes.io/name': id.name,
    'app.kubernetes.io/instance': id.instance,
    'app.kubernetes.io/version': id.version,
    'app.kubernetes.io/component': id.component,
    'app.kubernetes.io/part-of': id.partOf,
    'app.kubernetes.io/managed-by': id.managedBy ?? 'cdk8s',
  };
}

/** The stable subset used in Service, PDB, NetworkPolicy and workload selectors. */
export function selectorLabels(id: AppIdentity): Record<string, string> {
  return {
    'app.kubernetes.io/name': id.name,
    'app.kubernetes.io/instance': id.instance,
    'app.kubernetes.io/component': id.component,
  };
}

/**
 * Labels for a StatefulSet's volumeClaimTemplates: the recommended labels without
 * `version`. Claim templates are immutable, so a label that changes with a release
 * would make the next `kubectl apply` fail.
 */
export function claimTemplateLabels(id: AppIdentity): Record<string, string> {
  const { 'app.kubernetes.io/version': _version, ...stable } = recommendedLabels(id);
  return stable;
}

/** Checks every label value of an identity, naming the prop that holds it. */
export function validateIdentity(scope: Construct, prop: string, id: AppIdentity): AppIdentity {
  for (const [key, value] of Object.entries(id)) {
    if (value !== undefined) validateLabelValue(fieldOf(scope, `${prop}.${key}`), value);
  }
  return id;
}

/**
 * Derives the version label from an image reference: its tag (also when a digest pins
 * it, `app:1.2.3@sha256:...`), else the digest's first 12 hex digits. A tag may be what a
 * label value may not (128 characters, a trailing `-` or `.`, a leading `_`): the label
 * gets its first 63 characters with non-alphanumeric ends trimmed, so every valid image
 * gives a valid label, and an error about the image names the image setting, never this
 * derived value.
 */
export function versionFromImage(image: string): string {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const digestPrefix = at >= 0 ? image.slice(at + 1).replace(/^[^:]*:/, '').slice(0, 12) : '';
  if (colon > lastSlash) {
    const tag = name.slice(colon + 1).replace(/^[^A-Za-z0-9]+/, '').slice(0, 63).replace(/[^A-Za-z0-9]+$/, '');
    if (tag !== '') return tag;
  }
  return at >= 0 ? digestPrefix : 'unversioned';
}

// k8s.io/apimachinery/pkg/util/validation: qualifiedNameFmt (the name part of a key) and
// IsDNS1123Subdomain (its optional prefix, DNS1123_SUBDOMAIN).
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/**
 * Why `key` is not a label key, or undefined: Kubernetes' IsQualifiedName
 * (k8s.io/apimachinery/pkg/util/validation), which ValidateLabels applies to every key: an
 * optional DNS-1123 subdomain prefix of at most 253 characters and a `/`, then a name of
 * 1-63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit.
 */
export function labelKeyProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'it has more than one "/"';
  const name = parts[parts.length - 1]!; // split returns at least one item
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix === '') return 'the prefix before "/" is empty';
    if (prefix.length > 253) return `the prefix is ${prefix.length} characters, more than 253`;
    if (!DNS1123_SUBDOMAIN.test(prefix)) return `the prefix "${prefix}" is not a DNS-1123 subdomain (lowercase letters, digits, "-" and ".")`;
  }
  if (name === '') return 'the name part is empty';
  if (name.length > 63) return `the name part is ${name.length} characters, more than 63`;
  if (!QUALIFIED_NAME.test(name)) return `the name part "${name}" is not letters, digits, "-", "_" or "." starting and ending with a letter or digit`;
  return undefined;
}

/** A label key the API server accepts (see {@link labelKeyProblem}). */
export function validateLabelKey(field: string, key: string): string {
  const problem = typeof key === 'string' ? labelKeyProblem(key) : 'it is not a string';
  if (problem !== undefined) {
    throw new ValidationError(field, key, `Must be a label key: an optional DNS subdomain prefix (at most 253 characters) and "/", then 1-63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit (e.g. "k8s-app" or "example.com/role"). Here ${problem}.`);
  }
  return key;
}

/** A map of labels the API server accepts: every key and value checked; `field` names the map. */
export function validateLabels(field: string, labels: Record<string, string> | undefined): Record<string, string> | undefined {
  if (labels === undefined) return undefined;
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) {
    throw new ValidationError(field, labels, 'Must be an object of label keys to values, e.g. { "team": "web" }.');
  }
  for (const [key, value] of Object.entries(labels)) {
    validateLabelKey(`${field} key`, key);
    validateLabelValue(`${field}.${key}`, value);
  }
  return labels;
}
