/**
 * Writes the scripts of lib/postgres-scripts.ts into a folder, exactly as the
 * ConfigMaps ship them, for test/data-scripts/run.sh.
 * Also writes tls-args: the server's TLS arguments for certificates in <tls dir>, one per line.
 * Usage: node --import tsx test/data-scripts/export-scripts.ts <dir> <tls dir>
 */
import * as fs from 'fs';
import * as path from 'path';
import { backupScripts, databaseScripts, tlsServerArgs } from '../../lib/postgres-scripts';

const [dir, tlsDir] = process.argv.slice(2);
if (!dir || !tlsDir) throw new Error('usage: export-scripts.ts <dir> <tls dir>');
fs.writeFileSync(path.join(dir, 'tls-args'), `${tlsServerArgs(tlsDir).join('\n')}\n`);
for (const [name, text] of Object.entries({ ...databaseScripts(), ...backupScripts() })) {
  fs.writeFileSync(path.join(dir, name), text, { mode: 0o644 });
}
