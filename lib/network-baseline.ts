/**
 * The namespace-wide NetworkPolicies (`default-deny-all`, `allow-dns-egress`), once per
 * namespace of an app. Every application of a namespace makes its own NetworkPolicies;
 * the first that asks for each of these renders it and the others share that object, so
 * ten applications in one namespace render one default-deny, not ten duplicates (which the
 * duplicate-object check would refuse).
 */
import { IConstruct } from 'constructs';
import * as k8s from './k8s';
import { Peer } from './network-peers';
import { ValidationError } from './prop-checks';

// On the app root through the global symbol registry, as unique-objects.ts does, so two
// copies of these files in one app still share one baseline per namespace.
const BASELINES = Symbol.for('refarch.example.com/network-baseline');

/** The default-deny and DNS policy of one namespace, rendered by the first construct that asks. */
export class NamespaceBaseline {
  private deny?: k8s.KubeNetworkPolicy | undefined;
  private dns?: { readonly policy: k8s.KubeNetworkPolicy; readonly to: string; readonly field: string } | undefined;

  constructor(public readonly namespace: string) {}

  /** `default-deny-all`: `render` makes it when the namespace has none yet. */
  public defaultDeny(render: () => k8s.KubeNetworkPolicy): k8s.KubeNetworkPolicy {
    this.deny ??= render();
    return this.deny;
  }

  /** `allow-dns-egress` to `to`: `render` makes it when the namespace has none yet; another destination is refused. */
  public dnsEgress(field: string, to: Peer, render: () => k8s.KubeNetworkPolicy): k8s.KubeNetworkPolicy {
    const key = JSON.stringify(to.peers ?? 'any address');
    if (this.dns === undefined) {
      this.dns = { policy: render(), to: key, field };
    } else if (this.dns.to !== key) {
      throw new ValidationError(field, to.peers ?? 'any address',
        `Must be the DNS destination the namespace "${this.namespace}" already has (${this.dns.to}, from ${this.dns.field}): `
        + 'one allow-dns-egress serves every pod of a namespace. Give every NetworkPolicies of the namespace the same dnsTo, or \'none\'.');
    }
    return this.dns.policy;
  }
}

/** The baseline of `namespace` in the app of `scope` (made on first use). */
export function namespaceBaseline(scope: IConstruct, namespace: string): NamespaceBaseline {
  const root = scope.node.root as IConstruct & { [BASELINES]?: Map<string, NamespaceBaseline> | undefined };
  const baselines = root[BASELINES] ??= new Map<string, NamespaceBaseline>();
  let baseline = baselines.get(namespace);
  if (baseline === undefined) {
    baseline = new NamespaceBaseline(namespace);
    baselines.set(namespace, baseline);
  }
  return baseline;
}
