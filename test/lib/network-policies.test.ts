import { NetworkPolicies } from '../../lib/network-policies';
import { all, find, synthIn } from '../support';

const web = { app: 'web' };
const db = { app: 'db' };

describe('NetworkPolicies', () => {
  test('in-cluster database: deny all, DNS egress, web ingress on its port, web<->db on the db port', () => {
    const m = synthIn((c) => new NetworkPolicies(c, 'np', { webSelector: web, webPort: 8080, databaseSelector: db, databasePort: 5432 }));
    expect(all(m, 'NetworkPolicy').map((p) => p.metadata.name)).toEqual([
      'default-deny-all', 'allow-dns-egress', 'allow-web-ingress', 'allow-web-to-database-egress', 'allow-web-to-database-ingress',
    ]);
    expect(find(m, 'NetworkPolicy', 'default-deny-all').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    // DNS only to the cluster DNS pods; the web port only from the ingress-nginx namespace.
    expect(find(m, 'NetworkPolicy', 'allow-dns-egress').spec.egress).toEqual([{
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
    }]);
    expect(find(m, 'NetworkPolicy', 'allow-web-ingress').spec).toEqual({
      podSelector: { matchLabels: web }, policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
    });
    expect(find(m, 'NetworkPolicy', 'allow-web-to-database-egress').spec.egress).toEqual([{ to: [{ podSelector: { matchLabels: db } }], ports: [{ protocol: 'TCP', port: 5432 }] }]);
    expect(find(m, 'NetworkPolicy', 'allow-web-to-database-ingress').spec).toEqual({
      podSelector: { matchLabels: db }, policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: web } }], ports: [{ protocol: 'TCP', port: 5432 }] }],
    });
  });

  test('external database: egress to the given CIDRs on the db port, no database ingress policy', () => {
    const m = synthIn((c) => new NetworkPolicies(c, 'np', { webSelector: web, webPort: 8080, databasePort: 5432, externalDatabaseCidrs: ['10.20.0.0/16'] }));
    expect(find(m, 'NetworkPolicy', 'allow-web-to-database-egress').spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ protocol: 'TCP', port: 5432 }] }]);
    expect(all(m, 'NetworkPolicy').map((p) => p.metadata.name)).not.toContain('allow-web-to-database-ingress');
  });

  test('webIngressFrom narrows who may reach the web pods', () => {
    const from = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }];
    const m = synthIn((c) => new NetworkPolicies(c, 'np', { webSelector: web, webPort: 8080, databasePort: 5432, webIngressFrom: from }));
    expect(find(m, 'NetworkPolicy', 'allow-web-ingress').spec.ingress[0].from).toEqual(from);
  });

  test('\'any\' opens the web port or DNS to every address (no from/to)', () => {
    const m = synthIn((c) => new NetworkPolicies(c, 'np', { webSelector: web, webPort: 8080, databasePort: 5432, webIngressFrom: 'any', dnsTo: 'any' }));
    expect(find(m, 'NetworkPolicy', 'allow-web-ingress').spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 8080 }] }]);
    expect(find(m, 'NetworkPolicy', 'allow-dns-egress').spec.egress).toEqual([{ ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }]);
  });

  test('dnsTo sends DNS to the given peers', () => {
    const to = [{ ipBlock: { cidr: '169.254.20.10/32' } }];
    const m = synthIn((c) => new NetworkPolicies(c, 'np', { webSelector: web, webPort: 8080, databasePort: 5432, dnsTo: to }));
    expect(find(m, 'NetworkPolicy', 'allow-dns-egress').spec.egress[0].to).toEqual(to);
  });

  test.each([
    [{ webSelector: {} }, /webSelector: \{\}\. Must hold at least one label/],
    [{ webPort: 0 }, /webPort: 0\. Must be an integer from 1 to 65535/],
    [{ databaseSelector: db, externalDatabaseCidrs: ['10.0.0.0/8'] }, /externalDatabaseCidrs: \["10\.0\.0\.0\/8"\]\. Conflicts with databaseSelector/],
    [{ externalDatabaseCidrs: ['10.0.0.0'] }, /externalDatabaseCidrs: "10\.0\.0\.0"\. Must be a CIDR/],
    [{ externalDatabaseCidrs: ['999.1.1.1/8'] }, /externalDatabaseCidrs: "999\.1\.1\.1\/8"\. Must be a CIDR/],
    [{ externalDatabaseCidrs: ['10.0.0.0/33'] }, /externalDatabaseCidrs: "10\.0\.0\.0\/33"\. Must be a CIDR/],
    [{ externalDatabaseCidrs: ['2001:db8::/129'] }, /externalDatabaseCidrs: "2001:db8::\/129"\. Must be a CIDR/],
    [{ webIngressFrom: [] }, /webIngressFrom: \[\]\. Must be 'any' or a non-empty list of peers/],
    [{ dnsTo: 'anywhere' }, /dnsTo: "anywhere"\. Must be 'any' or a non-empty list/],
    [{ dnsTo: [{}] }, /dnsTo: \{\}\. Each peer needs podSelector, namespaceSelector or ipBlock/],
  ])('rejects %j', (props, message) => {
    expect(() => synthIn((c) => new NetworkPolicies(c, 'np', { webSelector: web, webPort: 8080, databasePort: 5432, ...props } as any))).toThrow(message);
  });
});
