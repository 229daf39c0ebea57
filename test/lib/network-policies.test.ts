import { Chart } from 'cdk8s';
import * as kplus27 from 'cdk8s-plus-27';
import * as kplus33 from 'cdk8s-plus-33';
import { NetworkPolicies, Peer } from '../../lib/network-policies';
import { all, find, synthIn } from '../support';

const web = { namespace: 'default', name: 'web', selector: { app: 'web' } };
const db = { namespace: 'default', name: 'database', selector: { app: 'db' } };
const tcp = (port: number) => ({ protocol: 'TCP', port });
const names = (m: ReturnType<typeof synthIn>) => all(m, 'NetworkPolicy').map((p) => p.metadata.name);

describe('NetworkPolicies', () => {
  test('alone: deny all, DNS egress to the cluster DNS pods only', () => {
    const m = synthIn((c) => new NetworkPolicies(c, 'np'));
    expect(names(m)).toEqual(['default-deny-all', 'allow-dns-egress']);
    expect(find(m, 'NetworkPolicy', 'default-deny-all').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(find(m, 'NetworkPolicy', 'allow-dns-egress').spec).toEqual({
      podSelector: {}, policyTypes: ['Egress'],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      }],
    });
  });

  test('allow between two tiers: egress on the sender, ingress on the receiver, named after both', () => {
    const m = synthIn((c) => new NetworkPolicies(c, 'np').allow(web, db, { port: 5432 }));
    expect(names(m)).toEqual(['default-deny-all', 'allow-dns-egress', 'allow-web-to-database-egress', 'allow-web-to-database-ingress']);
    expect(find(m, 'NetworkPolicy', 'allow-web-to-database-egress').spec).toEqual({
      podSelector: { matchLabels: web.selector }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: db.selector } }], ports: [tcp(5432)] }],
    });
    expect(find(m, 'NetworkPolicy', 'allow-web-to-database-ingress').spec).toEqual({
      podSelector: { matchLabels: db.selector }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: web.selector } }], ports: [tcp(5432)] }],
    });
  });

  test('from another namespace: only an ingress policy, named after the receiver', () => {
    const m = synthIn((c) => new NetworkPolicies(c, 'np').allow(Peer.namespace('ingress-nginx'), web, { port: 8080 }));
    expect(find(m, 'NetworkPolicy', 'allow-web-ingress').spec).toEqual({
      podSelector: { matchLabels: web.selector }, policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [tcp(8080)] }],
    });
    expect(names(m)).not.toContain('allow-web-egress');
  });

  test('to addresses outside the cluster: only an egress policy; anyAddress has no to/from', () => {
    const m = synthIn((c) => {
      const np = new NetworkPolicies(c, 'np', { dnsTo: Peer.anyAddress() });
      np.allow(web, Peer.cidrs(['10.20.0.0/16'], 'database'), { port: 5432 });
      np.allow(Peer.anyAddress(), web, { port: 8080 }, { name: 'web' });
    });
    expect(find(m, 'NetworkPolicy', 'allow-web-to-database-egress').spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [tcp(5432)] }]);
    expect(names(m)).not.toContain('allow-web-to-database-ingress');
    expect(find(m, 'NetworkPolicy', 'allow-web-ingress').spec.ingress).toEqual([{ ports: [tcp(8080)] }]);
    expect(find(m, 'NetworkPolicy', 'allow-dns-egress').spec.egress).toEqual([{ ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }]);
  });

  test('several receivers: one egress rule to all, numbered ingress policies; the same name again adds a rule', () => {
    const backup = { namespace: 'default', name: 'backup', selector: { app: 'backup' } };
    const m = synthIn((c) => {
      const np = new NetworkPolicies(c, 'np', { defaultDeny: false, dnsTo: 'none' });
      np.allow(backup, [db, web, db], { port: 5432 });
      np.allow(backup, Peer.clusterDns(), [{ port: 53, protocol: 'UDP' }], { name: 'backup-to-database-to-web' });
    });
    expect(names(m)).toEqual(['allow-backup-to-database-to-web-egress', 'allow-backup-to-database-to-web-ingress', 'allow-backup-to-database-to-web-ingress-2']);
    const egress = find(m, 'NetworkPolicy', 'allow-backup-to-database-to-web-egress').spec.egress;
    expect(egress.map((r: any) => r.to.length)).toEqual([2, 1]);
    expect(egress[1].ports).toEqual([{ protocol: 'UDP', port: 53 }]);
  });

  test('each policy is reachable: defaultDeny, dnsEgress, and what allow() returns', () => {
    synthIn((c) => {
      const np = new NetworkPolicies(c, 'np');
      const connection = np.allow(web, db, { port: 5432 });
      expect([np.defaultDeny?.name, np.dnsEgress?.name, connection.egress?.name, ...connection.ingress.map((p) => p.name)])
        .toEqual(['default-deny-all', 'allow-dns-egress', 'allow-web-to-database-egress', 'allow-web-to-database-ingress']);
    });
  });

  test.each<[string, (np: NetworkPolicies, c: Chart) => void, RegExp]>([
    ['an empty selector', (np) => np.allow({ ...web, selector: {} }, db, { port: 1 }), /np: allow from: selector: \{\}\. Must hold at least one label/],
    ['a string for a tier', (np) => np.allow(web, 'database' as any, { port: 1 }), /np: allow to: "database"\. Must be a Peer, a tier/],
    ['no receivers', (np) => np.allow(web, [], { port: 1 }), /np: allow to: \[\]\. Must name at least one peer/],
    ['Peer.pods with an empty selector', () => Peer.pods({ ...web, selector: {} }), /Peer\.pods: selector: \{\}\. Must hold at least one label/],
    ['port 0', (np) => np.allow(web, db, { port: 0 }), /allow ports\[0\]\.port: 0\. Must be an integer from 1 to 65535/],
    ['an unknown protocol', (np) => np.allow(web, db, { port: 1, protocol: 'HTTP' as any }), /allow ports\[0\]\.protocol: "HTTP"\. Must be one of/],
    ['no ports', (np) => np.allow(web, db, []), /allow ports: \[\]\. Must name at least one port/],
    ['neither end in the namespace', (np) => np.allow(Peer.namespace('a'), Peer.cidrs(['10.0.0.0/8']), { port: 1 }, { name: 'x' }), /Neither end is pods that can carry a policy/],
    ['no name to derive', (np) => np.allow(Peer.namespace('a'), Peer.allPods(), { port: 1 }), /allow options\.name: \(not set\)\. Required when neither peer has a name/],
    ['one name on other pods', (np) => { np.allow(web, db, { port: 1 }, { name: 'x' }); np.allow(db, web, { port: 1 }, { name: 'x' }); }, /options\.name: "allow-x-egress"\. Already names a policy on other pods/],
    ['a CIDR without a prefix', () => Peer.cidrs(['10.0.0.0']), /"10\.0\.0\.0"\. Must be a CIDR/],
    ['a bad IPv4 CIDR', () => Peer.cidrs(['999.1.1.1/8']), /"999\.1\.1\.1\/8"\. Must be a CIDR/],
    ['an IPv6 prefix above 128', () => Peer.cidrs(['2001:db8::/129']), /"2001:db8::\/129"\. Must be a CIDR/],
    ['no CIDRs', () => Peer.cidrs([]), /Peer\.cidrs: \[\]\. Must be a non-empty list/],
    ['no raw peers', () => Peer.of([]), /Peer\.of: \[\]\. Must be a non-empty list of peers/],
    ['a raw peer without a selector', () => Peer.of([{}]), /Peer\.of: \{\}\. Each peer needs podSelector, namespaceSelector or ipBlock/],
    ['cluster DNS without pod labels', () => Peer.clusterDns('kube-system', {}), /Peer\.clusterDns: podLabels: \{\}\. Must hold at least one label/],
    ['a namespace that is no DNS label', () => Peer.namespace('Ingress_Nginx'), /Peer\.namespace: namespace: "Ingress_Nginx"\. Must be a DNS-1123 label/],
    ['dnsTo as raw peers', (_np, c) => new NetworkPolicies(c, 'np2', { dnsTo: [{ ipBlock: { cidr: '10.0.0.10/32' } }] as any }), /np2: dnsTo: \[.*\]\. Must be a Peer/],
  ])('rejects %s', (_what, build, message) => {
    expect(() => synthIn((c) => build(new NetworkPolicies(c, 'np'), c))).toThrow(message);
  });
});

describe('NetworkPolicies of many applications', () => {
  test('default-deny and DNS are rendered once per namespace and shared; allows stay with each application', () => {
    let shop: NetworkPolicies, blog: NetworkPolicies;
    const m = synthIn((c) => {
      shop = new NetworkPolicies(c, 'shop', { namespace: 'apps' });
      blog = new NetworkPolicies(c, 'blog', { namespace: 'apps' });
      shop.allow(Peer.namespace('traefik'), { ...web, namespace: 'apps', name: 'shop', selector: { app: 'shop' } }, { port: 8080 });
      blog.allow(Peer.namespace('traefik'), { ...web, namespace: 'apps', name: 'blog', selector: { app: 'blog' } }, { port: 8080 });
      new NetworkPolicies(c, 'other', { namespace: 'other' });
    });
    expect(all(m, 'NetworkPolicy').map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual([
      'apps/default-deny-all', 'apps/allow-dns-egress', 'apps/allow-shop-ingress', 'apps/allow-blog-ingress', 'other/default-deny-all', 'other/allow-dns-egress',
    ]);
    expect(blog!.defaultDeny).toBe(shop!.defaultDeny);
    expect(blog!.dnsEgress).toBe(shop!.dnsEgress);
    expect(blog!.policies.map((p) => p.name)).toEqual(['allow-blog-ingress']);
  });

  test('one that renders no default-deny or DNS leaves them to the next', () => {
    const m = synthIn((c) => {
      new NetworkPolicies(c, 'extra', { defaultDeny: false, dnsTo: 'none' });
      new NetworkPolicies(c, 'app');
    });
    expect(names(m)).toEqual(['default-deny-all', 'allow-dns-egress']);
  });

  test('a second DNS destination in one namespace is refused, naming the first', () => {
    expect(() => synthIn((c) => {
      new NetworkPolicies(c, 'a');
      new NetworkPolicies(c, 'b', { dnsTo: Peer.anyAddress() });
    })).toThrow(/test\/b: dnsTo: "any address"\. Must be the DNS destination the namespace "default" already has .*from test\/a: dnsTo\)/);
  });

  test('across namespaces: each policy in the namespace of its pods, the other end named by its namespace', () => {
    const front = { namespace: 'front', name: 'web', selector: { app: 'web' } };
    const data = { namespace: 'data', name: 'db', selector: { app: 'db' } };
    const m = synthIn((c) => new NetworkPolicies(c, 'np', { namespace: 'front' }).allow(front, data, { port: 5432 }));
    const egress = m.find((p) => p.metadata.name === 'allow-web-to-db-egress')!;
    const ingress = m.find((p) => p.metadata.name === 'allow-web-to-db-ingress')!;
    expect([egress.metadata.namespace, ingress.metadata.namespace]).toEqual(['front', 'data']);
    const ns = (n: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': n } } });
    expect(egress.spec.egress).toEqual([{ to: [{ ...ns('data'), podSelector: { matchLabels: data.selector } }], ports: [tcp(5432)] }]);
    expect(ingress.spec.ingress).toEqual([{ from: [{ ...ns('front'), podSelector: { matchLabels: front.selector } }], ports: [tcp(5432)] }]);
  });

  test.each([['cdk8s-plus-27', kplus27], ['cdk8s-plus-33', kplus33]] as const)('a %s Deployment is pods to allow() as it is', (_name, kplus) => {
    const m = synthIn((c) => {
      const worker = new kplus.Deployment(c, 'worker', { metadata: { name: 'worker', namespace: 'default' }, containers: [{ image: 'worker:1', portNumber: 9000 }] });
      const np = new NetworkPolicies(c, 'np');
      np.allow(worker, db, { port: 5432 });
      np.allow(web, worker, { port: 9000 });
    });
    const workerLabels = all(m, 'Deployment')[0]!.spec.selector.matchLabels;
    expect(Object.keys(workerLabels)).toEqual(['cdk8s.io/metadata.addr']);
    expect(find(m, 'NetworkPolicy', 'allow-worker-to-database-egress').spec.podSelector).toEqual({ matchLabels: workerLabels });
    expect(find(m, 'NetworkPolicy', 'allow-web-to-worker-ingress').spec.podSelector).toEqual({ matchLabels: workerLabels });
  });

  test('cdk8s-plus StatefulSets, DaemonSets and Jobs are pods to allow() too, with no cast', () => {
    const m = synthIn((c) => {
      const meta = (name: string) => ({ metadata: { name, namespace: 'default' } });
      const cache = new kplus33.StatefulSet(c, 'cache', { ...meta('cache'), containers: [{ image: 'cache:1', portNumber: 6379 }] });
      const agent = new kplus33.DaemonSet(c, 'agent', { ...meta('agent'), containers: [{ image: 'agent:1' }] });
      const job = new kplus27.Job(c, 'migrate', { ...meta('migrate'), containers: [{ image: 'migrate:1' }] });
      const np = new NetworkPolicies(c, 'np');
      np.allow(web, cache, { port: 6379 });
      np.allow(agent, web, { port: 8080 });
      np.allow(job, db, { port: 5432 });
    });
    expect(all(m, 'NetworkPolicy').map((p) => p.metadata.name)).toEqual(expect.arrayContaining([
      'allow-web-to-cache-ingress', 'allow-agent-to-web-egress', 'allow-migrate-to-database-egress',
    ]));
    const cacheLabels = all(m, 'StatefulSet')[0]!.spec.selector.matchLabels;
    expect(find(m, 'NetworkPolicy', 'allow-web-to-cache-ingress').spec.podSelector).toEqual({ matchLabels: cacheLabels });
    // A Job has no selector of its own: its pod template's labels select its pods.
    const jobLabels = all(m, 'Job')[0]!.spec.template.metadata.labels;
    expect(Object.keys(jobLabels)).toEqual(['cdk8s.io/metadata.addr']);
    expect(find(m, 'NetworkPolicy', 'allow-migrate-to-database-egress').spec.podSelector).toEqual({ matchLabels: jobLabels });
  });

  test.each([
    ['match expressions', (c: Chart) => {
      const w = new kplus27.Deployment(c, 'w', { metadata: { namespace: 'default' }, containers: [{ image: 'w:1' }] });
      w.select(kplus27.LabelSelector.of({ expressions: [kplus27.LabelExpression.in('tier', ['a'])] }));
      return w;
    }, /np: allow from: matchExpressions: .*Must be empty: the policies select pods by matchLabels only/],
    ['no namespace', (c: Chart) => new kplus27.Deployment(c, 'w', { containers: [{ image: 'w:1' }] }), /np: allow from: metadata\.namespace: \(not set\)\. Must be set on "test-w-c8\w+"/],
  ])('a cdk8s-plus workload with %s is refused', (_what, make, message) => {
    expect(() => synthIn((c) => new NetworkPolicies(c, 'np').allow(make(c), db, { port: 1 }))).toThrow(message);
  });
});
