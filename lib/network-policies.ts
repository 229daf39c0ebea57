/**
 * Least-privilege NetworkPolicies, declared as the connections an application allows:
 * deny everything, allow DNS to the cluster resolver, then one `allow(from, to, port)`
 * per connection between tiers (a WebTier, a PostgresDatabase and its standbys, a
 * PostgresBackup, a cdk8s-plus workload, or peers outside the cluster). Each connection
 * renders an egress policy on the sending pods and an ingress policy on the receiving
 * pods, each in the namespace those pods run in, so it holds under a default-deny in both
 * directions and across namespaces.
 *
 * The namespace-wide part (default-deny, DNS egress) is rendered once per namespace and
 * shared: any number of applications in one namespace each make their own
 * NetworkPolicies, and the first one that asks renders `default-deny-all` and
 * `allow-dns-egress` for all of them (network-baseline.ts); the per-application allows
 * stay with each application.
 */
import { compact } from './compact';
import * as k8s from './k8s';
import { Construct } from 'constructs';
import { validateLabels } from './labels';
import { NamespaceBaseline, namespaceBaseline } from './network-baseline';
import { DNS_PORTS, PeerLike, Peer, PolicyPort } from './network-peers';
import { LabelledProps, ValidationError, fieldOf, namespaceFor, validateDnsLabel, validatePort } from './prop-checks';
import { checkUniqueObjects } from './unique-objects';

export type { ILabelSelectedWorkload, IPodGroup, LabelRequirementLike, PeerLike, PolicyPort } from './network-peers';
export {
  DEFAULT_DNS_NAMESPACE, DEFAULT_DNS_POD_LABELS, DEFAULT_INGRESS_CONTROLLER_NAMESPACE, DNS_PORTS, Peer, namespacePeer,
} from './network-peers';

/** Options of {@link NetworkPolicies.allow}. */
export interface AllowOptions {
  /**
   * Policies are named `allow-<name>-egress` and `allow-<name>-ingress` (`-2`, `-3`, ...
   * for further receivers). A second `allow` with the same name and pods adds a rule
   * to the same policy.
   * @default '<from>-to-<to>' from the peers' names, or the one that has a name
   */
  readonly name?: string | undefined;
}

/** The policies one {@link NetworkPolicies.allow} rendered or added to. */
export interface AllowedConnection {
  /** On the sending pods; undefined when they are not pods that carry a policy (another namespace by label, addresses). */
  readonly egress?: k8s.KubeNetworkPolicy | undefined;
  /** On each receiving tier, in the order given. */
  readonly ingress: k8s.KubeNetworkPolicy[];
}

/** Props of {@link NetworkPolicies}. */
export interface NetworkPoliciesProps extends LabelledProps {
  /**
   * Deny every pod of the namespace all traffic not allowed by another policy, with the
   * policy `default-deny-all`. Rendered once per namespace: the first NetworkPolicies of
   * the namespace in the app that asks for it renders it, the others share it.
   * @default true
   */
  readonly defaultDeny?: boolean | undefined;
  /**
   * Where every pod may send DNS queries (UDP and TCP 53), as policy `allow-dns-egress`:
   * `Peer.anyAddress()` when the resolver is not a pod (NodeLocal DNSCache, a host
   * process), `'none'` to render no DNS policy. Rendered once per namespace, like the
   * default-deny; a second NetworkPolicies of the namespace asking for another
   * destination is refused (one policy of that name per namespace).
   * @default Peer.clusterDns() (the `k8s-app: kube-dns` pods in namespace `kube-system`)
   */
  readonly dnsTo?: Peer | 'none' | undefined;
}

/** A default-deny, DNS egress, and the connections added with {@link allow}. */
export class NetworkPolicies extends Construct {
  /** The namespace whose default-deny and DNS policy these share, and of {@link Peer.allPods}. */
  public readonly namespace: string;
  /** `default-deny-all` of the namespace (shared with every NetworkPolicies there); undefined with `defaultDeny: false`. */
  public readonly defaultDeny?: k8s.KubeNetworkPolicy | undefined;
  /** `allow-dns-egress` of the namespace (shared with every NetworkPolicies there); undefined with `dnsTo: 'none'`. */
  public readonly dnsEgress?: k8s.KubeNetworkPolicy | undefined;
  private readonly labels: Record<string, string> | undefined;
  private readonly byName = new Map<string, { policy: k8s.KubeNetworkPolicy; selector: string; rules: unknown[] }>();

  constructor(scope: Construct, id: string, props: NetworkPoliciesProps = {}) {
    super(scope, id);
    const f = (prop: string) => fieldOf(this, prop);
    checkUniqueObjects(this);
    this.namespace = namespaceFor(this, f('namespace'), props.namespace);
    this.labels = validateLabels(fieldOf(this, 'labels'), props.labels);
    const defaultDeny = props.defaultDeny ?? true;
    if (typeof defaultDeny !== 'boolean') throw new ValidationError(f('defaultDeny'), defaultDeny, 'Must be true or false.');
    const dnsTo = props.dnsTo ?? Peer.clusterDns();
    if (dnsTo !== 'none' && !(dnsTo instanceof Peer)) {
      throw new ValidationError(f('dnsTo'), dnsTo, 'Must be a Peer (Peer.clusterDns(), Peer.of([...]), Peer.anyAddress()) or \'none\'.');
    }

    const baseline: NamespaceBaseline = namespaceBaseline(this, this.namespace);
    if (defaultDeny) {
      this.defaultDeny = baseline.defaultDeny(() => new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
        metadata: this.meta('default-deny-all', this.namespace),
        spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
      }));
    }
    // Port 53 only to the resolver: open to any address, it would also let a pod tunnel
    // data out through any DNS server on the internet.
    if (dnsTo !== 'none') {
      this.dnsEgress = baseline.dnsEgress(f('dnsTo'), dnsTo, () => this.allow(Peer.allPods(), dnsTo, DNS_PORTS, { name: 'dns' }).egress!);
    }
  }

  /**
   * Allows `from` to open connections to `to` on `ports`: an egress policy on `from`'s
   * pods and an ingress policy on each `to` tier, each in the namespace its pods run in.
   */
  public allow(from: PeerLike, to: PeerLike | PeerLike[], ports: PolicyPort | readonly PolicyPort[], options: AllowOptions = {}): AllowedConnection {
    const f = (prop: string) => fieldOf(this, `allow ${prop}`);
    const source = this.peer(f('from'), from);
    const targets = (Array.isArray(to) ? to : [to]).map((t) => this.peer(f('to'), t))
      // One receiver named twice (a backup's source is the primary when there are no standbys).
      .filter((t, i, all) => t.podSelector === undefined || all.findIndex((o) => samePods(o, t)) === i);
    if (targets.length === 0) throw new ValidationError(f('to'), to, 'Must name at least one peer.');
    const rulePorts = (Array.isArray(ports) ? ports : [ports]).map((p: PolicyPort, i) => {
      const protocol = p?.protocol ?? 'TCP';
      if (!['TCP', 'UDP', 'SCTP'].includes(protocol)) throw new ValidationError(f(`ports[${i}].protocol`), protocol, 'Must be one of: "TCP", "UDP", "SCTP".');
      return { protocol, port: k8s.IntOrString.fromNumber(validatePort(f(`ports[${i}].port`), p?.port)) };
    });
    if (rulePorts.length === 0) throw new ValidationError(f('ports'), ports, 'Must name at least one port.');
    const named = [source.name, ...targets.map((t) => t.name)];
    const name = options.name ?? (named.every((n) => n !== undefined) ? named.join('-to-') : named.find((n) => n !== undefined));
    if (name === undefined) throw new ValidationError(f('options.name'), name, 'Required when neither peer has a name (e.g. Peer.namespace): policies are named allow-<name>-egress/-ingress.');
    validateDnsLabel(f('options.name'), name, 63 - 'allow--ingress-10'.length);

    let egress: k8s.KubeNetworkPolicy | undefined;
    if (source.podSelector !== undefined) {
      const from = source.namespace!;
      egress = this.addRule(`allow-${name}-egress`, from, 'Egress', source.podSelector, {
        to: targets.some((t) => t.peers === undefined) ? undefined : targets.flatMap((t) => t.peersIn(from)!), ports: rulePorts,
      });
    }
    const ingress = targets.filter((t) => t.podSelector !== undefined).map((t, i) =>
      this.addRule(`allow-${name}-ingress${i === 0 ? '' : `-${i + 1}`}`, t.namespace!, 'Ingress', t.podSelector!, { from: source.peersIn(t.namespace!), ports: rulePorts }));
    if (!egress && ingress.length === 0) {
      throw new ValidationError(f('from'), from, 'Neither end is pods that can carry a policy: one of from and to must be a tier, a cdk8s-plus workload or Peer.pods/Peer.allPods.');
    }
    return { egress, ingress };
  }

  private peer(field: string, p: PeerLike): Peer {
    if (p instanceof Peer) return p.inNamespace(this.namespace);
    if (p === null || typeof p !== 'object') {
      throw new ValidationError(field, p, 'Must be a Peer, a tier (WebTier, PostgresDatabase, its standbys, a PostgresBackup), a cdk8s-plus workload, or { namespace, name, selector }.');
    }
    return Peer.podsFor(field, p);
  }

  /** The policy of that name in that namespace (created on first use), with one more rule. */
  private addRule(name: string, namespace: string, type: 'Ingress' | 'Egress', selector: Record<string, string>, rule: object): k8s.KubeNetworkPolicy {
    const selectorKey = JSON.stringify(selector);
    const key = `${namespace}/${name}`;
    let entry = this.byName.get(key);
    if (entry && entry.selector !== selectorKey) {
      throw new ValidationError(fieldOf(this, 'allow options.name'), name, 'Already names a policy on other pods: give this connection another name.');
    }
    if (!entry) {
      const rules: unknown[] = [];
      // The construct id of today's policies (same namespace) is the name alone.
      const policy = new k8s.KubeNetworkPolicy(this, namespace === this.namespace ? name : `${name}@${namespace}`, {
        metadata: this.meta(name, namespace),
        // The rules array is shared, so a later allow() with this name adds to the same policy.
        spec: { podSelector: Object.keys(selector).length > 0 ? { matchLabels: selector } : {}, policyTypes: [type], [type === 'Egress' ? 'egress' : 'ingress']: rules },
      });
      entry = { policy, selector: selectorKey, rules };
      this.byName.set(key, entry);
    }
    entry.rules.push(rule);
    return entry.policy;
  }

  /** Every policy this construct rendered, in order (the shared default-deny and DNS policy only where this one rendered them). */
  public get policies(): k8s.KubeNetworkPolicy[] {
    return this.node.children.filter((c): c is k8s.KubeNetworkPolicy => c instanceof k8s.KubeNetworkPolicy);
  }

  private meta(name: string, namespace: string) {
    return compact({ name, namespace, labels: this.labels });
  }
}

/** Whether two peers are the same pods. */
function samePods(a: Peer, b: Peer): boolean {
  return a.namespace === b.namespace && JSON.stringify(a.podSelector) === JSON.stringify(b.podSelector);
}
