/**
 * Least-privilege NetworkPolicies, declared as the connections a namespace allows:
 * deny everything, allow DNS to the cluster resolver, then one `allow(from, to, port)`
 * per connection between tiers (a WebTier, a PostgresDatabase and its standbys, a
 * PostgresBackup, or peers outside the namespace). Each connection renders an egress
 * policy on the sending pods and an ingress policy on the receiving pods, where they
 * run in the namespace, so it holds under a default-deny in both directions.
 */
import * as k8s from '../imports/k8s';
import { Construct } from 'constructs';
import { validateLabels } from './labels';
import { LabelledProps, ValidationError, fieldOf, namespaceFor, validateCidr, validateDnsLabel, validatePort } from './prop-checks';
import { checkUniqueObjects } from './unique-objects';

/**
 * Pods of one tier in the policies' namespace: a WebTier, a PostgresDatabase (its
 * primary), `PostgresDatabase.standbys`, a PostgresBackup, or your own.
 */
export interface IPodGroup {
  /** Namespace the pods run in; must be the policies'. */
  readonly namespace: string;
  /** Name of the tier, used in default policy names (`allow-<from>-to-<to>-egress`). */
  readonly name: string;
  /** Labels that select the pods. */
  readonly selector: Record<string, string>;
}

/** A port a connection is allowed on; a tier's named ports (e.g. `web.ports.http`) are these. */
export interface PolicyPort {
  /** Port number on the receiving pods (or the external server). */
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
}

/** DNS: UDP and TCP 53. */
export const DNS_PORTS: readonly PolicyPort[] = [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }];

/** The namespace kind's and minikube's ingress-nginx run in. */
export const DEFAULT_INGRESS_CONTROLLER_NAMESPACE = 'ingress-nginx';
/** Namespace of the cluster DNS pods on kind, minikube and kubeadm clusters. */
export const DEFAULT_DNS_NAMESPACE = 'kube-system';
/** Labels of the cluster DNS pods (CoreDNS) on kind, minikube and kubeadm clusters. */
export const DEFAULT_DNS_POD_LABELS: Readonly<Record<string, string>> = { 'k8s-app': 'kube-dns' };

/** One end of an allowed connection. */
export class Peer {
  /** The pods of a tier in the policies' namespace; they get a policy of their own. */
  public static pods(group: IPodGroup): Peer {
    if (!group || typeof group.selector !== 'object' || group.selector === null || Object.keys(group.selector).length === 0) {
      throw new ValidationError('Peer.pods: selector', group?.selector, 'Must hold at least one label: an empty selector would open the policy to every pod.');
    }
    return new Peer([{ podSelector: { matchLabels: group.selector } }], group.name, group.selector, group.namespace);
  }

  /** Every pod of the policies' namespace (`podSelector: {}`). */
  public static allPods(): Peer {
    return new Peer([{ podSelector: {} }], undefined, {});
  }

  /** Every pod of another namespace (or those with `podLabels`), by its immutable `kubernetes.io/metadata.name` label. */
  public static namespace(namespace: string, podLabels?: Record<string, string>): Peer {
    validateDnsLabel('Peer.namespace: namespace', namespace);
    return new Peer([namespacePeer(namespace, validateLabels('Peer.namespace: podLabels', podLabels))]);
  }

  /** The cluster DNS pods; named `dns` in policy names. */
  public static clusterDns(namespace: string = DEFAULT_DNS_NAMESPACE, podLabels: Record<string, string> = { ...DEFAULT_DNS_POD_LABELS }): Peer {
    if (podLabels === null || typeof podLabels !== 'object' || Object.keys(podLabels).length === 0) {
      throw new ValidationError('Peer.clusterDns: podLabels', podLabels, 'Must hold at least one label of the DNS pods, e.g. { "k8s-app": "kube-dns" }: an empty selector would send DNS to every pod of the namespace.');
    }
    validateLabels('Peer.clusterDns: podLabels', podLabels);
    return new Peer([namespacePeer(validateDnsLabel('Peer.clusterDns: namespace', namespace), podLabels)], 'dns');
  }

  /** Addresses outside the cluster; `name` is used in default policy names. */
  public static cidrs(cidrs: string[], name?: string): Peer {
    if (!Array.isArray(cidrs) || cidrs.length === 0) {
      throw new ValidationError('Peer.cidrs', cidrs, 'Must be a non-empty list of CIDRs (an empty list would admit every address); use Peer.anyAddress() for that.');
    }
    cidrs.forEach((cidr) => validateCidr('Peer.cidrs', cidr));
    return new Peer(cidrs.map((cidr) => ({ ipBlock: { cidr } })), name);
  }

  /** Every address (the rule has no `from`/`to`): e.g. the web port behind a NodePort, whose traffic comes from the nodes. */
  public static anyAddress(name?: string): Peer {
    return new Peer(undefined, name);
  }

  /**
   * Raw NetworkPolicy peers, as an escape hatch. An empty list is refused: Kubernetes
   * reads it as "any", which is rarely what it meant.
   */
  public static of(peers: k8s.NetworkPolicyPeer[], name?: string): Peer {
    if (!Array.isArray(peers) || peers.length === 0) {
      throw new ValidationError('Peer.of', peers, 'Must be a non-empty list of peers (an empty list would admit every source); use Peer.anyAddress() for that.');
    }
    for (const peer of peers) {
      if (peer === null || typeof peer !== 'object' || (!peer.podSelector && !peer.namespaceSelector && !peer.ipBlock)) {
        throw new ValidationError('Peer.of', peer, 'Each peer needs podSelector, namespaceSelector or ipBlock.');
      }
    }
    return new Peer(peers, name);
  }

  private constructor(
    /** The rule's peers; undefined for every address. */
    public readonly peers: k8s.NetworkPolicyPeer[] | undefined,
    /** Name in default policy names. */
    public readonly name?: string,
    /** Set when the peer is pods of the policies' namespace: they can carry a policy. */
    public readonly podSelector?: Record<string, string>,
    /** Namespace of those pods, when known. */
    public readonly namespace?: string,
  ) {}
}

/** A WebTier, PostgresDatabase, ... or a {@link Peer}. */
export type PeerLike = Peer | IPodGroup;

/** Options of {@link NetworkPolicies.allow}. */
export interface AllowOptions {
  /**
   * Policies are named `allow-<name>-egress` and `allow-<name>-ingress` (`-2`, `-3`, ...
   * for further receivers). A second `allow` with the same name and pods adds a rule
   * to the same policy.
   * @default '<from>-to-<to>' from the peers' names, or the one that has a name
   */
  readonly name?: string;
}

/** The policies one {@link NetworkPolicies.allow} rendered or added to. */
export interface AllowedConnection {
  /** On the sending pods; undefined when they run outside the namespace. */
  readonly egress?: k8s.KubeNetworkPolicy;
  /** On each receiving tier of the namespace, in the order given. */
  readonly ingress: k8s.KubeNetworkPolicy[];
}

/** Props of {@link NetworkPolicies}. */
export interface NetworkPoliciesProps extends LabelledProps {
  /**
   * Render `default-deny-all`, which denies every pod of the namespace all traffic
   * not allowed by another policy. Off for a set of extra connections next to one that has it.
   * @default true
   */
  readonly defaultDeny?: boolean;
  /**
   * Where every pod may send DNS queries (UDP and TCP 53), as policy `allow-dns-egress`:
   * `Peer.anyAddress()` when the resolver is not a pod (NodeLocal DNSCache, a host
   * process), `'none'` to render no DNS policy.
   * @default Peer.clusterDns() (the `k8s-app: kube-dns` pods in namespace `kube-system`)
   */
  readonly dnsTo?: Peer | 'none';
}

/** A default-deny, DNS egress, and the connections added with {@link allow}. */
export class NetworkPolicies extends Construct {
  public readonly namespace: string;
  /** `default-deny-all`; undefined with `defaultDeny: false`. */
  public readonly defaultDeny?: k8s.KubeNetworkPolicy;
  /** `allow-dns-egress`; undefined with `dnsTo: 'none'`. */
  public readonly dnsEgress?: k8s.KubeNetworkPolicy;
  private readonly labels?: Record<string, string>;
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

    if (defaultDeny) {
      this.defaultDeny = new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
        metadata: this.meta('default-deny-all'),
        spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
      });
    }
    // Port 53 only to the resolver: open to any address, it would also let a pod tunnel
    // data out through any DNS server on the internet.
    if (dnsTo !== 'none') this.dnsEgress = this.allow(Peer.allPods(), dnsTo, DNS_PORTS, { name: 'dns' }).egress;
  }

  /**
   * Allows `from` to open connections to `to` on `ports`: an egress policy on `from`'s
   * pods and an ingress policy on each `to` tier, where they run in this namespace.
   */
  public allow(from: PeerLike, to: PeerLike | PeerLike[], ports: PolicyPort | readonly PolicyPort[], options: AllowOptions = {}): AllowedConnection {
    const f = (prop: string) => fieldOf(this, `allow ${prop}`);
    const source = this.peer(f('from'), from);
    const targets = (Array.isArray(to) ? to : [to]).map((t) => this.peer(f('to'), t))
      // One receiver named twice (a backup's source is the primary when there are no standbys).
      .filter((t, i, all) => t.podSelector === undefined || all.findIndex((o) => sameSelector(o.podSelector, t.podSelector)) === i);
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

    const egress = source.podSelector === undefined ? undefined
      : this.addRule(`allow-${name}-egress`, 'Egress', source.podSelector, {
        to: targets.some((t) => t.peers === undefined) ? undefined : targets.flatMap((t) => t.peers!), ports: rulePorts,
      });
    const ingress = targets.filter((t) => t.podSelector !== undefined).map((t, i) =>
      this.addRule(`allow-${name}-ingress${i === 0 ? '' : `-${i + 1}`}`, 'Ingress', t.podSelector!, { from: source.peers, ports: rulePorts }));
    if (!egress && ingress.length === 0) {
      throw new ValidationError(f('from'), from, 'Neither end runs in the namespace: one of from and to must be pods of it (a tier or Peer.pods).');
    }
    return { egress, ingress };
  }

  private peer(field: string, p: PeerLike): Peer {
    if (!(p instanceof Peer) && (p === null || typeof p !== 'object' || typeof p.selector !== 'object' || p.selector === null || Object.keys(p.selector).length === 0)) {
      throw new ValidationError(field, p === null || typeof p !== 'object' ? p : p.selector,
        'Must be a Peer, or pods of the namespace with at least one selector label (a WebTier, PostgresDatabase, its standbys, a PostgresBackup): an empty selector would open the policy to every pod.');
    }
    const peer = p instanceof Peer ? p : Peer.pods(p);
    if (peer.namespace !== undefined && peer.namespace !== this.namespace) {
      throw new ValidationError(field, peer.namespace, `Must be pods of the policies' namespace ("${this.namespace}"); name pods elsewhere with Peer.namespace(namespace, podLabels).`);
    }
    return peer;
  }

  /** The policy of that name (created on first use), with one more rule. */
  private addRule(name: string, type: 'Ingress' | 'Egress', selector: Record<string, string>, rule: object): k8s.KubeNetworkPolicy {
    const key = JSON.stringify(selector);
    let entry = this.byName.get(name);
    if (entry && entry.selector !== key) {
      throw new ValidationError(fieldOf(this, 'allow options.name'), name, 'Already names a policy on other pods: give this connection another name.');
    }
    if (!entry) {
      const rules: unknown[] = [];
      const policy = new k8s.KubeNetworkPolicy(this, name, {
        metadata: this.meta(name),
        // The rules array is shared, so a later allow() with this name adds to the same policy.
        spec: { podSelector: { matchLabels: Object.keys(selector).length > 0 ? selector : undefined }, policyTypes: [type], [type === 'Egress' ? 'egress' : 'ingress']: rules },
      });
      entry = { policy, selector: key, rules };
      this.byName.set(name, entry);
    }
    entry.rules.push(rule);
    return entry.policy;
  }

  /** Every policy rendered, in order. */
  public get policies(): k8s.KubeNetworkPolicy[] {
    return this.node.children.filter((c): c is k8s.KubeNetworkPolicy => c instanceof k8s.KubeNetworkPolicy);
  }

  private meta(name: string) {
    return { name, namespace: this.namespace, labels: this.labels };
  }
}

/** Peer for every pod of one namespace, by its immutable `kubernetes.io/metadata.name` label. */
export function namespacePeer(namespace: string, podLabels?: Record<string, string>): k8s.NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
    ...(podLabels ? { podSelector: { matchLabels: podLabels } } : {}),
  };
}

function sameSelector(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
