// @ts-check
'use strict';
/**
 * The text of src/rule-index.js, the generated list of the rule modules in src/rules/.
 *
 * Why a generated file rather than listing the folder at load time: a listing is invisible
 * to a bundler, so `npm run synth`'s bundle (scripts/synth-fast.js) could not include the
 * rules; with static require() calls it bundles them like any other module, and no tool
 * has to read or rewrite this plugin's source to find them. `npm run generate` rewrites
 * the index (write-rule-index.js); a test fails, naming that command, while it differs
 * from the folder.
 */
const fs = require('fs');
const path = require('path');

/** The folder of the rule modules. */
const RULES_DIR = path.join(__dirname, 'rules');

/**
 * The index for the rule files of `dir` (default: src/rules/), as committed.
 * @param {string} [dir]
 * @returns {string}
 */
function ruleIndexText(dir = RULES_DIR) {
  const ids = fs.readdirSync(dir).filter((f) => f.endsWith('.js')).sort().map((f) => f.slice(0, -3));
  return [
    '// @ts-check',
    "'use strict';",
    '// Generated from the files of src/rules/ by `npm run generate` (plugins/refarch-policy/write-rule-index.js):',
    '// do not edit. One entry per rule module, keyed by its file name (which is its id).',
    'module.exports = {',
    ...ids.map((id) => `  ${JSON.stringify(id)}: require(${JSON.stringify(`./rules/${id}`)}),`),
    '};',
    '',
  ].join('\n');
}

module.exports = { RULES_DIR, ruleIndexText };
