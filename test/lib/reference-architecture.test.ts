import { Testing } from 'cdk8s';
import { checkPolicy, formatResult } from '../../plugins/refarch-policy';
import { PostgresDatabase } from '../../lib/postgres-database';
import { ReferenceArchitecture } from '../../lib/reference-architecture';
import { WebTier } from '../../lib/web-tier';
import { Manifest, all, find, testApp } from '../support';

const build = (props: any = {}) => new ReferenceArchitecture(testApp(), 'env', props);
const synth = (props: any = {}) => Testing.synth(build(props)) as Manifest[];
// Policy names come from the construct, which exposes each policy.
const { connections: { webIngress, webToDatabase }, networkPolicies } = build();
const names = {
  webIngress: webIngress.ingress[0].name, webToDatabaseEgress: webToDatabase.egress!.name, webToDatabaseIngress: webToDatabase.ingress[0].name, dns: networkPolicies.dnsEgress!.name,
};

describe('ReferenceArchitecture', () => {
  test('works with no props at all', () => {
    const m = synth();
    expect(m.map((x) => `${x.kind}/${x.metadata.name}`)).toEqual([
      'Namespace/refarch', 'ConfigMap/guestbook-config', 'ServiceAccount/guestbook', 'Deployment/guestbook', 'Service/guestbook', 'PodDisruptionBudget/guestbook',
      'Ingress/guestbook', 'Service/postgres-headless', 'Service/postgres', 'ServiceAccount/postgres', 'StatefulSet/postgres', 'PodDisruptionBudget/postgres',
      ...networkPolicies.policies.map((p) => `NetworkPolicy/${p.name}`),
    ]);
    expect(networkPolicies.policies).toHaveLength(5);
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

  test('external database mode: no StatefulSet, an ExternalName Service of the same name; the app dials the server by its own name', () => {
    const inCluster = synth();
    const external = synth({ database: { mode: 'external', externalHost: 'db.example.com', sslMode: 'disable' } });
    expect(all(external, 'StatefulSet')).toHaveLength(0);
    expect(all(external, 'Service').map((s) => s.metadata.name).sort()).toEqual(['guestbook', 'postgres']); // the database first: the app's settings come from it
    expect(find(external, 'Service', 'postgres').spec).toMatchObject({ type: 'ExternalName', externalName: 'db.example.com' });
    // The name its certificate carries (verify-full checks the dialled name); the rest unchanged.
    expect(find(external, 'ConfigMap').data).toEqual({ ...find(inCluster, 'ConfigMap').data, DB_HOST: 'db.example.com' });
    expect(find(synth({ database: { mode: 'external', externalHost: 'db.example.com.' } }), 'ConfigMap').data.DB_HOST).toBe('db.example.com');
    expect(find(external, 'NetworkPolicy', names.webToDatabaseEgress).spec.egress).toEqual([{ ports: [{ protocol: 'TCP', port: 5432 }] }]);
  });

  test('network policies: web port only from the ingress controller\'s namespace, DNS only to the cluster DNS pods', () => {
    const peers = (m: Manifest[]) => ({
      web: find(m, 'NetworkPolicy', names.webIngress).spec.ingress,
      dns: find(m, 'NetworkPolicy', names.dns).spec.egress,
    });
    const ns = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
    const dnsPorts = [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }];
    const traefik = { ...ns('traefik'), podSelector: { matchLabels: { 'app.kubernetes.io/name': 'traefik' } } };
    expect(peers(synth())).toEqual({
      web: [{ from: [traefik], ports: [{ protocol: 'TCP', port: 8080 }] }],
      dns: [{ to: [{ ...ns('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: dnsPorts }],
    });
    expect(peers(synth({ networkPolicies: { ingressControllerNamespace: 'ingress', dnsNamespace: 'dns', dnsPodLabels: { app: 'resolver' } } }))).toEqual({
      web: [{ from: [ns('ingress')], ports: [{ protocol: 'TCP', port: 8080 }] }],
      dns: [{ to: [{ ...ns('dns'), podSelector: { matchLabels: { app: 'resolver' } } }], ports: dnsPorts }],
    });
    expect(peers(synth({ networkPolicies: { dnsToAnyAddress: true } })).dns).toEqual([{ ports: dnsPorts }]);
    // A NodePort's traffic comes from the nodes: the web port is open to any source then.
    expect(peers(synth({ web: { serviceType: 'NodePort' }, ingress: { enabled: false } })).web).toEqual([{ ports: [{ protocol: 'TCP', port: 8080 }] }]);
  });

  test('external database: the web pods still reach DNS (for the ExternalName) and the database port', () => {
    const m = synth({ database: { mode: 'external', externalHost: 'db.example.com', externalCidrs: ['10.20.0.0/16'] } });
    expect(find(m, 'NetworkPolicy', names.dns).spec.podSelector).toEqual({});
    expect(find(m, 'NetworkPolicy', names.dns).spec.egress[0].to[0].podSelector).toEqual({ matchLabels: { 'k8s-app': 'kube-dns' } });
    expect(find(m, 'NetworkPolicy', names.webToDatabaseEgress).spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ protocol: 'TCP', port: 5432 }] }]);
  });

  test.each([
    [{ networkPolicies: { ingressControllerNamespace: 'Ingress' } }, /env: networkPolicies\.ingressControllerNamespace: "Ingress"\. Must be a DNS-1123 label/],
    [{ networkPolicies: { ingressControllerNamespace: 'x' }, web: { serviceType: 'LoadBalancer' } }, /networkPolicies\.ingressControllerNamespace: "x"\. Only applies with web\.serviceType "ClusterIP"/],
    [{ networkPolicies: { dnsPodLabels: {} } }, /networkPolicies\.dnsPodLabels: \{\}\. Must have at least one label/],
    [{ networkPolicies: { dnsPodLabels: { 'bad key!': 'x' } } }, /networkPolicies\.dnsPodLabels key: "bad key!"\. Must be a label key/],
    [{ networkPolicies: { dnsPodLabels: { app: 'not ok' } } }, /networkPolicies\.dnsPodLabels\.app: "not ok"\. Must be a label value/],
    [{ networkPolicies: { dnsNamespace: '' } }, /networkPolicies\.dnsNamespace: ""\. Must be a DNS-1123 label/],
    [{ networkPolicies: { dnsToAnyAddress: true, dnsNamespace: 'dns' } }, /networkPolicies\.dnsNamespace: "dns"\. Conflicts with dnsToAnyAddress/],
  ])('rejects %j', (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  test('a new tier is one line of policy: a worker next to the web tier reaches the database', () => {
    const chart = build();
    const db = chart.database as PostgresDatabase;
    const worker = new WebTier(chart, 'Worker', { namespace: chart.restrictedNamespace.name, name: 'worker', identity: { component: 'worker' }, config: chart.config });
    const connection = chart.networkPolicies.allow(worker, db, db.ports.postgresql);
    const m = Testing.synth(chart) as Manifest[];
    expect([connection.egress!.name, connection.ingress[0].name]).toEqual(['allow-worker-to-postgres-egress', 'allow-worker-to-postgres-ingress']);
    expect(find(m, 'NetworkPolicy', 'allow-worker-to-postgres-egress').spec.podSelector.matchLabels).toEqual(worker.selector);
    expect(find(m, 'NetworkPolicy', 'allow-worker-to-postgres-ingress').spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 5432 }]);
    expect(formatResult(checkPolicy([{ file: 'env.k8s.yaml', objects: m }]))).toBe('refarch-policy: 0 violations, 0 rules switched off by annotation.');
  });

  test('external mode with the server\'s CA: verify-full against the mounted ca.crt (the CA only), the Secret declared as created out of band', () => {
    const m = synth({ database: { mode: 'external', externalHost: 'db.example.com', externalCaSecretName: 'db-ca' } });
    expect(find(m, 'ConfigMap').data).toMatchObject({ DB_SSLMODE: 'verify-full', DB_SSLROOTCERT: '/etc/refarch-db-ca/ca.crt', DB_HOST: 'db.example.com' });
    const d = find(m, 'Deployment');
    expect(d.spec.template.spec.volumes).toContainEqual({ name: 'db-ca', secret: { secretName: 'db-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o440 } });
    expect(d.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'db-ca', mountPath: '/etc/refarch-db-ca', readOnly: true });
    expect(d.metadata.annotations?.['refarch.example.com/external-secrets']).toContain('db-ca');
    expect(() => synth({ database: { externalCaSecretName: 'db-ca' } })).toThrow(/env: database\.externalCaSecretName: "db-ca"\. Only applies with database\.mode "external"/);
    expect(() => synth({ database: { mode: 'external', externalHost: 'db.example.com', externalCaSecretName: 'Bad_Name' } })).toThrow(/env: database\.externalCaSecretName: "Bad_Name"/);
  });

  test('external mode defaults to sslmode require', () => {
    expect(find(synth({ database: { mode: 'external', externalHost: 'db.example.com' } }), 'ConfigMap').data.DB_SSLMODE).toBe('require');
  });

  test('ingress can be turned off (for the Gateway API, or with a NodePort or LoadBalancer Service)', () => {
    expect(all(synth({ ingress: { enabled: false }, gateway: { enabled: true } }), 'Ingress')).toHaveLength(0);
    expect(all(synth({ ingress: { enabled: false }, web: { serviceType: 'NodePort' } }), 'Ingress')).toHaveLength(0);
  });

  test.each([
    [{ database: { mode: 'external' } }, /env: database\.externalHost: \(not set\)\. Required with database\.mode "external"/],
    [{ database: { mode: 'external', externalHost: 'db.example.com', storage: '5Gi' } }, /env: database\.storage: "5Gi"\. Only applies with database\.mode "in-cluster"/],
    [{ database: { externalHost: 'db.example.com' } }, /env: database\.externalHost: "db\.example\.com"\. Only applies with database\.mode "external"/],
    [{ ingress: { enabled: false, host: 'a.example.com' } }, /env: ingress\.host: "a\.example\.com"\. Only applies with ingress\.enabled true \(it is false\)/],
    [{ namespace: 'Ref Arch' }, /env: namespace: "Ref Arch"\. Must be a DNS-1123 label/],
    [{ web: { replicas: -1 } }, /env\/Web: replicas: -1\. Must be an integer from 1 to 1000/],
    [{ database: { storage: 'big' } }, /env\/Database: storage: "big"\. Must be a non-negative Kubernetes quantity/],
    [{ namespace: 'kube-system' }, /env: namespace: "kube-system"\. Must not be a namespace the cluster owns/],
    [{ namespace: 'kube-public' }, /env: namespace: "kube-public"\. Must not be a namespace the cluster owns/],
    [{ namespace: 'kube-node-lease' }, /env: namespace: "kube-node-lease"\. Must not be a namespace the cluster owns/],
    [{ namespace: 'default' }, /env: namespace: "default"\. Must not be a namespace the cluster owns/],
    [{ partOf: 'Shop' }, /env: partOf: "Shop"\. Must be a DNS-1123 label/],
    [{ environment: 'dev_1' }, /env: environment: "dev_1"\. Must be a DNS-1123 label/],
    [{ partOf: 'a'.repeat(40), environment: 'b'.repeat(30) }, /env: partOf \+ environment: "a{40}-b{30}"\. Together at most 62 characters \(40 \+ 30 given\)/],
    [{ database: { name: 'my db;drop' } }, /env: database\.name: "my db;drop"\. Must be a plain PostgreSQL identifier/],
    [{ database: { name: '' } }, /env: database\.name: ""\. Must be a plain PostgreSQL identifier/],
    [{ database: { user: 'pg_admin' } }, /env: database\.user: "pg_admin"\. .*reserved by PostgreSQL/],
    [{ database: { user: 'a'.repeat(64) } }, /env: database\.user: "a{64}"\. Must be a plain PostgreSQL identifier: 1-63/],
    [{ database: { mode: 'external', externalHost: '10.1.2.3' } }, /env: database\.externalHost: "10\.1\.2\.3"\. Must be a DNS name/],
    [{ database: { mode: 'external', externalHost: 'DB.example.com' } }, /env: database\.externalHost: "DB\.example\.com"\. Must be a DNS name for an ExternalName Service/],
    [{ database: { storage: '0Gi' } }, /env\/Database: storage: "0Gi"\. Must be greater than zero/],
    [{ ingress: { enabled: false, className: 'nginx' } }, /env: ingress\.className: "nginx"\. Only applies with ingress\.enabled true/],
    [{ ingress: { host: '192.168.1.10' } }, /env\/Ingress: host: "192\.168\.1\.10"\. Must be a hostname, not an IP address/],
    [{ credentials: { secretName: 'DB creds' } }, /env: credentials\.secretName: "DB creds"\. Must be a DNS-1123 subdomain/],
    [{ web: { image: 5 } }, /env: web\.image: 5\. Must be an image reference pinned/],
    [{ web: { image: 'app:latest' } }, /env: web\.image: "app:latest"\. Must be an image reference pinned/],
    [{ database: { mode: 'external', externalHost: 'db.example.com', externalCidrs: ['10.0.0.0/8', '999.1.1.1/8'] } }, /env: database\.externalCidrs\[1\]: "999\.1\.1\.1\/8"\. Must be a CIDR/],
  ])('rejects %j', (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  describe('production: true', () => {
    const digest = 'a'.repeat(64);
    const pinned = {
      production: true,
      web: { image: `registry.example.com/refarch/guestbook:0.1.0@sha256:${digest}` },
      database: { image: `docker.io/library/postgres:16.4-bookworm@sha256:${digest}` },
    };

    test('accepts registry-qualified, digest-pinned images and renders no Secret', () => {
      const m = synth(pinned);
      expect(all(m, 'Secret')).toHaveLength(0);
      expect(find(m, 'Deployment').spec.template.spec.containers[0].image).toBe(pinned.web.image);
      expect(find(m, 'StatefulSet').spec.template.spec.containers[0].image).toBe(pinned.database.image);
      // The tag stays the version label when a digest pins the image.
      expect(find(m, 'Deployment').metadata.labels!['app.kubernetes.io/version']).toBe('0.1.0');
    });

    test('localhost and host:port count as registry hosts', () => {
      expect(() => synth({ ...pinned, web: { image: `localhost/guestbook@sha256:${digest}` } })).not.toThrow();
      expect(() => synth({ ...pinned, web: { image: `registry:5000/guestbook@sha256:${digest}` } })).not.toThrow();
    });

    test('external mode does not ask for a database image', () => {
      expect(() => synth({ ...pinned, database: { mode: 'external', externalHost: 'db.example.com' } })).not.toThrow();
    });

    test.each([
      [{ ...pinned, credentials: { password: 'hunter2' } }, /env: credentials\.password: "<redacted>"\. Must not be set in a production environment.*Create the Secret out of band/],
      [{ ...pinned, web: { image: 'refarch-guestbook:0.1.0' } }, /env: web\.image: "refarch-guestbook:0\.1\.0"\. Must name its registry host and be pinned by digest in a production environment \(missing: registry host and digest\)/],
      [{ ...pinned, web: { image: 'registry.example.com/refarch/guestbook:0.1.0' } }, /env: web\.image: .*\(missing: digest\)/],
      [{ ...pinned, web: { image: `refarch/guestbook@sha256:${digest}` } }, /env: web\.image: .*\(missing: registry host\)/],
      [{ ...pinned, web: { image: `registry.example.com/guestbook@sha256:${'a'.repeat(63)}` } }, /env: web\.image: .*Here a sha256 digest has 64 hex digits, not 63, which the kubelet refuses/],
      [{ ...pinned, web: {} }, /env: web\.image: "refarch-guestbook:0\.1\.0"\. Must name its registry host/],
      [{ ...pinned, database: { image: 'postgres:16.4-bookworm' } }, /env: database\.image: "postgres:16\.4-bookworm"\. .*\(missing: registry host and digest\)/],
      [{ ...pinned, database: {} }, /env: database\.image: "postgres:17\.11-trixie"\. Must name its registry host/],
      [{ ...pinned, web: { image: 5 } }, /env: web\.image: 5\. Must be an image reference pinned/],
    ])('refuses %j', (props, message) => {
      expect(() => synth(props)).toThrow(message);
    });

    test('the same settings pass without production', () => {
      expect(() => synth({ credentials: { password: 'hunter2' }, web: { image: 'refarch-guestbook:0.1.0' } })).not.toThrow();
    });
  });
});
