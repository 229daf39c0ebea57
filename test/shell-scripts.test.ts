/**
 * The data tier's shell scripts are real .sh files (lib/scripts/), shipped as they are.
 * shellcheck reads them with every other shell script of the repository in `npm run
 * lint:shell` (a CI step, zero findings); what they do is tested against PostgreSQL 17 by
 * `npm run test:data-scripts`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { SCRIPT_SOURCE_DIR, backupScripts, patroniScripts, singleInstanceScripts } from '../lib/postgres-scripts';

test('every shipped script is a file of lib/scripts/, and every file there is shipped', () => {
  const shipped = new Set(Object.keys({ ...singleInstanceScripts(), ...patroniScripts(), ...backupScripts() }));
  expect([...shipped].sort()).toEqual(fs.readdirSync(SCRIPT_SOURCE_DIR).sort());
  for (const [name, text] of Object.entries({ ...singleInstanceScripts(), ...patroniScripts(), ...backupScripts() })) {
    expect({ name, same: text === fs.readFileSync(path.join(SCRIPT_SOURCE_DIR, name), 'utf8') }).toEqual({ name, same: true });
  }
});
