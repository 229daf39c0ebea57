// @ts-check
'use strict';
/**
 * The rule catalog: one module per rule in src/rules/, named after its id. Adding a rule is
 * adding a file (and its cases in test/rules.test.ts), then `npm run generate`, which lists
 * it in src/rule-index.js (static requires, so a bundler sees every rule; see
 * src/rule-index-text.js). The engine, the reports and the README tables all read this list.
 */
const fs = require('fs');
const path = require('path');
const { GROUPS } = require('./groups');

/**
 * @typedef {typeof GROUPS[number]} RuleGroup
 */
/**
 * What a rule's check gets besides the object.
 * @typedef {object} RuleContext
 * @property {import('./objects').ObjectIndex} index Every object checked together, by namespace, kind and name.
 * @property {ReadonlySet<string>} ruleIds Every rule id of the catalog.
 * @property {(path: string, message: string) => void} report Reports a violation at a field path of the object.
 */
/**
 * One rule: the catalog entry and its check.
 * @typedef {object} Rule
 * @property {string} id Stable id, used in reports and in skip annotations (`refarch.example.com/skip-<id>`).
 * @property {RuleGroup} group Family, for the README tables.
 * @property {string} reason Why the rule exists, in one line.
 * @property {string} fix How to fix a violation, in one line.
 * @property {readonly string[]} kinds What it checks: kind names, 'PodTemplate' (anything with a pod template), or '*' (every object).
 * @property {(object: import('./objects').CheckedObject, context: RuleContext) => void} check Reports the object's violations.
 */

/**
 * Checks that each rule module is well formed, so a broken new rule fails on load, not
 * silently; returns the rules by group, then id.
 * @param {Array<[file: string, rule: Rule]>} modules each module with the file it came from (its name is the rule's id)
 * @returns {Rule[]}
 */
function checkedRules(modules) {
  const rules = modules.map(([file, rule]) => {
    const problems = [
      rule.id !== path.basename(file, '.js') && `id "${rule.id}" does not match its file name`,
      !GROUPS.includes(rule.group) && `group "${rule.group}" is not one of ${GROUPS.join(', ')}`,
      !(typeof rule.reason === 'string' && rule.reason) && 'no reason',
      !(typeof rule.fix === 'string' && rule.fix) && 'no fix',
      !(Array.isArray(rule.kinds) && rule.kinds.length > 0) && 'no kinds',
      typeof rule.check !== 'function' && 'no check function',
    ].filter(Boolean);
    if (problems.length > 0) throw new Error(`refarch-policy: rule module ${file}: ${problems.join('; ')}.`);
    return rule;
  });
  // Ids are lowercase ASCII: plain comparison, not localeCompare, whose first call loads
  // ICU's collator (6 ms of every synth).
  return rules.sort((a, b) => GROUPS.indexOf(a.group) - GROUPS.indexOf(b.group) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Loads every rule module of a folder (a folder of your own rules, written as src/rules/'s
 * are) and checks each as the catalog's are.
 * @param {string} dir
 * @returns {Rule[]} by group, then id
 */
function loadRules(dir) {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.js')).sort();
  return checkedRules(files.map((f) => [path.join(dir, f), require(path.join(dir, f))]));
}

/** @type {Record<string, Rule>} */
const INDEX = require('./rule-index');
/** @type {readonly Rule[]} */
// Named relative to the plugin: no __dirname, which a bundle would change.
const RULES = checkedRules(Object.entries(INDEX).map(([id, rule]) => [`src/rules/${id}.js`, rule]));
/** Rules by id. @type {ReadonlyMap<string, Rule>} */
const RULE_BY_ID = new Map(RULES.map((r) => [r.id, r]));

/**
 * Whether a rule applies to an object.
 * @param {Rule} rule
 * @param {import('./objects').CheckedObject} object
 */
function appliesTo(rule, object) {
  return rule.kinds.includes('*') || rule.kinds.includes(object.kind) || (object.template !== undefined && rule.kinds.includes('PodTemplate'));
}

module.exports = { RULES, RULE_BY_ID, appliesTo, loadRules };
