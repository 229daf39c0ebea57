/**
 * The data tier: PostgresDatabase replication and TLS, PostgresBackup, the cron
 * schedule check and their wiring into the environments. The scripts themselves run
 * against real servers in test/data-scripts/run.sh (npm run test:data-scripts).
 */
import { AppConfig } from '../../lib/app-config';
import { validateCronSchedule } from '../../lib/cron-schedule';
import { PostgresBackup, PostgresBackupProps } from '../../lib/postgres-backup';
import { PostgresDatabase, PostgresDatabaseProps, ROLE_LABEL } from '../../lib/postgres-database';
import { all, find, fullDataTier, synthEnvironment, synthIn } from '../support';

const replicatedConfig = (c: any) => new AppConfig(c, 'cfg', { settings: { DB_USER: 'app', DB_NAME: 'app' }, existingSecretKeys: ['password', 'replication-password', 'superuser-password'] });
const db = (props: PostgresDatabaseProps = {}) => synthIn((c) => new PostgresDatabase(c, 'db', { config: replicatedConfig(c), ...props }));

const PATRONI_IMAGE = 'registry.example.com/postgres-patroni:17.11-4.1.5';
const API = { cidrs: ['172.18.0.2/32'] };
const ha = (props: PostgresDatabaseProps = {}) => db({ replicas: 3, image: PATRONI_IMAGE, kubernetesApi: API, ...props });

describe('PostgresDatabase with Patroni (replicas above 1)', () => {
  test('replicas 1 (default): the official image as is, no scripts, no API token, no Patroni object', () => {
    const m = db();
    expect(all(m, 'StatefulSet').map((s) => s.metadata.name)).toEqual(['postgres']);
    expect(m.some((o) => ['Role', 'RoleBinding'].includes(o.kind) || ['postgres-read', 'postgres-scripts', 'postgres-config'].includes(o.metadata.name))).toBe(false);
    const sts = find(m, 'StatefulSet', 'postgres');
    expect(sts.spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(sts.spec.template.spec.containers[0].command).toBeUndefined();
    expect(find(m, 'Service', 'postgres').spec.selector).toEqual(sts.spec.selector.matchLabels);
  });

  test('replicas 3: one StatefulSet with the single instance\'s immutable fields, Patroni as the command, probes on its REST API', () => {
    const single = find(db(), 'StatefulSet', 'postgres');
    const m = ha();
    expect(all(m, 'StatefulSet').map((s) => s.metadata.name)).toEqual(['postgres']);
    const sts = find(m, 'StatefulSet', 'postgres');
    // Immutable fields unchanged: the upgrade from one replica applies in place.
    for (const key of ['selector', 'serviceName', 'volumeClaimTemplates', 'podManagementPolicy']) expect(sts.spec[key]).toEqual(single.spec[key]);
    expect(sts.spec.replicas).toBe(3);
    const pod = sts.spec.template.spec;
    const c = pod.containers[0];
    expect(c.command).toEqual(['bash', '/opt/refarch/patroni.sh']);
    expect(c.image).toBe(PATRONI_IMAGE);
    expect(c.ports).toEqual([{ name: 'postgresql', containerPort: 5432, protocol: 'TCP' }, { name: 'patroni', containerPort: 8008, protocol: 'TCP' }]);
    // ready.sh: Patroni's /readiness, or (members but 0) no leader at all yet.
    expect(c.readinessProbe.exec).toEqual({ command: ['bash', '/opt/refarch/ready.sh'] });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/liveness', port: 'patroni' });
    expect(c.env).toEqual(expect.arrayContaining([
      { name: 'PATRONI_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'PATRONI_KUBERNETES_POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'PATRONI_SUPERUSER_USERNAME', value: 'postgres' },
      { name: 'PATRONI_REPLICATION_USERNAME', value: 'replicator' },
      { name: 'REFARCH_MEMBER_DOMAIN', value: 'postgres-headless.default.svc.cluster.local' },
    ]));
    // Passwords as files only.
    expect(c.env.filter((e: any) => /PASSWORD$/.test(e.name))).toEqual([]);
    expect(pod.volumes.find((v: any) => v.name === 'credentials').secret.items.map((i: any) => i.key)).toEqual(['password', 'replication-password', 'superuser-password']);
    // The same pod builder as the single instance: identity, read-only root, emptyDirs.
    for (const key of ['securityContext', 'enableServiceLinks', 'terminationGracePeriodSeconds']) expect(pod[key]).toEqual(single.spec.template.spec[key]);
    expect(c.securityContext).toEqual(single.spec.template.spec.containers[0].securityContext);
    expect(pod.volumes.filter((v: any) => v.emptyDir)).toEqual(single.spec.template.spec.volumes.filter((v: any) => v.emptyDir));
    expect(sts.spec.template.metadata.labels['refarch.example.com/patroni-cluster']).toBe('postgres');
    expect(sts.spec.template.metadata.labels[ROLE_LABEL]).toBeUndefined();
    expect(sts.spec.template.metadata.annotations['refarch.example.com/scripts-hash']).toMatch(/^[0-9a-f]{16}$/);
  });

  test('Services: the client Service has no selector (Patroni writes its Endpoints), postgres-read selects role replica, postgres-config exists for Patroni', () => {
    const m = ha();
    expect(find(m, 'Service', 'postgres').spec.selector).toBeUndefined();
    expect(find(m, 'Service', 'postgres').spec.ports).toEqual([{ name: 'postgresql', port: 5432, targetPort: 'postgresql', protocol: 'TCP' }]);
    const selector = find(m, 'StatefulSet', 'postgres').spec.selector.matchLabels;
    expect(find(m, 'Service', 'postgres-read').spec.selector).toEqual({ ...selector, [ROLE_LABEL]: 'replica' });
    expect(find(m, 'Service', 'postgres-config').spec).toEqual({ clusterIP: 'None' });
    expect(find(m, 'Service', 'postgres-headless').spec.publishNotReadyAddresses).toBe(true);
  });

  test('least privilege: only these pods mount a token, with a Role of exactly the calls Patroni makes, bound only to their ServiceAccount', () => {
    const m = ha();
    const sts = find(m, 'StatefulSet', 'postgres');
    expect(sts.spec.template.spec.automountServiceAccountToken).toBe(true);
    expect(find(m, 'ServiceAccount', 'postgres').automountServiceAccountToken).toBe(false);
    expect(sts.metadata.annotations!['refarch.example.com/skip-automount-service-account-token']).toMatch(/Patroni keeps its leader lock/);
    expect(find(m, 'Role', 'postgres-patroni').rules).toEqual([
      { apiGroups: [''], resources: ['endpoints'], verbs: ['list', 'watch', 'create'] },
      { apiGroups: [''], resources: ['endpoints'], resourceNames: ['postgres', 'postgres-config', 'postgres-sync', 'postgres-failover'], verbs: ['get', 'patch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
      { apiGroups: [''], resources: ['pods'], resourceNames: ['postgres-0', 'postgres-1', 'postgres-2'], verbs: ['patch'] },
    ]);
    expect(find(m, 'RoleBinding', 'postgres-patroni')).toMatchObject({
      roleRef: { kind: 'Role', name: 'postgres-patroni' }, subjects: [{ kind: 'ServiceAccount', name: 'postgres', namespace: 'default' }],
    });
  });

  test('NetworkPolicies: members reach each other on 5432 and 8008, and the API server and nothing else', () => {
    const m = ha({ kubernetesApi: { cidrs: ['10.0.0.5/32', '10.0.0.6/32'], port: 443 } });
    const selector = find(m, 'StatefulSet', 'postgres').spec.selector.matchLabels;
    expect(find(m, 'NetworkPolicy', 'allow-postgres-members-ingress').spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: selector } }], ports: [{ protocol: 'TCP', port: 5432 }, { protocol: 'TCP', port: 8008 }] }]);
    expect(find(m, 'NetworkPolicy', 'allow-postgres-to-kubernetes-api-egress').spec).toEqual({
      podSelector: { matchLabels: selector }, policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '10.0.0.5/32' } }, { ipBlock: { cidr: '10.0.0.6/32' } }], ports: [{ protocol: 'TCP', port: 443 }] }],
    });
  });

  test('patroni.yml: scope, Endpoints as the state store, the timing and synchronous mode given, TLS for replication and rewind', () => {
    const m = ha({ synchronousReplication: 'strict', failover: { ttlSeconds: 30, loopWaitSeconds: 10, retryTimeoutSeconds: 10 }, tls: { secretName: 'pg-tls' } });
    const files = find(m, 'ConfigMap', 'postgres-scripts').data;
    const config = JSON.parse(files['patroni.yml']);
    // The bootstrap section only in bootstrap.yml, which member 0 alone reads (patroni.sh).
    expect(config.bootstrap).toBeUndefined();
    config.bootstrap = JSON.parse(files['bootstrap.yml']).bootstrap;
    expect(Object.keys(JSON.parse(files['bootstrap.yml']))).toEqual(['bootstrap']);
    expect(config.scope).toBe('postgres');
    expect(config.kubernetes).toMatchObject({ use_endpoints: true, role_label: ROLE_LABEL, leader_label_value: 'primary', follower_label_value: 'replica', ports: [{ name: 'postgresql', port: 5432 }] });
    expect(config.bootstrap.dcs).toMatchObject({ ttl: 30, loop_wait: 10, retry_timeout: 10, synchronous_mode: true, synchronous_mode_strict: true, failsafe_mode: false });
    expect(config.postgresql.authentication.replication).toEqual({ sslmode: 'verify-full', sslrootcert: '/etc/postgresql-tls/ca.crt' });
    expect(config.postgresql.pg_hba.slice(0, 4)).toEqual(['local all all trust', 'local replication all trust', 'hostnossl all all all reject', 'hostnossl replication all all reject']);
    expect(config.postgresql).toMatchObject({ use_unix_socket: true, use_unix_socket_repl: true });
    expect(config.postgresql.parameters).toMatchObject({ ssl: 'on', ssl_cert_file: '/etc/postgresql-tls/tls.crt' });
    expect(Object.keys(find(m, 'ConfigMap', 'postgres-scripts').data).sort()).toEqual(['bootstrap.yml', 'lib.sh', 'patroni.sh', 'patroni.yml', 'post-bootstrap.sh', 'ready.sh']);
    const defaults = JSON.parse(find(ha(), 'ConfigMap', 'postgres-scripts').data['bootstrap.yml']).bootstrap.dcs;
    expect(defaults).toMatchObject({ ttl: 20, loop_wait: 5, retry_timeout: 7, synchronous_mode: false, synchronous_mode_strict: false });
  });

  test('TLS with one replica: single.sh (the hostnossl reject rules) with the official image', () => {
    const m = db({ tls: { secretName: 'pg-tls' } });
    const c = find(m, 'StatefulSet', 'postgres').spec.template.spec.containers[0];
    expect(c.command).toEqual(['bash', '/opt/refarch/single.sh']);
    expect(c.args).toEqual(expect.arrayContaining(['ssl=on', 'ssl_cert_file=/etc/postgresql-tls/tls.crt']));
    expect(c.readinessProbe.exec.command[0]).toBe('pg_isready');
    expect(Object.keys(find(m, 'ConfigMap', 'postgres-scripts').data).sort()).toEqual(['initdb-single.sh', 'lib.sh', 'single.sh']);
  });

  test.each<[string, PostgresDatabaseProps, RegExp]>([
    ['replicas 0', { replicas: 0 }, /db: replicas: 0\. Must be an integer from 1 to 10\./],
    ['replicas 11', { replicas: 11 }, /db: replicas: 11\. Must be an integer from 1 to 10\./],
    ['replicas 1.5', { replicas: 1.5 }, /db: replicas: 1\.5\./],
    ['replicas as a string', { replicas: '2' as any }, /db: replicas: "2"\./],
    ['replicationUser with one replica', { replicationUser: 'repl' }, /db: replicationUser: "repl"\. Only applies with replicas above 1/],
    ['synchronous replication with one replica', { synchronousReplication: 'on' }, /db: synchronousReplication: "on"\. Only applies with replicas above 1/],
    ['kubernetesApi with one replica', { kubernetesApi: API }, /db: kubernetesApi: .*Only applies with replicas above 1/],
    ['replicas 2 with the official image', { replicas: 2, kubernetesApi: API }, /db: image: "postgres:17\.11-trixie"\. Must be an image with Patroni/],
    ['replicas 2 without kubernetesApi', { replicas: 2, image: PATRONI_IMAGE }, /db: kubernetesApi\.cidrs: \(not set\)\. Required with replicas above 1/],
    ['a bad API CIDR', { replicas: 2, image: PATRONI_IMAGE, kubernetesApi: { cidrs: ['10.0.0.300/32'] } }, /db: kubernetesApi\.cidrs\[0\]: "10\.0\.0\.300\/32"\. Must be a CIDR/],
    ['a bad role name', { replicas: 2, image: PATRONI_IMAGE, kubernetesApi: API, replicationUser: 'Repl-User' }, /db: replicationUser: "Repl-User"\. Must be a plain PostgreSQL identifier/],
    ['the replication role named like the superuser', { replicas: 2, image: PATRONI_IMAGE, kubernetesApi: API, replicationUser: 'postgres' },
      /db: replicationUser: "postgres"\. Must differ from Patroni's superuser \(POSTGRES_SUPERUSER \(postgres-image\.ts\) is also "postgres"\)/],
    ['an unknown synchronous mode', { replicas: 2, image: PATRONI_IMAGE, kubernetesApi: API, synchronousReplication: 'yes' as any }, /db: synchronousReplication: "yes"\. Must be one of/],
    ['a ttl too short for loop_wait and retry_timeout', { replicas: 2, image: PATRONI_IMAGE, kubernetesApi: API, failover: { ttlSeconds: 15 } },
      /db: failover: .*Must satisfy loopWaitSeconds \+ 2 \* retryTimeoutSeconds <= ttlSeconds/],
    ['an unknown failover setting', { replicas: 2, image: PATRONI_IMAGE, kubernetesApi: API, failover: { ttl: 20 } as any }, /db: failover\.ttl: 20\. Unknown setting/],
    ['TLS without the Secret name', { tls: {} as any }, /db: tls\.secretName: \(not set\)\. Required with tls/],
    ['TLS with an empty Secret name', { tls: { secretName: '' } }, /db: tls\.secretName: ""\. Required with tls/],
    ['TLS with a bad Secret name', { tls: { secretName: 'Bad_Name' } }, /db: tls\.secretName: "Bad_Name"\. Must be a DNS-1123 subdomain/],
  ])('refuses %s', (_what, props, message) => {
    expect(() => db(props)).toThrow(message);
  });

  test('refuses the application\'s role named like Patroni\'s superuser', () => {
    expect(() => synthIn((c) => new PostgresDatabase(c, 'db', {
      config: new AppConfig(c, 'cfg', { settings: { DB_USER: 'postgres', DB_NAME: 'app' }, existingSecretKeys: ['password', 'replication-password', 'superuser-password'] }),
      replicas: 2, image: PATRONI_IMAGE, kubernetesApi: API,
    }))).toThrow(/db: config setting DB_USER: "postgres"\. Must differ from Patroni's superuser/);
  });

  test('refuses replicas above 1 when the Secret has no superuser password key', () => {
    expect(() => synthIn((c) => new PostgresDatabase(c, 'db', {
      config: new AppConfig(c, 'cfg', { settings: { DB_USER: 'app', DB_NAME: 'app' }, existingSecretKeys: ['password', 'replication-password'] }),
      replicas: 2, image: PATRONI_IMAGE, kubernetesApi: API,
    }))).toThrow(/secret key: "superuser-password"\. No such key; the Secret "app-credentials" has: password, replication-password\./);
  });
});

describe('PostgresBackup', () => {
  // The database: Patroni with two members unless told otherwise.
  const backup = (props: Partial<PostgresBackupProps> = {}, database: PostgresDatabaseProps = { replicas: 2, image: PATRONI_IMAGE, kubernetesApi: API }) => synthIn((c) => new PostgresBackup(c, 'backup', {
    database: new PostgresDatabase(c, 'db', { config: replicatedConfig(c), ...database }),
    ...props,
  }));

  test('defaults: a daily Forbid CronJob dumping from the read Service into a PVC, keeping 7', () => {
    const m = backup();
    const cj = find(m, 'CronJob', 'postgres-backup');
    expect(cj.spec).toMatchObject({
      schedule: '0 3 * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3,
    });
    expect(cj.spec.jobTemplate.spec.backoffLimit).toBe(1);
    const pod = cj.spec.jobTemplate.spec.template.spec;
    expect(pod).toMatchObject({ serviceAccountName: 'postgres-backup', automountServiceAccountToken: false, restartPolicy: 'Never' });
    const c = pod.containers[0];
    expect(c.command).toEqual(['bash', '/opt/refarch-backup/backup.sh']);
    expect(c.env).toEqual(expect.arrayContaining([
      { name: 'PGHOST', value: 'postgres-read.default.svc.cluster.local' },
      { name: 'REFARCH_KEEP', value: '7' },
      { name: 'PGSSLMODE', value: 'disable' },
      // When the replicas stay away, the script dumps from the primary instead.
      { name: 'REFARCH_FALLBACK_HOST', value: 'postgres.default.svc.cluster.local' },
    ]));
    expect(pod.volumes).toContainEqual({ name: 'backups', persistentVolumeClaim: { claimName: 'postgres-backup' } });
    expect(find(m, 'PersistentVolumeClaim', 'postgres-backup').spec.resources.requests.storage).toBe('1Gi');
    expect(find(m, 'ServiceAccount', 'postgres-backup').automountServiceAccountToken).toBe(false);
  });

  test('without replicas the backup dumps from the primary and has nothing to fall back to', () => {
    const env = find(backup({}, { replicas: 1 }), 'CronJob', 'postgres-backup').spec.jobTemplate.spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'PGHOST', value: 'postgres.default.svc.cluster.local' });
    expect(env.map((e: { name: string }) => e.name)).not.toContain('REFARCH_FALLBACK_HOST');
  });

  test('the restore CronJob is suspended, restores into the primary, reads DUMP from an optional ConfigMap, never retries', () => {
    const cj = find(backup(), 'CronJob', 'postgres-backup-restore');
    expect(cj.spec.suspend).toBe(true);
    expect(cj.spec.jobTemplate.spec.backoffLimit).toBe(0);
    const c = cj.spec.jobTemplate.spec.template.spec.containers[0];
    expect(c.command).toEqual(['bash', '/opt/refarch-backup/restore.sh']);
    expect(c.env).toContainEqual({ name: 'PGHOST', value: 'postgres.default.svc.cluster.local' });
    expect(c.env).toContainEqual({ name: 'DUMP', valueFrom: { configMapKeyRef: { name: 'postgres-backup-restore-request', key: 'dump', optional: true } } });
    expect(cj.spec.jobTemplate.spec.template.metadata.labels['app.kubernetes.io/component']).toBe('restore');
  });

  test('NetworkPolicies: backup/restore pods reach the database pods (every member) and DNS; the members admit them', () => {
    const m = backup();
    const egress = find(m, 'NetworkPolicy', 'allow-postgres-backup-egress').spec;
    expect(egress.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'postgresql-backup', 'app.kubernetes.io/instance': 'postgres-backup' });
    const members = find(m, 'StatefulSet', 'postgres').spec.selector.matchLabels;
    expect(egress.egress[0].to).toEqual([{ podSelector: { matchLabels: members } }]);
    expect(egress.egress[1].ports.map((p: any) => p.port)).toEqual([53, 53]);
    const backupPolicies = (manifests: typeof m) => all(manifests, 'NetworkPolicy').filter((p) => p.metadata.name.startsWith('allow-postgres-backup-'));
    expect(backupPolicies(m).map((p) => p.metadata.name)).toEqual(['allow-postgres-backup-egress', 'allow-postgres-backup-ingress']);
    expect(find(m, 'NetworkPolicy', 'allow-postgres-backup-ingress').spec.podSelector.matchLabels).toEqual(members);
  });

  test('without a namespace, the backups go where the database is', () => {
    const m = synthIn((c) => new PostgresBackup(c, 'backup', { database: new PostgresDatabase(c, 'db', { namespace: 'shop' }) }));
    expect([...new Set(m.map((o) => o.metadata.namespace))]).toEqual(['shop']);
  });

  test('TLS: only ca.crt is mounted and the client verifies the server', () => {
    const cj = find(backup({}, { tls: { secretName: 'pg-tls' } }), 'CronJob', 'postgres-backup');
    const pod = cj.spec.jobTemplate.spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'ca', secret: { secretName: 'pg-tls', items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o440 } });
    expect(pod.containers[0].env).toEqual(expect.arrayContaining([{ name: 'PGSSLMODE', value: 'verify-full' }, { name: 'PGSSLROOTCERT', value: '/etc/postgresql-ca/ca.crt' }]));
  });

  test.each<[string, Partial<PostgresBackupProps>, RegExp]>([
    ['a 4-field schedule', { schedule: '0 3 * *' }, /backup: schedule: "0 3 \* \*"\. Must be a cron schedule as the CronJob controller reads it .* Here it has 4 field\(s\), not exactly 5\./],
    ['a 6-field schedule', { schedule: '0 0 3 * * *' }, /Here it has 6 field\(s\), not exactly 5\./],
    ['minute 60', { schedule: '60 3 * * *' }, /Here the minute field "60" goes above 59\./],
    ['hour 24', { schedule: '0 24 * * *' }, /Here the hour field "24" goes above 23\./],
    ['day of month 0', { schedule: '0 3 0 * *' }, /Here the day of month field "0" starts below 1\./],
    ['month 13', { schedule: '0 3 * 13 *' }, /Here the month field "13" goes above 12/],
    ['day of week 7 (Sunday is 0)', { schedule: '30 2 * * 7' }, /Here the day of week field "7" goes above 6 \(Sunday is 0, not 7\)\./],
    ['day of week 8', { schedule: '0 3 * * 8' }, /Here the day of week field "8" goes above 6\./],
    ['a reversed range', { schedule: '0 5-3 * * *' }, /has range "5-3" whose start is after its end/],
    ['a zero step', { schedule: '*/0 * * * *' }, /has step 0 in "\*\/0"/],
    ['words', { schedule: 'every day' }, /Here it has 2 field\(s\)/],
    ['an empty schedule', { schedule: '' }, /Here it is empty\./],
    ['a time zone in the schedule', { schedule: 'CRON_TZ=Europe/Berlin 0 3 * * *' }, /Here it contains "TZ": set the time zone with timeZone/],
    ['an unknown descriptor', { schedule: '@fortnightly' }, /Here it is not a known descriptor/],
    ['@every without a unit', { schedule: '@every 90' }, /Here "@every" needs a Go duration .*"90" has no unit/],
    ['a number', { schedule: 5 as any }, /backup: schedule: 5\. Must be a cron schedule/],
    ['keep 0', { keep: 0 }, /backup: keep: 0\. Must be an integer from 1 to 1000\./],
    ['keep -1', { keep: -1 }, /backup: keep: -1\./],
    ['a bad time zone', { timeZone: 'UTC+2 hours' }, /backup: timeZone: "UTC\+2 hours"\. Must be an IANA time zone name .* Here it is not a name of the IANA tz database\./],
    ['the time zone Local', { timeZone: 'Local' }, /backup: timeZone: "Local"\. .* Here "Local" is the controller's own zone/],
    ['a time zone in the wrong case', { timeZone: 'europe/berlin' }, /Here names are case-sensitive: did you mean "Europe\/Berlin"\?/],
    ['a bad storage size', { storage: 'lots' }, /backup: storage: "lots"\./],
    ['no database', { database: undefined }, /backup: database: \(not set\)\. Required: the PostgresDatabase to back up/],
    ['a database name for a database', { database: 'postgres' as any }, /backup: database: "postgres"\. Required: the PostgresDatabase to back up/],
    ['a database in another namespace', { namespace: 'other' }, /backup: database\.config: "default"\. Must be in the same namespace as the backups \("other"\)/],
    ['a database without its AppConfig', { database: { namespace: 'default', name: 'x', selector: {}, serviceName: 'x', ports: { postgresql: { port: 5432 } }, config: undefined as any } },
      /backup: database\.config: \(not set\)\. Required/],
    ['DNS as raw peers', { dnsTo: [{ ipBlock: { cidr: '10.0.0.10/32' } }] as any }, /backup: dnsTo: .*Must be a Peer/],
    ['an unpinned image', { image: 'postgres' }, /backup: image: "postgres"\./],
  ])('refuses %s', (_what, props, message) => {
    expect(() => backup(props)).toThrow(message);
  });

  // What the CronJob controller's parser takes, also where it is surprising ("*/100" fires at minute 0 only).
  test.each(['0 3 * * *', '*/15 * * * *', '0 0-6/2 1,15 JAN-MAR mon-fri', '@daily', '@hourly', '0 3 ? * SUN', '@every 90m', '@every 1h30m', '*/100 * * * *', '0 3 * * 0'])('accepts the schedule %s', (schedule) => {
    expect(validateCronSchedule('s', schedule)).toBe(schedule);
  });
});

describe('environments', () => {
  test('dev stays a single plain-text database without backups, and its ConfigMap says sslmode disable', () => {
    const m = synthEnvironment('dev');
    expect(all(m, 'StatefulSet').map((s) => s.metadata.name)).toEqual(['postgres']);
    expect(all(m, 'CronJob')).toEqual([]);
    expect(find(m, 'ConfigMap', 'guestbook-config').data.DB_SSLMODE).toBe('disable');
    expect(find(m, 'ConfigMap', 'guestbook-config').data.DB_SSLROOTCERT).toBeUndefined();
  });

  test('prod: three Patroni members, synchronous, TLS from postgres-tls, verify-full with the CA mounted in the web pods, nightly backups from the replicas', () => {
    const m = synthEnvironment('prod');
    expect(find(m, 'StatefulSet', 'postgres').spec.replicas).toBe(3);
    expect(JSON.parse(find(m, 'ConfigMap', 'postgres-scripts').data['bootstrap.yml']).bootstrap.dcs.synchronous_mode).toBe(true);
    const cm = find(m, 'ConfigMap', 'guestbook-config').data;
    expect(cm).toMatchObject({ DB_SSLMODE: 'verify-full', DB_SSLROOTCERT: '/etc/refarch-db-ca/ca.crt', DB_READ_HOST: 'postgres-read.refarch-prod.svc.cluster.local' });
    const web = find(m, 'Deployment', 'guestbook').spec.template.spec;
    expect(web.volumes).toContainEqual({ name: 'db-ca', secret: { secretName: 'postgres-tls', items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o440 } });
    expect(web.containers[0].volumeMounts).toContainEqual({ name: 'db-ca', mountPath: '/etc/refarch-db-ca', readOnly: true });
    const backupEnv = find(m, 'CronJob', 'postgres-backup').spec.jobTemplate.spec.template.spec.containers[0].env;
    expect(backupEnv).toContainEqual({ name: 'PGHOST', value: 'postgres-read.refarch-prod.svc.cluster.local' });
    expect(backupEnv).toContainEqual({ name: 'PGSSLMODE', value: 'verify-full' });
    expect(m.some((o) => o.kind === 'Secret')).toBe(false);
  });

  test('dev with the full data tier renders the replication and superuser passwords into the dev Secret, and kind\'s API server into the egress policy', () => {
    const m = synthEnvironment('dev', fullDataTier);
    expect(Object.keys(find(m, 'Secret', 'guestbook-db-credentials').data).sort()).toEqual(['password', 'replication-password', 'superuser-password']);
    expect(find(m, 'NetworkPolicy', 'allow-postgres-to-kubernetes-api-egress').spec.egress[0].to).toEqual([{ ipBlock: { cidr: '172.18.0.0/16' } }, { ipBlock: { cidr: '198.19.100.0/24' } }]);
  });

  test.each<[string, (p: any) => any, RegExp]>([
    ['replicas 2 with a rendered Secret but no replication password', (p) => ({ ...p, database: { ...p.database, replicas: 2 } }),
      /dev: credentials\.replicationPassword: \(not set\)\. Required with credentials\.password and database\.replicas above 1/],
    ['replicas 2 with a rendered Secret but no superuser password', (p) => ({ ...p, database: { ...p.database, replicas: 2 }, credentials: { ...p.credentials, replicationPassword: 'r' } }),
      /dev: credentials\.superuserPassword: \(not set\)\. Required with credentials\.password and database\.replicas above 1: Patroni logs in/],
    ['production with replicas but no kubernetesApi', (p) => ({ ...p, production: true, credentials: { secretName: 'x' }, web: { ...p.web, image: 'r.example.com/w:1@sha256:' + '0'.repeat(64) },
      database: { ...p.database, replicas: 2, image: 'r.example.com/p:1@sha256:' + '0'.repeat(64) } }), /dev\/Database: kubernetesApi\.cidrs: \(not set\)\. Required with replicas above 1/],
    ['a replication password with one replica', (p) => ({ ...p, credentials: { ...p.credentials, replicationPassword: 'x' } }),
      /dev: credentials\.replicationPassword: "<redacted>"\. Only applies with/],
    ['TLS without the Secret name', (p) => ({ ...p, database: { ...p.database, tls: {} } }), /dev\/Database: tls\.secretName: \(not set\)\. Required with tls/],
    ['a backup schedule that is not cron', (p) => ({ ...p, database: { ...p.database, backup: { schedule: 'nightly' } } }), /dev\/Backup: schedule: "nightly"\. Must be a cron schedule/],
    ['a retention of 0', (p) => ({ ...p, database: { ...p.database, backup: { keep: 0 } } }), /dev\/Backup: keep: 0\. Must be an integer from 1 to 1000/],
    ['replicas as a string', (p) => ({ ...p, database: { ...p.database, replicas: '2' } }), /dev: database.replicas: "2"\. Must be an integer from 1 to 10/],
    ['an unknown TLS setting', (p) => ({ ...p, database: { ...p.database, tls: { secretName: 'x', caKey: 'ca' } } }), /dev\/Database: tls\.caKey: "ca"\. Unknown setting: tls takes only secretName/],
    ['backup settings with backups off', (p) => ({ ...p, database: { ...p.database, backup: { enabled: false, keep: 3 } } }), /dev: database\.backup\.enabled: false\. Conflicts with/],
    ['replicas with an external database', (p) => ({ ...p, database: { mode: 'external', externalHost: 'db.example.com', replicas: 2 } }), /dev: database\.replicas: 2\. Only applies with database\.mode "in-cluster"/],
    ['backups with an external database', (p) => ({ ...p, database: { mode: 'external', externalHost: 'db.example.com', backup: {} } }), /dev: database\.backup: \{\}\. Only applies with database\.mode "in-cluster"/],
  ])('refuses %s', (_what, change, message) => {
    expect(() => synthEnvironment('dev', change)).toThrow(message);
  });
});
