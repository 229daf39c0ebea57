// @ts-check
'use strict';
/**
 * The README rules tables, generated from the rule catalog:
 *   node plugins/refarch-policy/rules-table.js            prints the table
 *   node plugins/refarch-policy/rules-table.js --write    rewrites it in the READMEs, between the markers
 * Files can be named after --write; the default is this plugin's README and, when the
 * plugin sits in this repository, the repository's README.
 */
const fs = require('fs');
const path = require('path');
const { rulesTable, withRulesTable } = require('./src/readme-tables');

const [mode, ...named] = process.argv.slice(2);
if (mode === undefined) {
  console.log(rulesTable());
} else if (mode === '--write') {
  const defaults = [path.join(__dirname, 'README.md'), path.join(__dirname, '..', '..', 'README.md')].filter((f) => fs.existsSync(f));
  for (const file of named.length > 0 ? named : defaults) {
    const before = fs.readFileSync(file, 'utf8');
    const after = withRulesTable(before, file);
    if (after !== before) fs.writeFileSync(file, after);
    console.log(`${after === before ? 'unchanged' : 'rewrote'} ${path.relative(process.cwd(), file) || file}`);
  }
} else {
  console.error('usage: node rules-table.js [--write [README.md ...]]');
  process.exitCode = 2;
}
