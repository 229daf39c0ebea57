/**
 * The data tier's shell scripts are real .sh files, and shellcheck (Debian's package) reads
 * every one of them with zero findings at its default severity (style and up): the scripts
 * the ConfigMaps ship (lib/scripts/), the local images' entrypoint and Patroni install
 * script, and the data-scripts test that runs them. A missing shellcheck is a failure, not a
 * skip. What the scripts do is tested against PostgreSQL by npm run test:data-scripts.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { SCRIPT_SOURCE_DIR, backupScripts, patroniScripts, singleInstanceScripts } from '../lib/postgres-scripts';

const root = path.resolve(__dirname, '..');
const shellFiles = (dir: string) => fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.sh')).map((f) => path.join(dir, f));

test('every shipped script is a file of lib/scripts/, and every file there is shipped', () => {
  const shipped = new Set(Object.keys({ ...singleInstanceScripts(), ...patroniScripts(), ...backupScripts() }));
  expect([...shipped].sort()).toEqual(fs.readdirSync(SCRIPT_SOURCE_DIR).sort());
  for (const [name, text] of Object.entries({ ...singleInstanceScripts(), ...patroniScripts(), ...backupScripts() })) {
    expect({ name, same: text === fs.readFileSync(path.join(SCRIPT_SOURCE_DIR, name), 'utf8') }).toEqual({ name, same: true });
  }
});

test.each([
  ['lib/scripts', shellFiles('lib/scripts')],
  ['test/data-scripts', shellFiles('test/data-scripts')],
  ['cluster/images', ['cluster/images/postgres-entrypoint.sh']],
  ['images/postgres-patroni', ['images/postgres-patroni/install-patroni.sh']],
])('shellcheck finds nothing in %s', (dir, files) => {
  expect(files.length).toBeGreaterThan(0);
  // -x follows `source` lines, -P resolves their paths next to the script (the scripts
  // source each other from their mount path, named by `# shellcheck source=` directives).
  const r = spawnSync('shellcheck', ['-x', '-P', dir, '-f', 'gcc', ...files], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  expect(r.error?.message ?? '').toBe('');
  expect({ status: r.status, findings: r.stdout.trim().split('\n').filter(Boolean) }).toEqual({ status: 0, findings: [] });
});

test('shellcheck reports a real finding (the check can fail)', () => {
  const r = spawnSync('shellcheck', ['-'], { input: '#!/bin/bash\necho $undefined_var\n', encoding: 'utf8', timeout: 60_000 });
  expect(r.status).not.toBe(0);
  expect(r.stdout).toMatch(/SC2154|SC2086/);
});
