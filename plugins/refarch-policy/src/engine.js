// @ts-check
'use strict';
/**
 * Runs the rule catalog over parsed manifests: a pure function, no file system, no YAML
 * parser, no cdk8s. The cdk8s CLI plugin (plugin.js), `npm run synth` (files.js) and the
 * tests all call it.
 */
const { skipAnnotationsOf } = require('./annotations');
const { ObjectIndex, checkedObjects } = require('./objects');
const { RULES, RULE_BY_ID, appliesTo } = require('./registry');

/**
 * One manifest file: its path as it should be reported, and its parsed documents.
 * @typedef {object} ManifestFile
 * @property {string} file
 * @property {readonly unknown[]} objects
 */
/**
 * One violation of one rule at one place.
 * @typedef {object} Violation
 * @property {string} rule Rule id.
 * @property {string} file Manifest file, as given in {@link ManifestFile}.
 * @property {string} kind
 * @property {string} name
 * @property {string} namespace
 * @property {string} path Field path inside the object, e.g. `spec.template.spec.containers[0].securityContext.runAsNonRoot`.
 * @property {string} message What is wrong here, specifically.
 * @property {string} reason The rule's one-line reason.
 * @property {string} fix The rule's fix hint.
 */
/**
 * A rule switched off for one object by a skip annotation.
 * @typedef {object} Skip
 * @property {string} rule
 * @property {string} file
 * @property {string} kind
 * @property {string} name
 * @property {string} namespace
 * @property {string} reason The annotation's value: why the rule does not apply.
 * @property {number} suppressed How many violations the annotation suppressed (0: the annotation is not needed).
 */
/**
 * What {@link checkPolicy} returns.
 * @typedef {object} PolicyResult
 * @property {Violation[]} violations Object by object in manifest order, rules in catalog order.
 * @property {Skip[]} skipped
 */

/**
 * Runs every rule over the manifests; returns the violations left after skip annotations,
 * and the skips. References resolve within a namespace, across all files given.
 * @param {readonly ManifestFile[]} files
 * @returns {PolicyResult}
 */
function checkPolicy(files) {
  const objects = checkedObjects(files);
  const index = new ObjectIndex(objects);
  const ruleIds = new Set(RULE_BY_ID.keys());
  /** @type {Violation[]} */
  const violations = [];
  /** @type {Skip[]} */
  const skipped = [];
  for (const object of objects) {
    const { file, kind, name, namespace } = object;
    /** @type {Map<string, Skip>} */
    const skips = new Map();
    for (const s of skipAnnotationsOf(object.obj, ruleIds)) {
      if (s.reason !== undefined) skips.set(s.rule, { rule: s.rule, file, kind, name, namespace, reason: s.reason, suppressed: 0 });
    }
    for (const rule of RULES) {
      if (!appliesTo(rule, object)) continue;
      const skip = skips.get(rule.id);
      rule.check(object, {
        index,
        ruleIds,
        report: (path, message) => {
          if (skip) skip.suppressed++;
          else violations.push({ rule: rule.id, file, kind, name, namespace, path, message, reason: rule.reason, fix: rule.fix });
        },
      });
    }
    skipped.push(...skips.values());
  }
  return { violations, skipped };
}

module.exports = { checkPolicy };
