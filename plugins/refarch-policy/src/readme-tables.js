// @ts-check
'use strict';
/**
 * The rules tables (the plugin's README, the repository's docs/quality-gates.md), generated from the catalog and kept between markers, so the
 * tables cannot drift from the rules (a test compares them; `rules-table.js --write`
 * rewrites them).
 */
const { RULES } = require('./registry');

const BEGIN = '<!-- rules-table:begin (generated from plugins/refarch-policy/src/rules/; rewrite with `node plugins/refarch-policy/rules-table.js --write`) -->';
const END = '<!-- rules-table:end -->';

/** The rule catalog as a Markdown table. @returns {string} */
function rulesTable() {
  const cell = (/** @type {string} */ s) => s.replace(/\|/g, '\\|');
  return [
    '| id | group | applies to | reason | fix |',
    '| --- | --- | --- | --- | --- |',
    ...RULES.map((r) => `| \`${r.id}\` | ${r.group} | ${r.kinds.map((k) => (k === '*' ? 'every object' : k === 'PodTemplate' ? 'pod templates' : k)).join(', ')} | ${cell(r.reason)} | ${cell(r.fix)} |`),
  ].join('\n');
}

/**
 * `text` with the table between its markers replaced by the current one.
 * @param {string} text
 * @param {string} file for the error message
 * @returns {string}
 */
function withRulesTable(text, file) {
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END, begin);
  if (begin < 0 || end < 0) throw new Error(`${file}: no rules table markers (${BEGIN} ... ${END}).`);
  return `${text.slice(0, begin + BEGIN.length)}\n${rulesTable()}\n${text.slice(end)}`;
}

module.exports = { rulesTable, withRulesTable };
