/**
 * The split of jest.config.js stays true: `npm test` (project "unit") is the fast inner loop
 * and must not start processes; the tests that do are listed for `npm run test:integration`,
 * and every listed file exists (a renamed file would otherwise silently run in neither).
 */
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const config = require('../jest.config.js') as { projects: { displayName: string; testMatch: string[] }[] };
const integration = config.projects.find((p) => p.displayName === 'integration')!.testMatch.map((m) => m.replace('<rootDir>/', ''));

function testFiles(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return ['node_modules', 'dist', 'app', 'cluster', '.git', '.cache'].includes(e.name) ? [] : testFiles(rel);
    return e.name.endsWith('.test.ts') ? [rel] : [];
  });
}

test('every file the integration group lists exists', () => {
  expect(integration.filter((f) => !fs.existsSync(path.join(root, f)))).toEqual([]);
  expect(integration.length).toBeGreaterThanOrEqual(10);
});

test('no unit test starts a process (those belong in the integration group)', () => {
  const all = testFiles('.');
  const unit = all.filter((f) => !integration.includes(f));
  // Built from parts so this file does not match itself.
  const moduleName = ['child', 'process'].join('_');
  const imports = new RegExp(`from '(node:)?${moduleName}'|require\\('(node:)?${moduleName}'\\)`);
  const spawning = unit.filter((f) => imports.test(fs.readFileSync(path.join(root, f), 'utf8')));
  expect(spawning).toEqual([]);
  expect(unit.length + integration.length).toBe(all.length);
  expect(unit).toContain(path.join('test', 'test-groups.test.ts'));
});
