/**
 * Kubernetes recommended labels (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/).
 *
 * Every object and pod template carries all six. Selectors use only the three that
 * never change for the life of a workload (name, instance, component): a selector is
 * immutable, so selecting on `version` would make an upgrade impossible to apply.
 */
import { Construct } from 'constructs';
import { NamespacedProps, fieldOf, validateLabelValue } from './prop-checks';

/** Props of a construct that runs pods, whose recommended labels come from an identity. */
export interface WorkloadProps extends NamespacedProps {
  /**
   * Recommended-label values; each construct documents how it fills the rest.
   * @default - derived from the construct's name and image
   */
  readonly identity?: Partial<AppIdentity>;
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
  readonly managedBy?: string;
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
 * it, `app:1.2.3@sha256:...`), else the digest's first 12 hex digits.
 */
export function versionFromImage(image: string): string {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > lastSlash) return name.slice(colon + 1);
  if (at >= 0) return image.slice(at + 1).replace(/^[^:]*:/, '').slice(0, 12);
  return 'unversioned';
}
