// @ts-check
'use strict';
/**
 * The cdk8s validation plugin: `cdk8s synth` loads it from cdk8s.yaml (`validations:`),
 * hands it the synthesized manifest files and prints the report it fills in. A report
 * submitted as `failure` makes `cdk8s synth` exit non-zero.
 *
 * The context type is declared structurally rather than imported from cdk8s-cli, so the
 * plugin depends on the CLI's plugin API, not on the CLI's file layout.
 */
const fs = require('fs');
const { RULE_BY_ID } = require('./registry');
const { checkPolicy } = require('./engine');
const { parseManifestText } = require('./files');
const { objectName } = require('./report');

/**
 * What the plugin uses of cdk8s-cli's `ValidationContext`.
 * @typedef {object} ValidationContextLike
 * @property {readonly string[]} manifests
 * @property {(manifestPath: string) => unknown[]} parseManifest
 * @property {{
 *   addViolation(violation: {
 *     ruleName: string, recommendation: string, fix: string,
 *     violatingResources: Array<{ resourceName: string, locations: string[], manifestPath: string }>,
 *   }): void,
 *   submit(status: 'success' | 'failure', metadata?: Record<string, string>): void,
 * }} report
 */

/** The plugin class named in cdk8s.yaml. It takes no properties. */
class RefArchPolicy {
  /** @param {Record<string, unknown>} [_properties] */
  constructor(_properties = {}) {}

  /** @param {ValidationContextLike} context */
  async validate(context) {
    const files = context.manifests.map((file) => ({ file, objects: parseManifestText(fs.readFileSync(file, 'utf8'), file) }));
    const result = checkPolicy(files);

    // One report entry per rule, one violating resource per object, one location per field.
    /** @type {Map<string, Map<string, import('./engine').Violation[]>>} */
    const byRule = new Map();
    for (const v of result.violations) {
      const resources = byRule.get(v.rule) ?? new Map();
      const key = `${v.file}\0${v.kind}\0${v.namespace}\0${v.name}`;
      resources.set(key, [...(resources.get(key) ?? []), v]);
      byRule.set(v.rule, resources);
    }
    for (const [ruleId, resources] of byRule) {
      const rule = /** @type {import('./registry').Rule} */ (RULE_BY_ID.get(ruleId));
      context.report.addViolation({
        ruleName: ruleId,
        recommendation: rule.reason,
        fix: rule.fix,
        violatingResources: [...resources.values()].map((vs) => ({
          resourceName: objectName(vs[0]),
          manifestPath: vs[0].file,
          locations: vs.map((v) => `${v.path}: ${v.message}`),
        })),
      });
    }

    // Every switched-off rule goes into the report summary, with its reason.
    /** @type {Record<string, string>} */
    const metadata = {
      'Rules': String(RULE_BY_ID.size),
      'Violations': String(result.violations.length),
      'Switched off': String(result.skipped.length),
    };
    result.skipped.forEach((s, i) => {
      metadata[`Switched off #${i + 1}`] = `${s.rule} on ${objectName(s)} (${s.file}), suppressed ${s.suppressed}: ${s.reason}`;
    });
    context.report.submit(result.violations.length > 0 ? 'failure' : 'success', metadata);
  }
}

module.exports = { RefArchPolicy };
