/**
 * Generated environment configurations around the edges of what the constructs accept:
 * quantities near zero, hosts that are IPs or wildcards or 253 characters long,
 * PostgreSQL identifiers and reserved or shared role names, passwords, ports at their
 * bounds, replica counts, system namespaces, sslModes, images (odd tags, digests of every
 * algorithm and length), Ingress paths, HPA targets, backup schedules and time zones,
 * DNS pod label keys, ExternalName hosts with a trailing dot, titles near the ConfigMap
 * limit. Each one either fails synth with a ValidationError naming a field, or synthesizes
 * manifests that the API server must accept.
 *
 * Used by test/edge-configs.test.ts (offline, against the captured schemas) and by
 * scripts/generate-edge-configs.ts (writes the accepted manifests for
 * schemas/dry-run-generated.sh, a server-side dry run against a real API server).
 */
import * as os from 'os';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { checkEnvironments, SettingsError } from '../config/settings';
import { ValidationError } from '../lib/prop-checks';
import { ReferenceArchitecture, ReferenceArchitectureProps } from '../lib/reference-architecture';
import { Manifest } from './support';

const hex = (c: string) => c.repeat(64);
/** Mostly an accepted value, sometimes one at or past the edge: one bad field per config is enough to test its message. */
const edge = <T>(valid: readonly T[], invalid: readonly T[]) => fc.oneof(
  { arbitrary: fc.constantFrom(...valid), weight: 14 },
  { arbitrary: fc.constantFrom(...invalid), weight: 1 },
);
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });

const namespace = fc.oneof(
  { arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/), weight: 6 },
  { arbitrary: edge(['refarch', 'refarch-dev', 'a', 'a'.repeat(63)],
    ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'kube-mine', 'a'.repeat(64), 'Refarch', '-a', 'a-', '', 'a.b']), weight: 8 },
);
const labelPart = edge(['dev', 'prod', 'x', 'a'.repeat(30), 'a'.repeat(31)], ['a'.repeat(62), 'Dev', 'dev_1', '', 'dev.1', '-dev']);
const IMAGES_PINNED = [`registry.example.com/team/app:1.2.3@sha256:${hex('a')}`, `localhost:5000/app@sha256:${hex('b')}`,
  `docker.io/library/postgres:16.4-bookworm@sha256:${hex('c')}`, `localhost/app:1@sha256:${hex('d')}`];
const image = edge(['refarch-guestbook:0.1.0', 'postgres:16.4-bookworm', 'ghcr.io/o/app:v1', 'app:1', ...IMAGES_PINNED,
  'app:1.0-', `app:${'t'.repeat(128)}`, 'app:_x', `app@sha512:${'e'.repeat(128)}`, `app:1@sha384:${'f'.repeat(96)}`, `${'p'.repeat(247)}:1`],
['app', 'app:latest', 'App:1.0', 'app:', ' app:1', `app@sha256:${hex('z')}`, '', `app@sha256:${hex('a').slice(1)}`, 5 as unknown as string, null as unknown as string,
  `app@sha256:${hex('A')}`, `app@sha512:${hex('a')}`, `app@md5:${'a'.repeat(32)}`, `app:${'t'.repeat(129)}`, 'app:-x', `${'p'.repeat(248)}:1`]);
// Ordered, so a request drawn at or below its limit's index is valid.
const SIZES = ['0', '0m', '1m', '.5', '1', '1.', '250m', '1Ki', '64Mi', '100M', '1Gi', '1e3', '20Gi'];
const BAD_QUANTITIES = ['-1', '-1Gi', '1GB', 'big', '', ' 1Gi', '1.5.5'];
const pair = fc.tuple(fc.nat(SIZES.length - 1), fc.nat(SIZES.length - 1)).map(([a, b]) => [SIZES[Math.min(a, b)], SIZES[Math.max(a, b)]]);
const resources = fc.oneof(
  { arbitrary: fc.tuple(pair, pair, pair).map(([c, m, e]) => ({
    cpuRequest: c[0], cpuLimit: c[1], memoryRequest: m[0], memoryLimit: m[1], ephemeralStorageRequest: e[0], ephemeralStorageLimit: e[1],
  })), weight: 10 },
  { arbitrary: fc.constantFrom('big', null, {}) as fc.Arbitrary<any>, weight: 1 },
  { arbitrary: fc.record({
    cpuRequest: fc.constantFrom(...SIZES, ...BAD_QUANTITIES), cpuLimit: fc.constantFrom(...SIZES, ...BAD_QUANTITIES),
    memoryRequest: fc.constantFrom(...SIZES), memoryLimit: fc.constantFrom(...SIZES),
    ephemeralStorageRequest: fc.constantFrom(...SIZES), ephemeralStorageLimit: fc.constantFrom(...SIZES),
  }), weight: 1 },
);
const storage = edge(['1m', '.5', '1', '1Ki', '64Mi', '1Gi', '1e3', '20Gi', '1.5Ti'], ['0', '0m', '0Gi', '0.0Mi', '+0e3', ...BAD_QUANTITIES]);
// Wrong types too: `--set` parses JSON, so a number, string or null can reach any setting.
const port = edge([1, 80, 1024, 5432, 8080, 65535], [-1, 0, 65536, 1.5, '80' as unknown as number]);
const highPort = edge([1024, 5432, 8080, 65535], [1, 80, 1023, 0, 65536]);
/** A host name of exactly `n` characters: labels of 63 and a `.com` tail. */
const hostOf = (n: number, prefix = '') => {
  const labels: string[] = [];
  let left = n - prefix.length - 4;
  while (left > 0) {
    const take = Math.min(63, left);
    labels.push('h'.repeat(take === left - 1 ? take - 1 : take));
    left -= labels[labels.length - 1].length + 1;
  }
  return `${prefix}${labels.join('.')}.com`.slice(0, n).replace(/\.$/, 'x');
};
const host = edge(
  ['refarch.localtest.me', 'guestbook.example.com', '*.example.com', 'a.b', 'xn--bcher-kva.example', `${'a'.repeat(63)}.example.com`, `${'a'.repeat(64)}.example.com`,
    hostOf(253), hostOf(253, '*.')],
  ['10.0.0.1', '*.10.0.0.1', '::1', '[2001:db8::1]', '*.2001:db8::1', '0.0.0.0', 'localhost', 'Shop.example.com',
    'example.com:80', 'https://example.com', '*.*.example.com', '', hostOf(254), hostOf(254, '*.')],
);
const pgIdentifier = edge(['guestbook', 'postgres', '_app', 'app_1', 'a'.repeat(63), 'x', 'user', 'select'], ['pg_admin', 'a'.repeat(64), 'My', 'my db;drop', '', '1abc', 'app-1']);
const pgRole = edge(['guestbook', 'postgres', '_app', 'app_1', 'a'.repeat(63), 'x', 'user', 'select', 'replicator'],
  ['pg_admin', 'a'.repeat(64), 'My', '', 'public', 'none', 'current_user', 'session_user', 'current_role']);
const password = edge(['pw', 'dev-only-insecure-password', 'p ä€𝄞 ;\'"$`\\', ' leading and trailing ', 'p'.repeat(64 * 1024)],
  ['', ' ', 'a\nb', 'a\rb', 'tab\there', 'nul\u0000', 'bad\ufffd', 'p'.repeat(64 * 1024 + 1), '\u00a0\u3000']);
const sslMode = edge(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'], ['on', '', 'REQUIRE', 1 as unknown as string]);

const scaling = fc.oneof(
  { arbitrary: fc.record({ replicas: edge([1, 2, 3, 1000], [-1, 0, 1001, 2.5, '2' as unknown as number]) }), weight: 5 },
  { arbitrary: fc.record({ autoscaling: fc.record({
    minReplicas: edge([1, 3, 1000], [0, 1001]),
    maxReplicas: edge([10, 1000], [0, 2, 1001]),
    targetCpuUtilization: optional(edge([1, 70, 100, 101, 150, 1000], [0, -1, 2.5])),
  }, { requiredKeys: ['minReplicas', 'maxReplicas'] }) }), weight: 5 },
  { arbitrary: fc.constant({ replicas: 2, autoscaling: { minReplicas: 1, maxReplicas: 2 } }), weight: 1 },
  { arbitrary: fc.constant({}), weight: 3 },
);
const exposure = fc.oneof(
  { arbitrary: fc.record({ serviceType: fc.constantFrom('ClusterIP', 'LoadBalancer') }, { requiredKeys: [] }), weight: 5 },
  { arbitrary: fc.record({ serviceType: fc.constant('NodePort'), nodePort: optional(edge([30000, 30080, 32767], [29999, 32768])) }), weight: 4 },
  { arbitrary: fc.record({ serviceType: fc.constantFrom('ClusterIP', 'ExternalName'), nodePort: fc.constant(30080) }), weight: 1 },
);

const web = fc.tuple(fc.record({
  image,
  containerPort: highPort,
  servicePort: port,
  resources,
  maxUnavailable: edge([1, 2, 1000], [0, 1001]),
  logLevel: edge(['debug', 'info', 'warn', 'error'], ['verbose']),
  title: fc.oneof(
    { arbitrary: edge(['Guestbook', '', 'ünïcödé ✓', 'a: b\n- c', '<&>"\\', '\ta\nb', '  \n', '\t\u0000\u001b'], [5 as unknown as string, 'lone \ud800', 'a\u2028b', 'del\u007f', 'nel\u0085']), weight: 30 },
    // Around what kubectl apply takes: its last-applied annotation holds the whole ConfigMap (256 KiB).
    { arbitrary: fc.constantFrom(100_000, 200_000, 262_000, 270_000).map((n) => '<a&b>'.repeat(Math.floor(n / 20))), weight: 1 },
  ),
}, { requiredKeys: [] }), scaling, exposure).map(([w, s, e]) => ({ ...w, ...s, ...e }));

const backup = fc.record({
  schedule: edge(['0 3 * * *', '@daily', '@every 12h', '@every 1h30m', '*/100 * * * *', '0 3 ? * SUN', '0 0-6/2 1,15 JAN-MAR mon-fri', '0 3 * * 0'],
    ['0 3 * * 7', '@every 90', '@fortnightly', 'CRON_TZ=UTC 0 3 * * *', '0 3 * *', '60 * * * *', '', ' @daily']),
  timeZone: edge(['Etc/UTC', 'UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5', 'Factory'], ['Local', 'local', 'europe/berlin', 'Mars/Olympus', '', 'UTC+2']),
  keep: edge([1, 7], [0]),
}, { requiredKeys: [] });

const database = fc.oneof(
  { arbitrary: fc.record({
    mode: fc.constantFrom('in-cluster', undefined),
    name: pgIdentifier, user: pgRole, port: highPort, sslMode, image, storage,
    storageClassName: edge(['standard', 'fast.ssd'], ['Fast SSD', '']),
    accessMode: edge(['ReadWriteOnce', 'ReadWriteOncePod'], ['ReadWriteMany']),
    retainOnDelete: edge(['Retain', 'Delete'], ['Keep']),
    resources,
    replicas: fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: fc.constant(2), weight: 1 }),
    replicationUser: optional(pgRole),
    backup: optional(backup),
  }, { requiredKeys: [] }), weight: 8 },
  { arbitrary: fc.record({
    mode: fc.constant('external'),
    externalHost: edge(['db.example.com', 'mydb.abc123.eu-west-1.rds.amazonaws.com', 'db', 'db.example.com.', 'db.', hostOf(253), `${hostOf(253)}.`],
      ['10.0.0.1', '::1', 'DB.example.com', '', '.', 'db..', '10.0.0.1.', hostOf(254)]),
    name: pgIdentifier, user: pgIdentifier, port, sslMode,
    externalCidrs: edge([['10.0.0.0/8'], ['2001:db8::/32'], ['192.168.1.0/24', '10.0.0.0/8']],
      [['10.0.0.1'], ['999.1.1.1/8'], ['10.0.0.0/33'], [''], '10.0.0.0/8' as unknown as string[]]),
  }, { requiredKeys: ['mode', 'externalHost'] }), weight: 3 },
  { arbitrary: fc.constantFrom({ mode: 'external' }, { externalHost: 'db.example.com' }, { mode: 'external', externalHost: 'db.example.com', storage: '1Gi' }), weight: 1 },
);

const ingress = fc.oneof(
  { arbitrary: fc.record({
    enabled: fc.constant(true),
    className: edge(['nginx', 'traefik', 'example.com-lb'], ['Nginx']),
    host,
    path: edge(['/', '/api', '/a/b', '/a.b', '/..a', '/a/...', '/a/', '/%2e', '/a%2Bb'], ['api', '/a b', '//', '/a//b', '/a/./b', '/a/../b', '/a/.', '/a/..', '/a%2fb', '/a%2Fb']),
    tlsSecretName: edge(['guestbook-tls', 'tls.example'], ['TLS']),
  }, { requiredKeys: [] }), weight: 8 },
  { arbitrary: fc.constant({ enabled: false }), weight: 2 },
  { arbitrary: fc.constantFrom({ enabled: false, host: 'a.example.com' }, { enabled: 'no' }, { controller: 'envoy-gateway' }, { controller: 'cloud-provider-kind' }), weight: 1 },
);

/** The Gateway API front door: a Gateway of its own, a shared one, or none. */
const gateway = fc.oneof(
  { arbitrary: fc.record({
    enabled: fc.constant(true),
    controller: edge(['traefik', 'envoy-gateway'], ['haproxy']),
    className: edge(['traefik', 'eg', 'example.com-gw'], ['Traefik']),
    host,
    path: edge(['/', '/api'], ['api']),
    pathMatch: edge(['PathPrefix', 'Exact'], ['Prefix']),
    tlsSecretName: edge(['guestbook-tls', 'tls.example'], ['TLS']),
    httpPort: edge([80, 8000, 65535], [0, 70000, 8.5]),
    requestTimeout: edge(['30s', '1m30s', '500ms', '0s'], ['30', '1d', '1.5s']),
    backendRequestTimeout: edge(['10s'], ['1h', '10 s']),
  }, { requiredKeys: ['enabled'] }), weight: 4 },
  { arbitrary: fc.record({
    enabled: fc.constant(true),
    controller: edge(['envoy-gateway', 'traefik'], ['nginx']),
    host,
    existingGateway: fc.record({
      namespace: edge(['gateways', 'infra.gw'], ['Gateways', '']),
      name: edge(['shared', 'edge'], ['Shared']),
      sectionName: edge(['https', 'web-1'], ['HTTPS', '']),
    }, { requiredKeys: ['namespace', 'name'] }),
  }, { requiredKeys: ['enabled', 'existingGateway'] }), weight: 2 },
  { arbitrary: fc.constant({ enabled: false }), weight: 4 },
);

/** Who may open the web port, in place of the front-door controllers' presets. */
const webFrom = edge<unknown>([[{ namespace: 'traefik' }], [{ cidrs: ['172.18.0.0/16', 'fc00:f853:ccd:e793::/64'] }], [{ namespace: 'gw', podLabels: { app: 'envoy' } }, { namespace: 'ingress-nginx' }]],
  [[], [{ namespace: 'x', cidrs: ['10.0.0.0/8'] }], [{ cidrs: [] }], [{ podLabels: { a: 'b' } }], [{ namespace: 'Traefik' }]]);

/** Production with what it asks for: registry+digest images, no password. */
const production = fc.record({
  production: fc.constant(true),
  web: fc.record({ image: fc.constantFrom(...IMAGES_PINNED) }),
  database: fc.record({ image: fc.constantFrom(...IMAGES_PINNED), storage }, { requiredKeys: ['image'] }),
});

/**
 * Usually the replication password where it belongs (a rendered password and standbys)
 * and none elsewhere, so the other settings are reached; 1 in 10 keeps what was drawn.
 */
function withReplicationPassword(config: any, dice: number): ReferenceArchitectureProps {
  if (dice === 0 || config.credentials === undefined) return config;
  const { replicationPassword, ...credentials } = config.credentials;
  const needed = config.database?.replicas === 2 && credentials.password !== undefined;
  return { ...config, credentials: needed ? { ...credentials, replicationPassword: replicationPassword ?? 'replication-pw' } : credentials };
}

/** An environment configuration around the edges; roughly half of them are refused. */
export const edgeConfig: fc.Arbitrary<ReferenceArchitectureProps> = fc.oneof(
  { arbitrary: fc.tuple(fc.record({
    namespace,
    environment: labelPart,
    partOf: labelPart,
    production: fc.oneof({ arbitrary: fc.constant(false), weight: 6 }, { arbitrary: fc.constant(true), weight: 1 }),
    web,
    ingress,
    gateway,
    database,
    credentials: fc.record({
      secretName: edge(['guestbook-db-credentials', 'db.creds'], ['DB creds']),
      password,
      replicationPassword: optional(password),
    }, { requiredKeys: [] }),
    networkPolicies: optional(fc.record({
      dnsPodLabels: edge([{ 'k8s-app': 'kube-dns' }, { 'example.com/role': 'dns' }, { 'a.b/C_d.e': 'x' }, { [`${'p'.repeat(249)}.com/k`]: 'v' }, { ['k'.repeat(63)]: 'v' }],
        [{ 'a..b/c': 'x' }, { '/x': 'y' }, { 'a/b/c': 'd' }, { [`${'p'.repeat(250)}.com/k`]: 'v' }, { ['k'.repeat(64)]: 'v' }, { '-a': 'b' }, { 'Example.com/a': 'b' }]),
      webFrom: optional(webFrom),
    })),
  }, { requiredKeys: [] }), fc.nat(9)).map(([config, dice]) => withReplicationPassword(config as any, dice)), weight: 6 },
  { arbitrary: production, weight: 1 },
  // The data tier's own settings with everything else at its default, so that standbys,
  // backups (schedules, time zones), roles and passwords reach the API server often.
  { arbitrary: fc.record({
    database: fc.record({ replicas: fc.constantFrom(1, 2, 2), user: pgRole, replicationUser: pgRole, backup }),
    credentials: fc.record({ password, replicationPassword: password }),
  }).map(({ database: db, credentials }) => (db.replicas === 1
    ? { database: { user: db.user, backup: db.backup }, credentials: { password: credentials.password } }
    : { database: db, credentials })), weight: 2 },
) as fc.Arbitrary<ReferenceArchitectureProps>;

/** What synthesizing one configuration gave: its manifests, or the ValidationError. */
export type EdgeOutcome = { manifests: Manifest[] } | { error: ValidationError } | { refusedBySchema: SettingsError };

/**
 * Synthesizes one configuration in-process, as every synth does: the settings schema first
 * (types, enums, known keys: a SettingsError), then the constructs (a ValidationError). Both
 * are outcomes; anything else thrown (a TypeError, a cdk8s error) is a bug and propagates.
 */
export function synthEdge(props: ReferenceArchitectureProps, id = 'edge'): EdgeOutcome {
  // Testing.app() would leave a folder in $TMPDIR per call; this outdir is never written,
  // because nothing here calls app.synth().
  const app = new App({ outdir: path.join(os.tmpdir(), 'refarch-edge-configs-never-written') });
  try {
    checkEnvironments({ [id]: props });
  } catch (err) {
    if (err instanceof SettingsError) return { refusedBySchema: err };
    throw err;
  }
  try {
    return { manifests: Testing.synth(new ReferenceArchitecture(app, id, props)) as Manifest[] };
  } catch (err) {
    if (err instanceof ValidationError) return { error: err };
    throw err;
  }
}
