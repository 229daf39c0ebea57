import { Testing } from 'cdk8s';
import { ReferenceArchitecture } from '../../lib/reference-architecture';
import { Manifest, all, find } from '../support';

const synth = (props: any = {}) => Testing.synth(new ReferenceArchitecture(Testing.app(), 'env', props)) as Manifest[];

describe('ReferenceArchitecture', () => {
  test('works with no props at all', () => {
    const m = synth();
    expect(m.map((x) => `${x.kind}/${x.metadata.name}`)).toEqual([
      'Namespace/refarch', 'ConfigMap/guestbook-config', 'Deployment/guestbook', 'Service/guestbook', 'PodDisruptionBudget/guestbook',
      'Ingress/guestbook', 'Service/postgres-headless', 'Service/postgres', 'StatefulSet/postgres', 'PodDisruptionBudget/postgres',
      'NetworkPolicy/default-deny-all', 'NetworkPolicy/allow-dns-egress', 'NetworkPolicy/allow-web-ingress',
      'NetworkPolicy/allow-web-to-database-egress', 'NetworkPolicy/allow-web-to-database-ingress',
    ]);
  });

  test('the app and the database read the same ConfigMap and Secret', () => {
    const m = synth({ credentials: { password: 'pw' } });
    const web = find(m, 'Deployment').spec.template.spec.containers[0];
    const db = find(m, 'StatefulSet').spec.template.spec.containers[0];
    expect(web.envFrom).toEqual([{ configMapRef: { name: 'guestbook-config' } }]);
    const secretRef = (c: any, n: string) => c.env.find((e: any) => e.name === n).valueFrom.secretKeyRef;
    expect(secretRef(web, 'DB_PASSWORD')).toEqual(secretRef(db, 'POSTGRES_PASSWORD'));
    expect(find(m, 'ConfigMap').data.DB_HOST).toBe('postgres.refarch.svc.cluster.local');
  });

  test('external database mode: no StatefulSet, an ExternalName Service of the same name, unchanged app settings', () => {
    const inCluster = synth();
    const external = synth({ database: { mode: 'external', externalHost: 'db.example.com', sslMode: 'disable' } });
    expect(all(external, 'StatefulSet')).toHaveLength(0);
    expect(all(external, 'Service').map((s) => s.metadata.name)).toEqual(['guestbook', 'postgres']);
    expect(find(external, 'Service', 'postgres').spec).toMatchObject({ type: 'ExternalName', externalName: 'db.example.com' });
    expect(find(external, 'ConfigMap').data).toEqual(find(inCluster, 'ConfigMap').data);
    expect(find(external, 'NetworkPolicy', 'allow-web-to-database-egress').spec.egress).toEqual([{ ports: [{ protocol: 'TCP', port: 5432 }] }]);
  });

  test('external mode defaults to sslmode require', () => {
    expect(find(synth({ database: { mode: 'external', externalHost: 'db.example.com' } }), 'ConfigMap').data.DB_SSLMODE).toBe('require');
  });

  test('ingress can be turned off', () => {
    expect(all(synth({ ingress: { enabled: false } }), 'Ingress')).toHaveLength(0);
  });

  test.each([
    [{ database: { mode: 'external' } }, /env: database\.externalHost: undefined\. Required with database\.mode "external"/],
    [{ database: { mode: 'external', externalHost: 'db.example.com', storage: '5Gi' } }, /env: database\.storage: "5Gi"\. Only applies with database\.mode "in-cluster"/],
    [{ database: { externalHost: 'db.example.com' } }, /env: database\.externalHost: "db\.example\.com"\. Only applies with database\.mode "external"/],
    [{ database: { mode: 'cloud' } }, /env: database\.mode: "cloud"\. Must be one of: "in-cluster", "external"/],
    [{ ingress: { enabled: false, host: 'a.example.com' } }, /env: ingress\.enabled: false\. Conflicts with ingress\.host/],
    [{ web: { logLevel: 'verbose' } }, /env: web\.logLevel: "verbose"\. Must be one of: "debug", "info", "warn", "error"/],
    [{ namespace: 'Ref Arch' }, /env: namespace: "Ref Arch"\. Must be a DNS-1123 label/],
    [{ web: { replicas: -1 } }, /env\/Web: replicas: -1\. Must be an integer from 1 to 1000/],
    [{ database: { storage: 'big' } }, /env\/Database: storage: "big"\. Must be a non-negative Kubernetes quantity/],
  ])('rejects %j', (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});
