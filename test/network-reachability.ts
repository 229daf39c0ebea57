/**
 * A small evaluator of rendered NetworkPolicies: may a pod open a TCP/UDP port of another
 * pod? It follows the semantics of networking.k8s.io/v1 as the API documents them:
 *
 * - A pod is isolated for ingress (egress) when some policy of its namespace selects it
 *   and lists Ingress (Egress) in policyTypes (policyTypes absent: Ingress, plus Egress
 *   when the policy has egress rules). A non-isolated direction allows everything.
 * - An isolated direction allows a connection when any rule of any selecting policy
 *   allows it: the rule's peers (absent or empty: any peer) and ports (absent or empty:
 *   any port) both match.
 * - A peer with only podSelector means pods of the policy's namespace; with only
 *   namespaceSelector every pod of the matching namespaces; with both, those pods of those
 *   namespaces. ipBlock peers name addresses outside the cluster and match no pod here
 *   (pod addresses are not modelled), which errs on the side of "denied" for pods.
 * - A port is a number or the name of a container port of the receiving pod; endPort
 *   makes a range; protocol defaults to TCP.
 * - Namespaces carry the immutable label kubernetes.io/metadata.name, plus the labels of a
 *   rendered Namespace object.
 *
 * A connection happens when the sender's egress and the receiver's ingress both allow it.
 */

/** A label selector as the API writes it. */
export interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** A pod as the evaluator sees it: where it runs, its labels, its container ports. */
export interface Pod {
  /** For messages: e.g. `apps/shop`. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly ports: readonly { name?: string; containerPort: number; protocol?: string }[];
}

interface Manifest { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: any }

/** Whether `labels` satisfy `selector` (undefined selector: never; `{}`: always). */
export function matches(selector: Selector | undefined, labels: Record<string, string>): boolean {
  if (selector === undefined || selector === null) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const value = labels[e.key];
    switch (e.operator) {
      case 'In': if (!has || !(e.values ?? []).includes(value!)) return false; break;
      case 'NotIn': if (has && (e.values ?? []).includes(value!)) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: throw new Error(`unknown selector operator ${e.operator}`);
    }
  }
  return true;
}

/** The pods of the workloads among `manifests` (one per workload, with its template's labels). */
export function podsOf(manifests: Manifest[]): Pod[] {
  const pods: Pod[] = [];
  for (const m of manifests) {
    const template = m.kind === 'CronJob' ? m.spec?.jobTemplate?.spec?.template
      : ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet'].includes(m.kind) ? m.spec?.template : undefined;
    if (!template) continue;
    pods.push({
      name: `${m.metadata.namespace}/${m.metadata.name}`,
      namespace: m.metadata.namespace ?? 'default',
      labels: template.metadata?.labels ?? {},
      ports: (template.spec?.containers ?? []).flatMap((c: any) => c.ports ?? []),
    });
  }
  return pods;
}

/** Evaluates the NetworkPolicies of `manifests`. */
export class Reachability {
  private readonly policies: Manifest[];
  private readonly namespaceLabels = new Map<string, Record<string, string>>();

  constructor(manifests: Manifest[]) {
    this.policies = manifests.filter((m) => m.kind === 'NetworkPolicy');
    for (const m of manifests.filter((n) => n.kind === 'Namespace')) this.namespaceLabels.set(m.metadata.name, m.metadata.labels ?? {});
  }

  /** May `from` open `port` (a number) of `to` over `protocol`? */
  public allowed(from: Pod, to: Pod, port: number, protocol = 'TCP'): boolean {
    return this.direction('Egress', from, to, port, protocol) && this.direction('Ingress', to, from, port, protocol);
  }

  /** Every `from -> to:port` connection allowed among `pods`, to each container port of the receiver. */
  public matrix(pods: readonly Pod[]): string[] {
    const out: string[] = [];
    for (const from of pods) {
      for (const to of pods) {
        if (from === to) continue;
        for (const p of to.ports) {
          if (this.allowed(from, to, p.containerPort, p.protocol ?? 'TCP')) out.push(`${from.name} -> ${to.name}:${p.containerPort}`);
        }
      }
    }
    return out.sort();
  }

  private labelsOfNamespace(namespace: string): Record<string, string> {
    return { ...this.namespaceLabels.get(namespace), 'kubernetes.io/metadata.name': namespace };
  }

  /** `self`'s policies of `type` and whether they let it talk to `other` (the receiver for Egress, the sender for Ingress). */
  private direction(type: 'Ingress' | 'Egress', self: Pod, other: Pod, port: number, protocol: string): boolean {
    const selecting = this.policies.filter((np) => (np.metadata.namespace ?? 'default') === self.namespace
      && typesOf(np).includes(type) && matches(np.spec?.podSelector ?? {}, self.labels));
    if (selecting.length === 0) return true;
    const receiver = type === 'Egress' ? other : self;
    return selecting.some((np) => ((type === 'Egress' ? np.spec?.egress : np.spec?.ingress) ?? []).some((rule: any) => {
      const peers = type === 'Egress' ? rule.to : rule.from;
      const peerOk = peers === undefined || peers.length === 0 || peers.some((peer: any) => this.peerMatches(peer, np.metadata.namespace ?? 'default', other));
      const portOk = rule.ports === undefined || rule.ports.length === 0 || rule.ports.some((p: any) => portMatches(p, receiver, port, protocol));
      return peerOk && portOk;
    }));
  }

  private peerMatches(peer: any, policyNamespace: string, pod: Pod): boolean {
    if (peer.ipBlock) return false;
    const nsOk = peer.namespaceSelector === undefined ? pod.namespace === policyNamespace : matches(peer.namespaceSelector, this.labelsOfNamespace(pod.namespace));
    const podOk = peer.podSelector === undefined ? true : matches(peer.podSelector, pod.labels);
    return nsOk && podOk;
  }
}

function typesOf(np: Manifest): string[] {
  return np.spec?.policyTypes ?? ['Ingress', ...(np.spec?.egress ? ['Egress'] : [])];
}

function portMatches(p: any, receiver: Pod, port: number, protocol: string): boolean {
  if ((p.protocol ?? 'TCP') !== protocol) return false;
  if (p.port === undefined) return true;
  if (typeof p.port === 'string') {
    return receiver.ports.some((c) => c.name === p.port && c.containerPort === port && (c.protocol ?? 'TCP') === protocol);
  }
  return p.endPort === undefined ? p.port === port : port >= p.port && port <= p.endPort;
}
