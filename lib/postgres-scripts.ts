/**
 * The shell scripts of the data tier, as the ConfigMaps ship them: the files of
 * `lib/scripts/`, read at synth time. They are real `.sh` files so that shellcheck reads
 * them (test/shell-scripts.test.ts) and test/data-scripts runs them, unchanged, against
 * PostgreSQL in the image the pods run.
 *
 * Copying a PostgreSQL construct into another project? Copy `lib/scripts/` with this file.
 */
import * as fs from 'fs';
import * as path from 'path';

/** Where the database scripts are mounted in the database pods (the scripts source lib.sh from here). */
export const SCRIPTS_DIR = '/opt/refarch';
/** Where the backup scripts and the backup volume are mounted in the backup pods. */
export const BACKUP_SCRIPTS_DIR = '/opt/refarch-backup';
export const BACKUP_DIR = '/backups';

/** The folder of the script files, next to this file. */
export const SCRIPT_SOURCE_DIR = path.join(__dirname, 'scripts');

function read(names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, fs.readFileSync(path.join(SCRIPT_SOURCE_DIR, name), 'utf8')]));
}

/** The scripts of a single-instance database with TLS (the official image, unchanged), by file name. */
export function singleInstanceScripts(): Record<string, string> {
  return read(['lib.sh', 'single.sh', 'initdb-single.sh']);
}

/** The scripts of a Patroni-managed database (replicas above 1), by file name (patroni.yml and bootstrap.yml are added by the construct). */
export function patroniScripts(): Record<string, string> {
  return read(['lib.sh', 'patroni.sh', 'ready.sh', 'post-bootstrap.sh']);
}

/** The scripts mounted into the backup and restore pods, by file name. */
export function backupScripts(): Record<string, string> {
  return read(['backup-lib.sh', 'backup.sh', 'restore.sh']);
}

/** Server arguments that turn TLS on, with the certificate files in `dir`. */
export function tlsServerArgs(dir: string): string[] {
  return ['-c', 'ssl=on', '-c', `ssl_cert_file=${dir}/tls.crt`, '-c', `ssl_key_file=${dir}/tls.key`, '-c', `ssl_ca_file=${dir}/ca.crt`];
}
