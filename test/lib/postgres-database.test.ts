import { AppConfig } from '../../lib/app-config';
import { CONFIG_HASH_ANNOTATION } from '../../lib/config-hash';
import { PostgresDatabase } from '../../lib/postgres-database';
import { find, synthIn } from '../support';

describe('PostgresDatabase', () => {
  test('defaults: one replica, headless + client Services, 1Gi RWO claim retained, probes, PDB', () => {
    const m = synthIn((c) => new PostgresDatabase(c, 'db'));
    const sts = find(m, 'StatefulSet', 'postgres');
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.serviceName).toBe('postgres-headless');
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(sts.spec.volumeClaimTemplates).toEqual([expect.objectContaining({
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    })]);
    const c = sts.spec.template.spec.containers[0];
    expect(c.image).toBe('postgres:17.11-trixie');
    expect(c.env).toContainEqual({ name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' });
    expect(c.readinessProbe.exec.command[0]).toBe('pg_isready');
    // Liveness differs from readiness: it must not restart a server that is only busy or recovering.
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 'postgresql' });
    expect(c.startupProbe.exec.command[0]).toBe('pg_isready');
    expect(c.volumeMounts.map((v: any) => v.mountPath)).toEqual(['/var/lib/postgresql/data', '/var/run/postgresql', '/tmp', '/etc/secrets/app-credentials']);
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 999 });
    expect(find(m, 'Service', 'postgres-headless').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(find(m, 'Service', 'postgres').spec.type).toBe('ClusterIP');
    expect(find(m, 'PodDisruptionBudget', 'postgres').spec).toMatchObject({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    // Its own ServiceAccount, without an API token.
    expect(find(m, 'ServiceAccount', 'postgres')).toMatchObject({ automountServiceAccountToken: false, metadata: { labels: sts.metadata.labels } });
    expect(sts.spec.template.spec).toMatchObject({ serviceAccountName: 'postgres', automountServiceAccountToken: false });
    // Without a config of its own, credentials come from an AppConfig with an out-of-band Secret.
    expect(find(m, 'ConfigMap', 'app-config').data).toEqual({ DB_NAME: 'app', DB_USER: 'app' });
    // The password is a read-only file, readable by the pod's group (fsGroup 999) only.
    expect(c.env).toContainEqual({ name: 'POSTGRES_PASSWORD_FILE', value: '/etc/secrets/app-credentials/password' });
    expect(c.env.map((e: any) => e.name)).not.toContain('POSTGRES_PASSWORD');
    expect(c.volumeMounts).toContainEqual({ name: 'secret-app-credentials', mountPath: '/etc/secrets/app-credentials', readOnly: true });
    expect(sts.spec.template.spec.volumes).toContainEqual({
      name: 'secret-app-credentials',
      secret: { secretName: 'app-credentials', defaultMode: 0o440, items: [{ key: 'password', path: 'password' }] },
    });
  });

  test('storage is a real quantity, never null (the JSON-patch trap)', () => {
    const m = synthIn((c) => new PostgresDatabase(c, 'db', { storage: '20Gi', storageClassName: 'fast-ssd', accessMode: 'ReadWriteOncePod' }));
    expect(find(m, 'StatefulSet').spec.volumeClaimTemplates[0].spec).toEqual({
      accessModes: ['ReadWriteOncePod'], storageClassName: 'fast-ssd', resources: { requests: { storage: '20Gi' } },
    });
  });

  test('name, port, image, retention are applied', () => {
    const m = synthIn((c) => new PostgresDatabase(c, 'db', { name: 'orders-db', port: 6543, image: 'postgres:15.8', retainOnDelete: 'Delete', retainOnScaleDown: 'Delete' }));
    const sts = find(m, 'StatefulSet', 'orders-db');
    expect(sts.spec.serviceName).toBe('orders-db-headless');
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Delete', whenScaled: 'Delete' });
    expect(sts.metadata.labels!['app.kubernetes.io/version']).toBe('15.8');
    const c = sts.spec.template.spec.containers[0];
    expect(c.ports[0].containerPort).toBe(6543);
    expect(c.readinessProbe.exec.command).toContain('--port=6543');
    expect(find(m, 'Service', 'orders-db').spec.ports[0].port).toBe(6543);
  });

  test('resources and identity are applied', () => {
    const m = synthIn((c) => new PostgresDatabase(c, 'db', {
      identity: { instance: 'shop-prod', partOf: 'shop' },
      resources: { cpuRequest: '1', cpuLimit: '2', memoryRequest: '2Gi', memoryLimit: '4Gi', ephemeralStorageRequest: '1Gi', ephemeralStorageLimit: '2Gi' },
    }));
    const sts = find(m, 'StatefulSet');
    expect(sts.spec.template.spec.containers[0].resources).toEqual({
      requests: { 'cpu': '1', 'memory': '2Gi', 'ephemeral-storage': '1Gi' },
      limits: { 'cpu': '2', 'memory': '4Gi', 'ephemeral-storage': '2Gi' },
    });
    expect(sts.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'postgresql', 'app.kubernetes.io/instance': 'shop-prod', 'app.kubernetes.io/component': 'database' });
    expect(sts.metadata.labels!['app.kubernetes.io/part-of']).toBe('shop');
  });

  test('reads user, database and password from the shared config; the hash covers only those', () => {
    const build = (title: string, user: string) => synthIn((c) => {
      const config = new AppConfig(c, 'cfg', { settings: { U: user, D: 'shop', APP_TITLE: title }, secretStringData: { pw: 'x' } });
      new PostgresDatabase(c, 'db', { config, userKey: 'U', databaseKey: 'D', passwordKey: 'pw' });
    });
    const env = find(build('a', 'alice'), 'StatefulSet').spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'POSTGRES_USER', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'U' } } });
    expect(env).toContainEqual({ name: 'POSTGRES_DB', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'D' } } });
    expect(env).toContainEqual({ name: 'POSTGRES_PASSWORD_FILE', value: '/etc/secrets/app-credentials/pw' });
    expect(find(build('a', 'alice'), 'StatefulSet').spec.template.spec.volumes).toContainEqual(expect.objectContaining({
      secret: expect.objectContaining({ secretName: 'app-credentials', items: [{ key: 'pw', path: 'pw' }] }),
    }));
    const hash = (m: any[]) => find(m, 'StatefulSet').spec.template.metadata.annotations[CONFIG_HASH_ANNOTATION];
    expect(hash(build('b', 'alice'))).toBe(hash(build('a', 'alice')));
    expect(hash(build('a', 'bob'))).not.toBe(hash(build('a', 'alice')));
    // A mounted file changes in place, but PostgreSQL reads it once: the rendered password stays in the hash.
    const withPassword = (pw: string) => synthIn((c) => {
      const config = new AppConfig(c, 'cfg', { settings: { U: 'alice', D: 'shop' }, secretStringData: { pw } });
      new PostgresDatabase(c, 'db', { config, userKey: 'U', databaseKey: 'D', passwordKey: 'pw' });
    });
    expect(hash(withPassword('y'))).not.toBe(hash(withPassword('x')));
  });

  test.each([
    [{ storage: '1GB' }, /storage: "1GB"\. Must be a non-negative Kubernetes quantity/],
    [{ storage: '-1Gi' }, /storage: "-1Gi"\. Must be a non-negative Kubernetes quantity/],
    [{ port: 0 }, /port: 0\. Must be an integer from 1024 to 65535/],
    [{ port: 543 }, /port: 543\. Must be an integer from 1024 to 65535/],
    [{ port: 65536 }, /port: 65536\. Must be an integer from 1024 to 65535/],
    [{ storage: '0' }, /storage: "0"\. Must be greater than zero/],
    [{ storage: '0Gi' }, /storage: "0Gi"\. Must be greater than zero/],
    [{ storage: '0.0Mi' }, /storage: "0\.0Mi"\. Must be greater than zero/],
    [{ storage: '+0e3' }, /storage: "\+0e3"\. Must be greater than zero/],
    [{ accessMode: 'ReadWriteMany' }, /accessMode: "ReadWriteMany"\. Must be one of: "ReadWriteOnce", "ReadWriteOncePod"/],
    [{ retainOnDelete: 'Keep' }, /retainOnDelete: "Keep"\. Must be one of: "Retain", "Delete"/],
    [{ storageClassName: 'Fast SSD' }, /storageClassName: "Fast SSD"\. Must be a DNS-1123 subdomain/],
    [{ image: 'postgres' }, /image: "postgres"\. Must be an image reference pinned/],
  ])('rejects %j', (props, message) => {
    expect(() => synthIn((c) => new PostgresDatabase(c, 'db', props as any))).toThrow(message);
  });

  test('rejects a password key that the Secret does not have', () => {
    expect(() => synthIn((c) => {
      const config = new AppConfig(c, 'cfg', { existingSecretKeys: ['token'] });
      new PostgresDatabase(c, 'db', { config });
    })).toThrow(/secret key: "password"\. No such key; the Secret "app-credentials" has: token/);
  });

  test.each([
    ['DB_USER', 'pg_monitor', /db: config setting DB_USER: "pg_monitor"\. .*reserved by PostgreSQL/],
    ['DB_USER', 'Guestbook', /db: config setting DB_USER: "Guestbook"\. Must be a plain PostgreSQL identifier/],
    ['DB_NAME', 'my db;drop', /db: config setting DB_NAME: "my db;drop"\. Must be a plain PostgreSQL identifier/],
    ['DB_NAME', '', /db: config setting DB_NAME: ""\. Must be a plain PostgreSQL identifier/],
  ])('refuses %s %j from its config: the database would refuse or misread it', (key, value, message) => {
    expect(() => synthIn((c) => {
      const config = new AppConfig(c, 'cfg', { settings: { DB_USER: 'app', DB_NAME: 'app', [key]: value } });
      new PostgresDatabase(c, 'db', { config });
    })).toThrow(message);
  });

  test('a database name may start with pg_ and the user may be postgres (the image allows both)', () => {
    const m = synthIn((c) => {
      const config = new AppConfig(c, 'cfg', { settings: { DB_USER: 'postgres', DB_NAME: 'pg_data' } });
      new PostgresDatabase(c, 'db', { config });
    });
    expect(find(m, 'ConfigMap').data).toEqual({ DB_NAME: 'pg_data', DB_USER: 'postgres' });
  });

  test('claim template labels carry no version: they are immutable, the image tag is not', () => {
    const sts = find(synthIn((c) => new PostgresDatabase(c, 'db', { image: 'postgres:16.4-bookworm' })), 'StatefulSet');
    expect(sts.spec.template.metadata.labels['app.kubernetes.io/version']).toBe('16.4-bookworm');
    expect(Object.keys(sts.spec.volumeClaimTemplates[0].metadata.labels).sort()).toEqual([
      'app.kubernetes.io/component', 'app.kubernetes.io/instance', 'app.kubernetes.io/managed-by', 'app.kubernetes.io/name', 'app.kubernetes.io/part-of',
    ]);
  });

  test('rejects a config key that does not exist', () => {
    expect(() => synthIn((c) => {
      const config = new AppConfig(c, 'cfg', { settings: { DB_USER: 'u' } });
      new PostgresDatabase(c, 'db', { config });
    })).toThrow(/settings: "DB_NAME"\. No such setting; the ConfigMap "app-config" has: DB_USER/);
  });
});
