/**
 * Many applications from lib/'s constructs (examples/many-apps/chart.ts): two in one
 * namespace, a third in two others (web tier and database apart). Through synth (which refuses duplicate objects), the
 * strict schema check, the policy plugin, and an evaluation of the rendered
 * NetworkPolicies over every pod and port (test/network-reachability.ts).
 */
import { App } from 'cdk8s';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { ManyAppsChart } from '../examples/many-apps/chart';
import { ROLE_LABEL } from '../lib/postgres-database';
import { checkPolicy, formatResult } from '../plugins/refarch-policy';
import { formatIssue, validateYaml } from '../schema-check/validator';
import { Pod, Reachability, matches, podsOf } from './network-reachability';

function synth(): { yaml: string; objects: any[]; chart: ManyAppsChart } {
  const app = new App({ outdir: path.join(os.tmpdir(), 'refarch-tests-never-written') });
  const chart = new ManyAppsChart(app, 'many');
  const yaml = app.synthYaml();
  return { yaml, objects: YAML.parseAllDocuments(yaml).map((d) => d.toJS()), chart };
}

const { yaml, objects, chart } = synth();
const names = (kind: string, namespace: string) => objects.filter((o) => o.kind === kind && o.metadata.namespace === namespace).map((o) => o.metadata.name).sort();

test('every object is named after its application; the namespace-wide policies are rendered once per namespace', () => {
  expect(names('Deployment', 'apps')).toEqual(['blog', 'shop']);
  expect(names('StatefulSet', 'apps')).toEqual(['blog-db', 'shop-db']);
  expect(names('ConfigMap', 'apps')).toEqual(['blog-config', 'blog-db-backup-scripts', 'blog-db-config', 'blog-db-scripts', 'shop-config', 'shop-db-backup-scripts', 'shop-db-config']);
  expect(names('ServiceAccount', 'apps')).toEqual(['blog', 'blog-db', 'blog-db-backup', 'blog-db-backup-restore', 'shop', 'shop-db', 'shop-db-backup', 'shop-db-backup-restore']);
  expect(names('Service', 'apps')).toEqual(['blog', 'blog-db', 'blog-db-config', 'blog-db-headless', 'blog-db-read', 'shop', 'shop-db', 'shop-db-headless']);
  for (const namespace of ['apps', 'team-b', 'team-b-data']) {
    const policies = names('NetworkPolicy', namespace);
    expect(policies.filter((n) => n === 'default-deny-all' || n === 'allow-dns-egress')).toEqual(['allow-dns-egress', 'default-deny-all']);
  }
  // An application across two namespaces: each policy in the namespace of the pods it selects.
  expect(names('NetworkPolicy', 'team-b')).toEqual(['allow-dns-egress', 'allow-wiki-ingress', 'allow-wiki-to-wiki-db-egress', 'default-deny-all']);
  expect(names('NetworkPolicy', 'team-b-data')).toEqual([
    'allow-dns-egress', 'allow-wiki-db-backup-egress', 'allow-wiki-db-backup-ingress', 'allow-wiki-to-wiki-db-ingress', 'default-deny-all',
  ]);
  // Shared, not copied: the second application of the namespace rendered neither.
  const [shop, blog] = chart.apps;
  expect(blog!.policies.defaultDeny).toBe(shop!.policies.defaultDeny);
  expect(blog!.policies.policies.map((p) => p.name)).toEqual(['allow-blog-ingress', 'allow-blog-to-blog-db-egress', 'allow-blog-to-blog-db-ingress']);
});

test('each application reads its own database: the connection settings come from the database construct', () => {
  const config = (name: string, namespace: string) => objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name && o.metadata.namespace === namespace).data;
  expect(config('shop-config', 'apps')).toEqual({
    APP_TITLE: 'shop', DB_HOST: 'shop-db.apps.svc.cluster.local', DB_NAME: 'shop', DB_PORT: '5432', DB_SSLMODE: 'disable', DB_USER: 'shop', LOG_LEVEL: 'info',
  });
  expect(config('blog-config', 'apps')).toMatchObject({ DB_HOST: 'blog-db.apps.svc.cluster.local', DB_READ_HOST: 'blog-db-read.apps.svc.cluster.local', DB_NAME: 'blog' });
  expect(config('wiki-config', 'team-b')).toMatchObject({ DB_HOST: 'wiki-db.team-b-data.svc.cluster.local' });
  // Across namespaces the app reads a copy of the password Secret in its own namespace.
  const wiki = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'wiki');
  expect(wiki.spec.template.spec.containers[0].env).toContainEqual({ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'wiki-credentials', key: 'password' } } });
  // The password from the database's Secret, which holds what the database needs.
  const web = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'blog');
  expect(web.spec.template.spec.containers[0].env).toContainEqual({ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'blog-db-credentials', key: 'password' } } });
  expect(chart.apps[1]!.db.secretKeys).toEqual(['password', 'replication-password', 'superuser-password']);
  expect(chart.apps[0]!.db.secretKeys).toEqual(['password']);
});

test('the output passes the strict schema check and the policy plugin', () => {
  expect(validateYaml('many.k8s.yaml', yaml, { minors: ['1.27'] }).map(formatIssue)).toEqual([]);
  // The two Patroni switches, with their reasons, as in the prod environment.
  expect(formatResult(checkPolicy([{ file: 'many.k8s.yaml', objects }]))).toMatch(/\nrefarch-policy: 0 violations, 2 rules switched off by annotation\.$/);
});

/** Every pod of the chart (Patroni's members as a leader and a replica, the labels it sets at run time), a proxy and an intruder. */
function pods(): Pod[] {
  const rendered = podsOf(objects).flatMap((pod) => {
    if (pod.name !== 'apps/blog-db') return [pod];
    return ['primary', 'replica'].map((role) => ({ ...pod, name: `apps/blog-db(${role})`, labels: { ...pod.labels, [ROLE_LABEL]: role } }));
  });
  return [
    ...rendered,
    { name: 'traefik/traefik', namespace: 'traefik', labels: { 'app.kubernetes.io/name': 'traefik' }, ports: [{ containerPort: 8000 }] },
    { name: 'apps/intruder', namespace: 'apps', labels: { run: 'debug' }, ports: [{ containerPort: 5432 }] },
  ];
}

test('reachability: each application reaches its own database and nothing of another application', () => {
  const all = pods();
  expect(all.map((p) => p.name).sort()).toEqual([
    'apps/blog', 'apps/blog-db(primary)', 'apps/blog-db(replica)', 'apps/blog-db-backup', 'apps/blog-db-backup-restore', 'apps/intruder',
    'apps/shop', 'apps/shop-db', 'apps/shop-db-backup', 'apps/shop-db-backup-restore',
    'team-b-data/wiki-db', 'team-b-data/wiki-db-backup', 'team-b-data/wiki-db-backup-restore', 'team-b/wiki', 'traefik/traefik',
  ]);
  const allowed = new Reachability(objects).matrix(all);
  expect(allowed).toEqual([
    // Patroni's members reach each other (PostgreSQL and Patroni's REST API).
    'apps/blog-db(primary) -> apps/blog-db(replica):5432', 'apps/blog-db(primary) -> apps/blog-db(replica):8008',
    'apps/blog-db(replica) -> apps/blog-db(primary):5432', 'apps/blog-db(replica) -> apps/blog-db(primary):8008',
    // Backups dump from the replicas when there are some, else from the primary; restores write to the primary.
    'apps/blog-db-backup -> apps/blog-db(primary):5432', 'apps/blog-db-backup -> apps/blog-db(replica):5432',
    'apps/blog-db-backup-restore -> apps/blog-db(primary):5432', 'apps/blog-db-backup-restore -> apps/blog-db(replica):5432',
    'apps/blog -> apps/blog-db(primary):5432', 'apps/blog -> apps/blog-db(replica):5432',
    'apps/shop -> apps/shop-db:5432', 'apps/shop-db-backup -> apps/shop-db:5432', 'apps/shop-db-backup-restore -> apps/shop-db:5432',
    'team-b/wiki -> team-b-data/wiki-db:5432', 'team-b-data/wiki-db-backup -> team-b-data/wiki-db:5432', 'team-b-data/wiki-db-backup-restore -> team-b-data/wiki-db:5432',
    'traefik/traefik -> apps/blog:8080', 'traefik/traefik -> apps/shop:8080', 'traefik/traefik -> team-b/wiki:8080',
  ].sort());
  // The statement of the issue, spelled out: app A's pods cannot open app B's database port.
  const pod = (name: string) => all.find((p) => p.name === name)!;
  const r = new Reachability(objects);
  expect(r.allowed(pod('apps/shop'), pod('apps/blog-db(primary)'), 5432)).toBe(false);
  expect(r.allowed(pod('apps/blog'), pod('apps/shop-db'), 5432)).toBe(false);
  expect(r.allowed(pod('team-b/wiki'), pod('apps/shop-db'), 5432)).toBe(false);
  expect(r.allowed(pod('apps/shop'), pod('team-b-data/wiki-db'), 5432)).toBe(false);
  expect(r.allowed(pod('apps/shop'), pod('apps/shop-db'), 5432)).toBe(true);
});

test('the evaluator can fail: selectors without the instance label would open one application\'s database to another', () => {
  // What policies that select "the database" by kind rather than by instance would do.
  const dropInstance = (node: any): any => {
    if (Array.isArray(node)) return node.map(dropInstance);
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(Object.entries(node).filter(([k]) => k !== 'app.kubernetes.io/instance').map(([k, v]) => [k, dropInstance(v)]));
  };
  const loose = objects.map((o) => (o.kind === 'NetworkPolicy' ? dropInstance(o) : o));
  const all = pods();
  const pod = (name: string) => all.find((p) => p.name === name)!;
  expect(new Reachability(objects).allowed(pod('apps/blog'), pod('apps/shop-db'), 5432)).toBe(false);
  expect(new Reachability(loose).allowed(pod('apps/blog'), pod('apps/shop-db'), 5432)).toBe(true);
  // And the shared default-deny is what closes the pods no application allows anything to.
  const withoutDeny = objects.filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata.name === 'default-deny-all' && o.metadata.namespace === 'apps'));
  expect(new Reachability(objects).allowed(pod('traefik/traefik'), pod('apps/intruder'), 5432)).toBe(false);
  expect(new Reachability(withoutDeny).allowed(pod('traefik/traefik'), pod('apps/intruder'), 5432)).toBe(true);
});

describe('the evaluator', () => {
  const pod = (namespace: string, labels: Record<string, string>, ports = [{ name: 'http', containerPort: 80 }]): Pod => ({ name: `${namespace}/${JSON.stringify(labels)}`, namespace, labels, ports });
  const policy = (namespace: string, spec: any) => ({ kind: 'NetworkPolicy', metadata: { name: 'p', namespace }, spec });

  test('no policy: everything is allowed; a selecting policy without rules: nothing', () => {
    const a = pod('n', { app: 'a' });
    const b = pod('n', { app: 'b' });
    expect(new Reachability([]).allowed(a, b, 80)).toBe(true);
    expect(new Reachability([policy('n', { podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'] })]).allowed(a, b, 80)).toBe(false);
    expect(new Reachability([policy('other', { podSelector: {}, policyTypes: ['Ingress'] })]).allowed(a, b, 80)).toBe(true);
  });

  test('named ports, port ranges, protocols and peers of other namespaces', () => {
    const a = pod('n', { app: 'a' });
    const b = pod('m', { app: 'b' }, [{ name: 'http', containerPort: 80 }, { name: 'metrics', containerPort: 9090 }]);
    const ingress = (from: any, ports: any) => [policy('m', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from, ports }] })];
    const ns = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'n' } } };
    expect(new Reachability(ingress([ns], [{ port: 'http' }])).allowed(a, b, 80)).toBe(true);
    expect(new Reachability(ingress([ns], [{ port: 'http' }])).allowed(a, b, 9090)).toBe(false);
    expect(new Reachability(ingress([ns], [{ port: 9000, endPort: 9100 }])).allowed(a, b, 9090)).toBe(true);
    expect(new Reachability(ingress([ns], [{ port: 80, protocol: 'UDP' }])).allowed(a, b, 80)).toBe(false);
    // A bare podSelector means the policy's own namespace.
    expect(new Reachability(ingress([{ podSelector: { matchLabels: { app: 'a' } } }], undefined)).allowed(a, b, 80)).toBe(false);
    expect(new Reachability(ingress([{ ...ns, podSelector: { matchLabels: { app: 'a' } } }], undefined)).allowed(a, b, 80)).toBe(true);
    expect(new Reachability(ingress([{ ipBlock: { cidr: '0.0.0.0/0' } }], undefined)).allowed(a, b, 80)).toBe(false);
  });

  test('selectors: matchLabels and matchExpressions', () => {
    expect(matches({}, { a: '1' })).toBe(true);
    expect(matches({ matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '2'] }] }, { a: '2' })).toBe(true);
    expect(matches({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, { a: '1' })).toBe(false);
    expect(matches({ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, {})).toBe(true);
    expect(matches({ matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'Exists' }] }, { a: '1' })).toBe(false);
  });
});
