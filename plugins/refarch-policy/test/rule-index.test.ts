/**
 * src/rule-index.js is generated from the files of src/rules/ (npm run generate): the
 * catalog the engine runs is exactly the folder, in every entry point, bundled or not.
 */
import * as fs from 'fs';
import * as path from 'path';
import { RULES } from '..';
import { ruleIndexText } from '../src/rule-index-text';

const pluginDir = path.resolve(__dirname, '..');

test('src/rule-index.js lists every file of src/rules/ (if this fails: `npm run generate`, commit)', () => {
  expect(fs.readFileSync(path.join(pluginDir, 'src', 'rule-index.js'), 'utf8')).toBe(ruleIndexText());
  expect(RULES.map((r) => `${r.id}.js`).sort()).toEqual(fs.readdirSync(path.join(pluginDir, 'src', 'rules')).sort());
});

test('the index is static requires, one per rule file: what a bundler follows', () => {
  const text = ruleIndexText();
  const requires = [...text.matchAll(/require\("\.\/rules\/([a-z0-9-]+)"\)/g)].map((m) => `${m[1]}.js`);
  expect(requires).toEqual(fs.readdirSync(path.join(pluginDir, 'src', 'rules')).filter((f) => f.endsWith('.js')).sort());
});
