/**
 * A Namespace that enforces the Pod Security Standards `restricted` profile.
 */
import { Chart } from 'cdk8s';
import * as k8s from './k8s';
import { Construct } from 'constructs';
import { validateLabels } from './labels';
import { fieldOf, validateOneOf, validateOwnNamespace } from './prop-checks';
import { checkUniqueObjects } from './unique-objects';

/** Props of {@link RestrictedNamespace}. */
export interface RestrictedNamespaceProps {
  /**
   * Namespace name (DNS-1123 label). `default` and `kube-*` are refused: the cluster owns them.
   * @default - the Chart's namespace, else 'refarch'
   */
  readonly name?: string | undefined;
  /**
   * Pod Security Standards level enforced by the PodSecurity admission plugin.
   * `audit` and `warn` are always `restricted`, so a relaxed enforce level still reports.
   * @default 'restricted'
   */
  readonly enforce?: 'restricted' | 'baseline' | 'privileged' | undefined;
  /**
   * Version of the standard to enforce. Pinning it keeps a cluster upgrade from
   * tightening the rules under running workloads; `latest` follows the cluster.
   * @default 'v1.27'
   */
  readonly enforceVersion?: string | undefined;
  /**
   * Labels added to the Namespace (the recommended labels go here).
   * @default - none
   */
  readonly labels?: Record<string, string> | undefined;
}

/** A Namespace labelled for PodSecurity admission. */
export class RestrictedNamespace extends Construct {
  /** The namespace name, for the `metadata.namespace` of everything inside it. */
  public readonly name: string;
  /** The Namespace object (not `namespace`, which is a name everywhere else in this folder). */
  public readonly namespaceObject: k8s.KubeNamespace;

  constructor(scope: Construct, id: string, props: RestrictedNamespaceProps = {}) {
    super(scope, id);
    checkUniqueObjects(this);
    this.name = validateOwnNamespace(fieldOf(this, 'name'), props.name ?? chartNamespace(this) ?? 'refarch');
    const enforce = validateOneOf(fieldOf(this, 'enforce'), props.enforce ?? 'restricted', ['restricted', 'baseline', 'privileged'] as const);
    const version = props.enforceVersion ?? 'v1.27';
    if (!/^(latest|v1\.\d+)$/.test(version)) {
      validateOneOf(fieldOf(this, 'enforceVersion'), version, ['latest', 'v1.<minor>']);
    }
    this.namespaceObject = new k8s.KubeNamespace(this, 'Resource', {
      metadata: {
        name: this.name,
        labels: {
          ...validateLabels(fieldOf(this, 'labels'), props.labels),
          'pod-security.kubernetes.io/enforce': enforce,
          'pod-security.kubernetes.io/enforce-version': version,
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': version,
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': version,
        },
      },
    });
  }
}

function chartNamespace(scope: Construct): string | undefined {
  try {
    return Chart.of(scope).namespace;
  } catch {
    return undefined; // not inside a Chart
  }
}
