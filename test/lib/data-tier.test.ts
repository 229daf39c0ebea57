/**
 * The data tier: PostgresDatabase replication and TLS, PostgresBackup, the cron
 * schedule check and their wiring into the environments. The scripts themselves run
 * against real servers in test/data-scripts/run.sh (npm run test:data-scripts).
 */
import { AppConfig } from '../../lib/app-config';
import { validateCronSchedule } from '../../lib/cron-schedule';
import { PostgresBackup, PostgresBackupProps } from '../../lib/postgres-backup';
import { PostgresDatabase, PostgresDatabaseProps, ROLE_LABEL } from '../../lib/postgres-database';
import { databaseScripts } from '../../lib/postgres-scripts';
import { all, find, fullDataTier, synthEnvironment, synthIn } from '../support';

const replicatedConfig = (c: any) => new AppConfig(c, 'cfg', { settings: { DB_USER: 'app', DB_NAME: 'app' }, existingSecretKeys: ['password', 'replication-password'] });
const db = (props: PostgresDatabaseProps = {}) => synthIn((c) => new PostgresDatabase(c, 'db', { config: replicatedConfig(c), ...props }));

describe('PostgresDatabase replication', () => {
  test('replicas 1 (default) renders no standby object, no scripts and no role label', () => {
    const m = db();
    expect(all(m, 'StatefulSet').map((s) => s.metadata.name)).toEqual(['postgres']);
    expect(m.some((o) => o.metadata.name.includes('replica') || o.metadata.name === 'postgres-read')).toBe(false);
    expect(m.some((o) => o.kind === 'ConfigMap' && o.metadata.name === 'postgres-scripts')).toBe(false);
    const sts = find(m, 'StatefulSet', 'postgres');
    expect(sts.spec.template.metadata.labels[ROLE_LABEL]).toBeUndefined();
    expect(sts.spec.template.spec.containers[0].command).toBeUndefined();
  });

  test('replicas 3: the primary keeps its identity; 2 standbys in postgres-replica behind postgres-read', () => {
    const single = find(db(), 'StatefulSet', 'postgres');
    const m = db({ replicas: 3 });
    const primary = find(m, 'StatefulSet', 'postgres');
    // Immutable fields unchanged: the upgrade from one replica applies in place.
    for (const key of ['selector', 'serviceName', 'volumeClaimTemplates', 'replicas']) expect(primary.spec[key]).toEqual(single.spec[key]);
    expect(primary.spec.template.metadata.labels[ROLE_LABEL]).toBe('primary');
    const pc = primary.spec.template.spec.containers[0];
    expect(pc.command).toEqual(['bash', '/opt/refarch/primary.sh']);
    expect(pc.args).toEqual(['-c', 'wal_keep_size=256MB']);
    expect(pc.readinessProbe.exec.command).toEqual(['bash', '/opt/refarch/readiness.sh', 'primary']);
    expect(pc.env).toContainEqual({ name: 'REFARCH_REPLICATION_USER', value: 'replicator' });
    expect(pc.volumeMounts).toContainEqual({ name: 'initdb', mountPath: '/docker-entrypoint-initdb.d', readOnly: true });
    const secretVolume = primary.spec.template.spec.volumes.find((v: any) => v.name === 'replication-credentials');
    expect(secretVolume.secret).toEqual({ secretName: 'app-credentials', items: [{ key: 'replication-password', path: 'replication-password' }], defaultMode: 0o440 });
    expect(pc.env).toContainEqual({ name: 'REFARCH_REPLICATION_PASSWORD_FILE', value: '/etc/refarch-replication/replication-password' });

    const standby = find(m, 'StatefulSet', 'postgres-replica');
    expect(standby.spec.replicas).toBe(2);
    expect(standby.spec.serviceName).toBe('postgres-replica-headless');
    expect(standby.spec.template.metadata.labels[ROLE_LABEL]).toBe('standby');
    const sc = standby.spec.template.spec.containers[0];
    expect(sc.command).toEqual(['bash', '/opt/refarch/standby.sh']);
    expect(sc.env).toContainEqual({ name: 'REFARCH_PRIMARY_HOST', value: 'postgres.default.svc.cluster.local' });
    expect(sc.env.map((e: any) => e.name)).not.toContain('POSTGRES_PASSWORD');
    expect(sc.readinessProbe.exec.command).toEqual(['bash', '/opt/refarch/readiness.sh', 'standby']);
    expect(standby.spec.template.spec.volumes.map((v: any) => v.name)).not.toContain('initdb');
    expect(standby.spec.volumeClaimTemplates[0].metadata.labels['app.kubernetes.io/version']).toBeUndefined();

    // Standby pods do not match the primary's selector, and the other way round.
    const matches = (sel: Record<string, string>, labels: Record<string, string>) => Object.entries(sel).every(([k, v]) => labels[k] === v);
    expect(matches(primary.spec.selector.matchLabels, standby.spec.template.metadata.labels)).toBe(false);
    expect(matches(standby.spec.selector.matchLabels, primary.spec.template.metadata.labels)).toBe(false);
    expect(find(m, 'Service', 'postgres-read').spec.selector).toEqual(standby.spec.selector.matchLabels);
    expect(find(m, 'Service', 'postgres').spec.selector).toEqual(primary.spec.selector.matchLabels);
    expect(find(m, 'Service', 'postgres-read').spec.publishNotReadyAddresses).toBeUndefined();

    // Spread: soft anti-affinity against the primary and the other standbys.
    const terms = standby.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
    expect(terms.map((t: any) => t.podAffinityTerm.labelSelector.matchLabels)).toEqual([primary.spec.selector.matchLabels, standby.spec.selector.matchLabels]);
    expect(find(m, 'PodDisruptionBudget', 'postgres-replica').spec.maxUnavailable).toBe(1);

    const egress = find(m, 'NetworkPolicy', 'allow-postgres-replica-to-primary-egress').spec;
    expect(egress.podSelector.matchLabels).toEqual(standby.spec.selector.matchLabels);
    expect(egress.egress[0].to[0].podSelector.matchLabels).toEqual(primary.spec.selector.matchLabels);
    const ingress = find(m, 'NetworkPolicy', 'allow-postgres-replica-to-primary-ingress').spec;
    expect(ingress.ingress[0]).toEqual({ from: [{ podSelector: { matchLabels: standby.spec.selector.matchLabels } }], ports: [{ protocol: 'TCP', port: 5432 }] });

    // The scripts ConfigMap holds what the pods run; its digest rolls the pods on a change.
    expect(Object.keys(find(m, 'ConfigMap', 'postgres-scripts').data).sort()).toEqual(Object.keys(databaseScripts()).sort());
    expect(primary.spec.template.metadata.annotations['refarch.example.com/scripts-hash']).toMatch(/^[0-9a-f]{16}$/);
  });

  test('TLS: Secret mounted 0640, ssl args on both roles, standbys replicate with verify-full', () => {
    const m = db({ replicas: 2, tls: { secretName: 'pg-tls' } });
    for (const name of ['postgres', 'postgres-replica']) {
      const sts = find(m, 'StatefulSet', name);
      const c = sts.spec.template.spec.containers[0];
      expect(c.args).toEqual(expect.arrayContaining(['ssl=on', 'ssl_cert_file=/etc/postgresql-tls/tls.crt', 'ssl_key_file=/etc/postgresql-tls/tls.key', 'ssl_ca_file=/etc/postgresql-tls/ca.crt']));
      expect(c.env).toContainEqual({ name: 'REFARCH_TLS_DIR', value: '/etc/postgresql-tls' });
      expect(sts.spec.template.spec.volumes).toContainEqual({ name: 'tls', secret: { secretName: 'pg-tls', defaultMode: 0o640 } });
      expect(sts.metadata.annotations!['refarch.example.com/external-secrets'].split(',')).toEqual(['app-credentials', 'pg-tls']);
    }
    expect(databaseScripts()['standby.sh']).toContain('sslmode=verify-full sslrootcert=$REFARCH_TLS_DIR/ca.crt');
  });

  test('TLS with one replica: the primary script (for the hostnossl reject rules) but no standby', () => {
    const m = db({ tls: { secretName: 'pg-tls' } });
    expect(all(m, 'StatefulSet')).toHaveLength(1);
    const c = find(m, 'StatefulSet', 'postgres').spec.template.spec.containers[0];
    expect(c.command).toEqual(['bash', '/opt/refarch/primary.sh']);
    expect(c.args).not.toContain('wal_keep_size=256MB');
    expect(c.readinessProbe.exec.command[0]).toBe('pg_isready');
  });

  test.each<[string, PostgresDatabaseProps, RegExp]>([
    ['replicas 0', { replicas: 0 }, /db: replicas: 0\. Must be an integer from 1 to 10\./],
    ['replicas 11', { replicas: 11 }, /db: replicas: 11\. Must be an integer from 1 to 10\./],
    ['replicas 1.5', { replicas: 1.5 }, /db: replicas: 1\.5\./],
    ['replicas as a string', { replicas: '2' as any }, /db: replicas: "2"\./],
    ['replicationUser with one replica', { replicationUser: 'repl' }, /db: replicationUser: "repl"\. Only applies with replicas above 1/],
    ['a bad role name', { replicas: 2, replicationUser: 'Repl-User' }, /db: replicationUser: "Repl-User"\. Must be a plain PostgreSQL identifier/],
    ['TLS without the Secret name', { tls: {} as any }, /db: tls\.secretName: undefined\. Required with tls/],
    ['TLS with an empty Secret name', { tls: { secretName: '' } }, /db: tls\.secretName: ""\. Required with tls/],
    ['TLS with a bad Secret name', { tls: { secretName: 'Bad_Name' } }, /db: tls\.secretName: "Bad_Name"\. Must be a DNS-1123 subdomain/],
  ])('refuses %s', (_what, props, message) => {
    expect(() => db(props)).toThrow(message);
  });

  test('refuses replicas above 1 when the Secret has no replication password key', () => {
    expect(() => synthIn((c) => new PostgresDatabase(c, 'db', { replicas: 2 }))).toThrow(/secret key: "replication-password"\. No such key; the Secret "app-credentials" has: password\./);
  });
});

describe('PostgresBackup', () => {
  // The database: a primary and a standby unless told otherwise.
  const backup = (props: Partial<PostgresBackupProps> = {}, database: PostgresDatabaseProps = { replicas: 2 }) => synthIn((c) => new PostgresBackup(c, 'backup', {
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
      // When the standby stays away, the script dumps from the primary instead.
      { name: 'REFARCH_FALLBACK_HOST', value: 'postgres.default.svc.cluster.local' },
    ]));
    expect(pod.volumes).toContainEqual({ name: 'backups', persistentVolumeClaim: { claimName: 'postgres-backup' } });
    expect(find(m, 'PersistentVolumeClaim', 'postgres-backup').spec.resources.requests.storage).toBe('1Gi');
    expect(find(m, 'ServiceAccount', 'postgres-backup').automountServiceAccountToken).toBe(false);
  });

  test('without a standby the backup dumps from the primary and has nothing to fall back to', () => {
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

  test('NetworkPolicies: backup/restore pods reach the database port of both targets and DNS; both targets admit them', () => {
    const m = backup();
    const egress = find(m, 'NetworkPolicy', 'allow-postgres-backup-egress').spec;
    expect(egress.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'postgresql-backup', 'app.kubernetes.io/instance': 'postgres-backup' });
    expect(egress.egress[0].to.map((t: any) => t.podSelector.matchLabels['app.kubernetes.io/component'])).toEqual(['database-replica', 'database']);
    expect(egress.egress[1].ports.map((p: any) => p.port)).toEqual([53, 53]);
    const backupPolicies = (manifests: typeof m) => all(manifests, 'NetworkPolicy').filter((p) => p.metadata.name.startsWith('allow-postgres-backup-'));
    expect(backupPolicies(m).filter((p) => p.spec.policyTypes[0] === 'Ingress').map((p) => p.spec.podSelector.matchLabels['app.kubernetes.io/component'])).toEqual(['database-replica', 'database']);
    // One target (no standby): one ingress policy, and the dumps come from the primary.
    const single = backup({}, {});
    expect(backupPolicies(single).map((p) => p.metadata.name)).toEqual(['allow-postgres-backup-egress', 'allow-postgres-backup-ingress']);
    expect(find(single, 'CronJob', 'postgres-backup').spec.jobTemplate.spec.template.spec.containers[0].env).toContainEqual({ name: 'PGHOST', value: 'postgres.default.svc.cluster.local' });
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
    ['no database', { database: undefined }, /backup: database: undefined\. Required: the PostgresDatabase to back up/],
    ['a database name for a database', { database: 'postgres' as any }, /backup: database: "postgres"\. Required: the PostgresDatabase to back up/],
    ['a database in another namespace', { namespace: 'other' }, /backup: database\.config: "default"\. Must be in the same namespace as the backups \("other"\)/],
    ['a database without its AppConfig', { database: { namespace: 'default', name: 'x', selector: {}, serviceName: 'x', ports: { postgresql: { port: 5432 } }, config: undefined as any } },
      /backup: database\.config: undefined\. Required/],
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

  test('prod: primary + 1 standby, TLS from postgres-tls, verify-full with the CA mounted in the web pods, nightly backups from the standby', () => {
    const m = synthEnvironment('prod');
    expect(find(m, 'StatefulSet', 'postgres-replica').spec.replicas).toBe(1);
    const cm = find(m, 'ConfigMap', 'guestbook-config').data;
    expect(cm).toMatchObject({ DB_SSLMODE: 'verify-full', DB_SSLROOTCERT: '/etc/refarch-db-ca/ca.crt' });
    const web = find(m, 'Deployment', 'guestbook').spec.template.spec;
    expect(web.volumes).toContainEqual({ name: 'db-ca', secret: { secretName: 'postgres-tls', items: [{ key: 'ca.crt', path: 'ca.crt' }], defaultMode: 0o440 } });
    expect(web.containers[0].volumeMounts).toContainEqual({ name: 'db-ca', mountPath: '/etc/refarch-db-ca', readOnly: true });
    const backupEnv = find(m, 'CronJob', 'postgres-backup').spec.jobTemplate.spec.template.spec.containers[0].env;
    expect(backupEnv).toContainEqual({ name: 'PGHOST', value: 'postgres-read.refarch-prod.svc.cluster.local' });
    expect(backupEnv).toContainEqual({ name: 'PGSSLMODE', value: 'verify-full' });
    expect(m.some((o) => o.kind === 'Secret')).toBe(false);
  });

  test('dev with the full data tier renders the replication password into the dev Secret', () => {
    const secret = find(synthEnvironment('dev', fullDataTier), 'Secret', 'guestbook-db-credentials');
    expect(Object.keys(secret.data).sort()).toEqual(['password', 'replication-password']);
  });

  test.each<[string, (p: any) => any, RegExp]>([
    ['replicas 2 with a rendered Secret but no replication password', (p) => ({ ...p, database: { ...p.database, replicas: 2 } }),
      /dev: credentials\.replicationPassword: undefined\. Required with credentials\.password and database\.replicas above 1/],
    ['a replication password with one replica', (p) => ({ ...p, credentials: { ...p.credentials, replicationPassword: 'x' } }),
      /dev: credentials\.replicationPassword: "<redacted>"\. Only applies with/],
    ['TLS without the Secret name', (p) => ({ ...p, database: { ...p.database, tls: {} } }), /dev\/Database: tls\.secretName: undefined\. Required with tls/],
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
