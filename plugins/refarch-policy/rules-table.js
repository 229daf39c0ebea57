// @ts-check
'use strict';
/**
 * The rules tables (this plugin's README, the repository's docs/quality-gates.md), generated from the rule catalog:
 *   node plugins/refarch-policy/rules-table.js            prints the table
 *   node plugins/refarch-policy/rules-table.js --write    rewrites it in the READMEs, between the markers
 * Files can be named after --write; the default is this plugin's README and, when the
 * plugin sits in this repository, the repository's docs/quality-gates.md.
 */
const fs = require('fs');
const path = require('path');
const { rulesTable, withRulesTable } = require('./src/readme-tables');

const [mode, ...named] = process.argv.slice(2);
if (mode === undefined) {
  console.log(rulesTable());
} else if (mode === '--write') {
  const defaults = [path.join(__dirname, 'README.md'), path.join(__dirname, '..', '..', 'docs', 'quality-gates.md')].filter((f) => fs.existsSync(f));
  const files = (named.length > 0 ? named : defaults).map((file) => {
    const before = fs.readFileSync(file, 'utf8');
    return { file, before, after: withRulesTable(before, file) };
  });
  const changed = files.filter((f) => f.after !== f.before);
  // The repository's one safe writer (all or nothing, never through a symlink). A copy of
  // this plugin elsewhere prints the tables (no argument) instead of --write.
  if (changed.length > 0) {
    const { replaceFiles } = require('../../scripts/safe-write');
    replaceFiles(changed.map((f) => ({ path: f.file, data: f.after, display: path.relative(process.cwd(), f.file) || f.file })));
  }
  for (const f of files) console.log(`${f.after === f.before ? 'unchanged' : 'rewrote'} ${path.relative(process.cwd(), f.file) || f.file}`);
} else {
  console.error('usage: node rules-table.js [--write [README.md ...]]');
  process.exitCode = 2;
}
