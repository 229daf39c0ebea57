import { Testing } from 'cdk8s';
import { ReferenceArchitecture } from '../../lib/reference-architecture';
import { Manifest, all, find } from '../support';

const synth = (props: any = {}) => Testing.synth(new ReferenceArchitecture(Testing.app(), 'env', props)) as Manifest[];

describe('ReferenceArchitecture', () => {
  test('works with no props at all', () => {
    const m = synth();
    expect(m.map((x) => `${x.kind}/${x.metadata.name}`)).toEqual([
      'Namespace/refarch', 'ConfigMap/guestbook-config', 'ServiceAccount/guestbook', 'Deployment/guestbook', 'Service/guestbook', 'PodDisruptionBudget/guestbook',
      'Ingress/guestbook', 'Service/postgres-headless', 'Service/postgres', 'ServiceAccount/postgres', 'StatefulSet/postgres', 'PodDisruptionBudget/postgres',
      'NetworkPolicy/default-deny-all', 'NetworkPolicy/allow-dns-egress', 'NetworkPolicy/allow-web-ingress',
      'NetworkPolicy/allow-web-to-database-egress', 'NetworkPolicy/allow-web-to-database-ingress',
    ]);
  });

  test('the app and the database read the same ConfigMap and Secret', () => {
    const m = synth({ credentials: { password: 'pw' } });
    const web = find(m, 'Deployment').spec.template.spec.containers[0];
    const db = find(m, 'StatefulSet').spec.template.spec.containers[0];
    expect(web.envFrom).toEqual([{ configMapRef: { name: 'guestbook-config' } }]);
    // Both read the password from a file of the same Secret key; neither gets it as an env var.
    const pod = (kind: string) => find(m, kind).spec.template.spec;
    const fileOf = (kind: string, c: any, envName: string) => {
      const path = c.env.find((e: any) => e.name === envName).value as string;
      const mount = c.volumeMounts.find((vm: any) => path.startsWith(`${vm.mountPath}/`));
      const volume = pod(kind).volumes.find((v: any) => v.name === mount.name);
      const item = volume.secret.items.find((i: any) => `${mount.mountPath}/${i.path}` === path);
      return { secret: volume.secret.secretName, key: item.key };
    };
    expect(fileOf('Deployment', web, 'DB_PASSWORD_FILE')).toEqual({ secret: 'guestbook-db-credentials', key: 'password' });
    expect(fileOf('StatefulSet', db, 'POSTGRES_PASSWORD_FILE')).toEqual({ secret: 'guestbook-db-credentials', key: 'password' });
    for (const c of [web, db]) expect(c.env.filter((e: any) => e.valueFrom?.secretKeyRef)).toEqual([]);
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

  test('network policies: web port only from the ingress controller\'s namespace, DNS only to the cluster DNS pods', () => {
    const peers = (m: Manifest[]) => ({
      web: find(m, 'NetworkPolicy', 'allow-web-ingress').spec.ingress,
      dns: find(m, 'NetworkPolicy', 'allow-dns-egress').spec.egress,
    });
    const ns = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
    const dnsPorts = [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }];
    expect(peers(synth())).toEqual({
      web: [{ from: [ns('ingress-nginx')], ports: [{ protocol: 'TCP', port: 8080 }] }],
      dns: [{ to: [{ ...ns('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: dnsPorts }],
    });
    expect(peers(synth({ networkPolicies: { ingressControllerNamespace: 'traefik', dnsNamespace: 'dns', dnsPodLabels: { app: 'resolver' } } }))).toEqual({
      web: [{ from: [ns('traefik')], ports: [{ protocol: 'TCP', port: 8080 }] }],
      dns: [{ to: [{ ...ns('dns'), podSelector: { matchLabels: { app: 'resolver' } } }], ports: dnsPorts }],
    });
    expect(peers(synth({ networkPolicies: { dnsToAnyAddress: true } })).dns).toEqual([{ ports: dnsPorts }]);
    // A NodePort's traffic comes from the nodes: the web port is open to any source then.
    expect(peers(synth({ web: { serviceType: 'NodePort' }, ingress: { enabled: false } })).web).toEqual([{ ports: [{ protocol: 'TCP', port: 8080 }] }]);
  });

  test('external database: the web pods still reach DNS (for the ExternalName) and the database port', () => {
    const m = synth({ database: { mode: 'external', externalHost: 'db.example.com', externalCidrs: ['10.20.0.0/16'] } });
    expect(find(m, 'NetworkPolicy', 'allow-dns-egress').spec.podSelector).toEqual({});
    expect(find(m, 'NetworkPolicy', 'allow-dns-egress').spec.egress[0].to[0].podSelector).toEqual({ matchLabels: { 'k8s-app': 'kube-dns' } });
    expect(find(m, 'NetworkPolicy', 'allow-web-to-database-egress').spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ protocol: 'TCP', port: 5432 }] }]);
  });

  test.each([
    [{ networkPolicies: { ingressControllerNamespace: 'Ingress' } }, /env: networkPolicies\.ingressControllerNamespace: "Ingress"\. Must be a DNS-1123 label/],
    [{ networkPolicies: { ingressControllerNamespace: 'x' }, web: { serviceType: 'LoadBalancer' } }, /networkPolicies\.ingressControllerNamespace: "x"\. Only applies with web\.serviceType "ClusterIP"/],
    [{ networkPolicies: { dnsPodLabels: {} } }, /networkPolicies\.dnsPodLabels: \{\}\. Must be an object with at least one label/],
    [{ networkPolicies: { dnsPodLabels: { 'bad key!': 'x' } } }, /networkPolicies\.dnsPodLabels key: "bad key!"\. Must be a label key/],
    [{ networkPolicies: { dnsPodLabels: { app: 'not ok' } } }, /networkPolicies\.dnsPodLabels\.app: "not ok"\. Must be a label value/],
    [{ networkPolicies: { dnsNamespace: '' } }, /networkPolicies\.dnsNamespace: ""\. Must be a DNS-1123 label/],
    [{ networkPolicies: { dnsToAnyAddress: 'yes' } }, /networkPolicies\.dnsToAnyAddress: "yes"\. Must be true or false/],
    [{ networkPolicies: { dnsToAnyAddress: true, dnsNamespace: 'dns' } }, /networkPolicies\.dnsNamespace: "dns"\. Conflicts with dnsToAnyAddress/],
  ])('rejects %j', (props, message) => {
    expect(() => synth(props)).toThrow(message);
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
