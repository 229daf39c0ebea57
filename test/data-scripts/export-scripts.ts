/**
 * Writes what the data tier's ConfigMaps and containers ship, as the constructs render
 * them, for test/data-scripts/run.sh: one folder per ConfigMap and the command line of
 * the containers that run them.
 *   <dir>/single/   the single instance with TLS: lib.sh, single.sh, initdb-single.sh
 *   <dir>/single.command   its container command and args, one per line
 *   <dir>/patroni/  a Patroni member with TLS and synchronous replication: lib.sh,
 *                   patroni.sh, post-bootstrap.sh, patroni.yml
 *   <dir>/backup/   backup-lib.sh, backup.sh, restore.sh
 * Usage: node --import tsx test/data-scripts/export-scripts.ts <dir>
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { AppConfig } from '../../lib/app-config';
import { PostgresBackup } from '../../lib/postgres-backup';
import { PostgresDatabase } from '../../lib/postgres-database';

const [dir] = process.argv.slice(2);
if (!dir) throw new Error('usage: export-scripts.ts <dir>');
const chart = new Chart(new App(), 'data-scripts', { namespace: 'data-scripts' });
const config = new AppConfig(chart, 'Config', {
  settings: { DB_USER: 'guestbook', DB_NAME: 'guestbook' }, secretName: 'db', existingSecretKeys: ['password', 'replication-password', 'superuser-password'],
});
const tls = { secretName: 'postgres-tls' };
const single = new PostgresDatabase(chart, 'Single', { name: 'single', config, tls });
const patroni = new PostgresDatabase(chart, 'Patroni', {
  name: 'patroni', config, tls, replicas: 3, image: 'registry.example.com/postgres-patroni:17', synchronousReplication: 'on', kubernetesApi: { cidrs: ['127.0.0.1/32'] },
});
const backup = new PostgresBackup(chart, 'Backup', { database: single });

function write(folder: string, data: Record<string, string> | undefined): void {
  if (!data) throw new Error(`no ConfigMap data for ${folder}`);
  fs.mkdirSync(path.join(dir, folder), { recursive: true });
  for (const [name, text] of Object.entries(data)) fs.writeFileSync(path.join(dir, folder, name), text, { mode: 0o644 });
}
write('single', single.scriptsConfigMap?.toJson().data);
write('patroni', patroni.scriptsConfigMap?.toJson().data);
write('backup', backup.scriptsConfigMap.toJson().data);
const container = single.statefulSet.toJson().spec.template.spec.containers[0];
fs.writeFileSync(path.join(dir, 'single.command'), `${[...container.command, ...container.args].join('\n')}\n`);
