/**
 * Wiring by type: an application's connection settings come from the database construct
 * (PostgresDatabase, ExternalDatabase, or anything with an IDatabaseConnection), and a
 * hand-written one that no longer names the database fails synth.
 */
import { AppConfig } from '../../lib/app-config';
import { IDatabaseConnection } from '../../lib/database-connection';
import { ExternalDatabase } from '../../lib/external-database';
import { PostgresDatabase, postgresSecretKeys } from '../../lib/postgres-database';
import { WebTier } from '../../lib/web-tier';
import { find, synthIn } from '../support';

test('AppConfig names its objects after its instance name; today\'s names by default', () => {
  const m = synthIn((c) => { new AppConfig(c, 'a'); new AppConfig(c, 'b', { name: 'shop', secretStringData: { password: 'x' } }); });
  expect(m.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ConfigMap/app-config', 'ConfigMap/shop-config', 'Secret/shop-credentials']);
});

test('database: the settings and the password Secret come from a PostgresDatabase', () => {
  const m = synthIn((c) => {
    const db = new PostgresDatabase(c, 'db', { namespace: 'apps', name: 'shop-db', databaseName: 'shop', user: 'shop_app', tls: { secretName: 'shop-db-tls' } });
    const config = new AppConfig(c, 'config', { namespace: 'apps', name: 'shop', database: db.connection, settings: { LOG_LEVEL: 'info' } });
    new WebTier(c, 'web', { namespace: 'apps', name: 'shop', config, secretEnv: { DB_PASSWORD: db.passwordKey } });
  });
  expect(find(m, 'ConfigMap', 'shop-config').data).toEqual({
    DB_HOST: 'shop-db.apps.svc.cluster.local', DB_NAME: 'shop', DB_PORT: '5432', DB_SSLMODE: 'verify-full', DB_USER: 'shop_app', LOG_LEVEL: 'info',
  });
  expect(find(m, 'ConfigMap', 'shop-db-config').data).toEqual({ DB_NAME: 'shop', DB_USER: 'shop_app' });
  expect(find(m, 'Deployment', 'shop').spec.template.spec.containers[0].env).toContainEqual({ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'shop-db-credentials', key: 'password' } } });
});

test('database: an ExternalDatabase, or any IDatabaseConnection, works the same', () => {
  const own: IDatabaseConnection = { host: 'db.example.com', port: 6432, databaseName: 'shop', user: 'shop', sslMode: 'verify-full' };
  const m = synthIn((c) => {
    const ext = new ExternalDatabase(c, 'ext', { name: 'orders-db', host: 'orders.example.com', databaseName: 'orders', user: 'orders' });
    new AppConfig(c, 'orders', { name: 'orders', database: ext.connection });
    new AppConfig(c, 'shop', { name: 'shop', database: own });
  });
  expect(find(m, 'ConfigMap', 'orders-config').data).toEqual({ DB_HOST: 'orders.example.com', DB_NAME: 'orders', DB_PORT: '5432', DB_SSLMODE: 'require', DB_USER: 'orders' });
  expect(find(m, 'ConfigMap', 'shop-config').data).toMatchObject({ DB_HOST: 'db.example.com', DB_PORT: '6432' });
});

test('what the Secret must hold is in the types: postgresSecretKeys and db.secretKeys', () => {
  expect(postgresSecretKeys()).toEqual(['password']);
  expect(postgresSecretKeys({ replicas: 3, passwordKey: 'pw' })).toEqual(['pw', 'replication-password', 'superuser-password']);
  let keys: readonly string[] = [];
  synthIn((c) => { keys = new PostgresDatabase(c, 'db', { replicas: 2, image: 'registry.example.com/postgres-patroni:17', kubernetesApi: { cidrs: ['10.0.0.0/8'], port: 6443 } }).secretKeys; });
  expect(keys).toEqual(['password', 'replication-password', 'superuser-password']);
});

test.each<[string, (c: any) => void, RegExp]>([
  ['a DB_ setting beside database', (c) => new AppConfig(c, 'config', { database: new PostgresDatabase(c, 'db').connection, settings: { DB_HOST: 'x' } }),
    /config: settings\.DB_HOST: "x"\. Conflicts with database/],
  ['a stale DB_HOST in the database\'s own config', (c) => new PostgresDatabase(c, 'db', { name: 'orders', config: new AppConfig(c, 'config', { settings: { DB_USER: 'a', DB_NAME: 'a', DB_HOST: 'postgres.default.svc.cluster.local' } }) }),
    /test\/config: settings\.DB_HOST: "postgres\.default\.svc\.cluster\.local"\. Must be "orders\.default\.svc\.cluster\.local"/],
  ['a stale DB_PORT', (c) => new PostgresDatabase(c, 'db', { port: 6432, config: new AppConfig(c, 'config', { settings: { DB_USER: 'a', DB_NAME: 'a', DB_PORT: '5432' } }) }),
    /settings\.DB_PORT: "5432"\. Must be "6432"/],
  ['databaseName beside config', (c) => new PostgresDatabase(c, 'db', { databaseName: 'x', config: new AppConfig(c, 'config') }), /db: databaseName: "x"\. Conflicts with config/],
])('%s is refused', (_what, build, message) => {
  expect(() => synthIn(build)).toThrow(message);
});
