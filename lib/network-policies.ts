/**
 * Least-privilege NetworkPolicies for a web tier and its database: deny everything
 * in the namespace, then allow exactly DNS, traffic into the web pods, and web to
 * database.
 */
import * as k8s from '../imports/k8s';
import { Construct } from 'constructs';
import { ValidationError, fieldOf, namespaceFor, validateCidr, validatePort } from './prop-checks';
import { checkUniqueObjects } from './unique-objects';

/** Props of {@link NetworkPolicies}. */
export interface NetworkPoliciesProps {
  /**
   * Namespace the policies govern.
   * @default - the Chart's namespace, else 'default'
   */
  readonly namespace?: string;
  /** Labels selecting the web pods. */
  readonly webSelector: Record<string, string>;
  /** Port the web containers listen on (the Service's target port). */
  readonly webPort: number;
  /**
   * Where web traffic may come from, on the web port only: peers, or `'any'` for every
   * source (needed when the Service is a NodePort or LoadBalancer, whose traffic arrives
   * from the nodes). Use {@link namespacePeer} for an ingress controller elsewhere.
   * @default - pods in namespace `ingress-nginx` (where kind's and minikube's ingress-nginx run)
   */
  readonly webIngressFrom?: k8s.NetworkPolicyPeer[] | 'any';
  /**
   * Where the pods may send DNS queries (UDP and TCP 53): peers, or `'any'` when the
   * resolver is not a pod (NodeLocal DNSCache, a host process).
   * @default - the `k8s-app: kube-dns` pods in namespace `kube-system` (CoreDNS on kind, minikube, kubeadm)
   */
  readonly dnsTo?: k8s.NetworkPolicyPeer[] | 'any';
  /**
   * Labels selecting the database pods, when the database runs in this namespace.
   * @default - the database is outside the cluster
   */
  readonly databaseSelector?: Record<string, string>;
  /** Port of the database server. */
  readonly databasePort: number;
  /**
   * For an external database: the CIDRs it lives in. Without it, the web pods may
   * open connections to any address on `databasePort`.
   * @default - any address (external database) / the database pods (in-cluster)
   */
  readonly externalDatabaseCidrs?: string[];
  /**
   * Labels for the policies.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/** Peer for every pod of one namespace, by its immutable `kubernetes.io/metadata.name` label. */
export function namespacePeer(namespace: string, podLabels?: Record<string, string>): k8s.NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
    ...(podLabels ? { podSelector: { matchLabels: podLabels } } : {}),
  };
}

/** The cluster DNS pods on kind, minikube and kubeadm clusters. */
export const DEFAULT_DNS_PEERS: k8s.NetworkPolicyPeer[] = [namespacePeer('kube-system', { 'k8s-app': 'kube-dns' })];
/** The namespace kind's and minikube's ingress-nginx run in. */
export const DEFAULT_INGRESS_CONTROLLER_NAMESPACE = 'ingress-nginx';

/** Default-deny plus the four allow rules the architecture needs. */
export class NetworkPolicies extends Construct {
  constructor(scope: Construct, id: string, props: NetworkPoliciesProps) {
    super(scope, id);
    const f = (prop: string) => fieldOf(this, prop);
    checkUniqueObjects(this);
    const namespace = namespaceFor(this, f('namespace'), props.namespace);
    if (!props.webSelector || Object.keys(props.webSelector).length === 0) {
      throw new ValidationError(f('webSelector'), props.webSelector, 'Must hold at least one label: an empty selector would open the web rules to every pod.');
    }
    const webPort = validatePort(f('webPort'), props.webPort);
    const databasePort = validatePort(f('databasePort'), props.databasePort);
    if (props.databaseSelector && props.externalDatabaseCidrs) {
      throw new ValidationError(f('externalDatabaseCidrs'), props.externalDatabaseCidrs,
        'Conflicts with databaseSelector: the database is either in the cluster (databaseSelector) or outside it (externalDatabaseCidrs).');
    }
    for (const cidr of props.externalDatabaseCidrs ?? []) validateCidr(f('externalDatabaseCidrs'), cidr);
    const webIngressFrom = checkPeers(f('webIngressFrom'), props.webIngressFrom ?? [namespacePeer(DEFAULT_INGRESS_CONTROLLER_NAMESPACE)]);
    const dnsTo = checkPeers(f('dnsTo'), props.dnsTo ?? DEFAULT_DNS_PEERS);
    const meta = (name: string) => ({ name, namespace, labels: props.labels });
    const tcp = (port: number): k8s.NetworkPolicyPort => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });

    new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: meta('default-deny-all'),
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });

    // Port 53 only to the resolver: open to any address, it would also let a pod tunnel
    // data out through any DNS server on the internet.
    new k8s.KubeNetworkPolicy(this, 'AllowDnsEgress', {
      metadata: meta('allow-dns-egress'),
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: dnsTo, ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, tcp(53)] }],
      },
    });

    new k8s.KubeNetworkPolicy(this, 'AllowWebIngress', {
      metadata: meta('allow-web-ingress'),
      spec: {
        podSelector: { matchLabels: props.webSelector },
        policyTypes: ['Ingress'],
        ingress: [{ from: webIngressFrom, ports: [tcp(webPort)] }],
      },
    });

    const databasePeer: k8s.NetworkPolicyPeer[] | undefined = props.databaseSelector
      ? [{ podSelector: { matchLabels: props.databaseSelector } }]
      : props.externalDatabaseCidrs?.map((cidr) => ({ ipBlock: { cidr } }));
    new k8s.KubeNetworkPolicy(this, 'AllowWebToDatabaseEgress', {
      metadata: meta('allow-web-to-database-egress'),
      spec: {
        podSelector: { matchLabels: props.webSelector },
        policyTypes: ['Egress'],
        egress: [{ to: databasePeer, ports: [tcp(databasePort)] }],
      },
    });

    if (props.databaseSelector) {
      new k8s.KubeNetworkPolicy(this, 'AllowWebToDatabaseIngress', {
        metadata: meta('allow-web-to-database-ingress'),
        spec: {
          podSelector: { matchLabels: props.databaseSelector },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ podSelector: { matchLabels: props.webSelector } }], ports: [tcp(databasePort)] }],
        },
      });
    }
  }
}

/**
 * Peers as given, or undefined for `'any'` (an absent `from`/`to` means every address).
 * An empty list is refused: Kubernetes reads it as "any", which is rarely what it meant.
 */
function checkPeers(field: string, peers: k8s.NetworkPolicyPeer[] | 'any'): k8s.NetworkPolicyPeer[] | undefined {
  if (peers === 'any') return undefined;
  if (!Array.isArray(peers) || peers.length === 0) {
    throw new ValidationError(field, peers, 'Must be \'any\' or a non-empty list of peers (an empty list would admit every source).');
  }
  for (const peer of peers) {
    if (peer === null || typeof peer !== 'object' || (!peer.podSelector && !peer.namespaceSelector && !peer.ipBlock)) {
      throw new ValidationError(field, peer, 'Each peer needs podSelector, namespaceSelector or ipBlock.');
    }
  }
  return peers;
}
