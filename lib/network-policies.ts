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
   * Where web traffic may come from. Ingress controllers run in different namespaces
   * (or on the host network) on every distribution, so the default admits any source,
   * on the web port only. Narrow it with e.g.
   * `[{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }]`.
   * @default - any source
   */
  readonly webIngressFrom?: k8s.NetworkPolicyPeer[];
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
    const meta = (name: string) => ({ name, namespace, labels: props.labels });
    const tcp = (port: number): k8s.NetworkPolicyPort => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });

    new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: meta('default-deny-all'),
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });

    // Port 53 to any address: the cluster DNS may be a pod, a node-local cache or a
    // host process depending on the distribution, so no selector fits them all.
    new k8s.KubeNetworkPolicy(this, 'AllowDnsEgress', {
      metadata: meta('allow-dns-egress'),
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, tcp(53)] }],
      },
    });

    new k8s.KubeNetworkPolicy(this, 'AllowWebIngress', {
      metadata: meta('allow-web-ingress'),
      spec: {
        podSelector: { matchLabels: props.webSelector },
        policyTypes: ['Ingress'],
        ingress: [{ from: props.webIngressFrom, ports: [tcp(webPort)] }],
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
