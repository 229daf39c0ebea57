/**
 * The ends of a connection {@link NetworkPolicies.allow} (network-policies.ts) allows: pods
 * (a WebTier, a PostgresDatabase, a cdk8s-plus workload, ...) in any namespace, or peers
 * that carry no policy of their own (another namespace, the cluster DNS, addresses outside
 * the cluster).
 */
import * as k8s from './k8s';
import { validateLabels } from './labels';
import { ValidationError, validateCidr, validateDnsLabel } from './prop-checks';

/**
 * Pods of one tier: a WebTier, a PostgresDatabase (its primary), `PostgresDatabase.standbys`,
 * a PostgresBackup, or your own.
 */
export interface IPodGroup {
  /** Namespace the pods run in; their policies are rendered there. */
  readonly namespace: string;
  /** Name of the tier, used in default policy names (`allow-<from>-to-<to>-egress`). */
  readonly name: string;
  /** Labels that select the pods. */
  readonly selector: Record<string, string>;
}

/** One `matchExpressions` entry of a label selector. */
export interface LabelRequirementLike {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[] | undefined;
}

/**
 * A workload that selects its pods by labels the way cdk8s-plus workloads do:
 * `kplus.Deployment`, `kplus.StatefulSet`, `kplus.DaemonSet`, `kplus.Job` (cdk8s-plus-27
 * and -33) satisfy it as they are, so they can be passed to `allow()` directly.
 */
export interface ILabelSelectedWorkload {
  /** Object name (a cdk8s-plus Resource's `name`), used in default policy names. */
  readonly name: string;
  /** Where the pods run: `metadata.namespace` (the Chart's, when the workload sets none). */
  readonly metadata: { readonly namespace?: string | undefined };
  /** Labels the workload selects its pods by (a cdk8s-plus Job selects none: see `podMetadata`). */
  readonly matchLabels: Record<string, string>;
  /**
   * The pod template's metadata: its labels select the pods when `matchLabels` is empty, as
   * for a cdk8s-plus Job (the API server makes a Job's selector).
   * @default - none: `matchLabels` must hold a label
   */
  readonly podMetadata?: { toJson(): { readonly labels?: Record<string, string> | undefined } } | undefined;
  /**
   * Refused when not empty: a policy selects by these labels only.
   * @default none
   */
  readonly matchExpressions?: readonly LabelRequirementLike[] | undefined;
}

/** A port a connection is allowed on; a tier's named ports (e.g. `web.ports.http`) are these. */
export interface PolicyPort {
  /** Port number on the receiving pods (or the external server). */
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP' | undefined;
}

/** DNS: UDP and TCP 53. */
export const DNS_PORTS: readonly PolicyPort[] = [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }];

/**
 * The namespace the retired ingress-nginx runs in (minikube's `ingress` addon).
 * @deprecated the architecture no longer defaults to it: see FrontDoorController (front-door-controller.ts).
 */
export const DEFAULT_INGRESS_CONTROLLER_NAMESPACE = 'ingress-nginx';
/** Namespace of the cluster DNS pods on kind, minikube and kubeadm clusters. */
export const DEFAULT_DNS_NAMESPACE = 'kube-system';
/** Labels of the cluster DNS pods (CoreDNS) on kind, minikube and kubeadm clusters. */
export const DEFAULT_DNS_POD_LABELS: Readonly<Record<string, string>> = { 'k8s-app': 'kube-dns' };

/** One end of an allowed connection. */
export class Peer {
  /**
   * The pods of a tier, or of a cdk8s-plus workload; they get a policy of their own, in
   * their namespace.
   */
  public static pods(group: IPodGroup | ILabelSelectedWorkload): Peer {
    return Peer.podsFor('Peer.pods', group);
  }

  /** {@link Peer.pods}, with errors naming `field`: for constructs that take pods as a prop. */
  public static podsFor(field: string, group: IPodGroup | ILabelSelectedWorkload): Peer {
    const { name, namespace, selector } = podsOf(field, group);
    return new Peer([{ podSelector: { matchLabels: selector } }], name, selector, namespace);
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
    /** The rule's peers, as written in a policy of the pods' own namespace; undefined for every address. */
    public readonly peers: k8s.NetworkPolicyPeer[] | undefined,
    /** Name in default policy names. */
    public readonly name?: string,
    /** Set when the peer is pods that can carry a policy of their own. */
    public readonly podSelector?: Record<string, string>,
    /** Namespace of those pods; undefined for {@link Peer.allPods} until given one by {@link inNamespace}. */
    public readonly namespace?: string,
  ) {}

  /** These pods in `namespace` when they have none yet (the policies' own, for {@link Peer.allPods}). */
  public inNamespace(namespace: string): Peer {
    return this.podSelector === undefined || this.namespace !== undefined ? this : new Peer(this.peers, this.name, this.podSelector, namespace);
  }

  /**
   * The rule's peers in a policy of `namespace`: pods of another namespace are named by it
   * (a `namespaceSelector` beside the `podSelector`), since a bare `podSelector` means the
   * policy's own namespace.
   */
  public peersIn(namespace: string): k8s.NetworkPolicyPeer[] | undefined {
    if (this.podSelector === undefined || this.namespace === undefined || this.namespace === namespace) return this.peers;
    return [namespacePeer(this.namespace, Object.keys(this.podSelector).length > 0 ? this.podSelector : undefined)];
  }
}

/** A WebTier, PostgresDatabase, cdk8s-plus workload, ... or a {@link Peer}. */
export type PeerLike = Peer | IPodGroup | ILabelSelectedWorkload;

/** Peer for every pod of one namespace, by its immutable `kubernetes.io/metadata.name` label. */
export function namespacePeer(namespace: string, podLabels?: Record<string, string>): k8s.NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
    ...(podLabels ? { podSelector: { matchLabels: podLabels } } : {}),
  };
}

/** The name, namespace and pod selector of a tier or a cdk8s-plus workload, checked. */
function podsOf(field: string, group: IPodGroup | ILabelSelectedWorkload): IPodGroup {
  if (group === null || typeof group !== 'object') {
    throw new ValidationError(field, group, 'Must be pods: a WebTier, PostgresDatabase, its standbys, a PostgresBackup, a cdk8s-plus workload or { namespace, name, selector }.');
  }
  if ('selector' in group) {
    checkSelector(field, group.selector);
    return group;
  }
  const workload = group as Partial<ILabelSelectedWorkload>;
  const matchLabels = workload.matchLabels;
  // A Job selects no labels of its own: its pods are those that carry its template's labels.
  const selector = matchLabels !== undefined && Object.keys(matchLabels).length === 0 && workload.podMetadata !== undefined
    ? workload.podMetadata.toJson().labels ?? {} : matchLabels;
  checkSelector(field, selector);
  const expressions = group.matchExpressions ?? [];
  if (expressions.length > 0) {
    throw new ValidationError(`${field}: matchExpressions`, expressions,
      'Must be empty: the policies select pods by matchLabels only, and without the expressions they would match more pods than the workload runs.');
  }
  const namespace = group.metadata?.namespace;
  if (namespace === undefined) {
    throw new ValidationError(`${field}: metadata.namespace`, namespace,
      `Must be set on "${group.name}" (or on its Chart): a NetworkPolicy applies to the pods of one namespace, and without one kubectl picks it at apply time.`);
  }
  return { namespace, name: group.name, selector: selector! };
}

function checkSelector(field: string, selector: unknown): void {
  if (typeof selector !== 'object' || selector === null || Object.keys(selector).length === 0) {
    throw new ValidationError(`${field}: selector`, selector, 'Must hold at least one label: an empty selector would open the policy to every pod.');
  }
}
