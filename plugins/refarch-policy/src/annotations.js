// @ts-check
'use strict';
/**
 * The annotations the plugin reads on the objects it checks: skip annotations (switch one
 * rule off for one object, with a reason) and the out-of-band Secrets of a workload.
 */

/** Prefix of the annotations this plugin reads. */
const ANNOTATION_PREFIX = 'refarch.example.com/';
/** `refarch.example.com/skip-<rule-id>: "<reason>"` switches one rule off for one object. */
const SKIP_ANNOTATION_PREFIX = `${ANNOTATION_PREFIX}skip-`;
/**
 * On a workload: comma-separated names of Secrets (in its namespace) it reads that are
 * created out of band (kubectl, an operator) and therefore not in the manifests.
 */
const EXTERNAL_SECRETS_ANNOTATION = `${ANNOTATION_PREFIX}external-secrets`;
/** The rule that checks skip annotations; it cannot switch itself off. */
const SKIP_RULE_ID = 'skip-annotation';

/**
 * One skip annotation: a reason when it switches a rule off, a problem when it cannot.
 * @typedef {{ rule: string, path: string, reason?: string, problem?: string }} SkipAnnotation
 */

/**
 * The skip annotations of an object, in annotation order.
 * @param {import('./objects').K8sObject} obj
 * @param {ReadonlySet<string>} ruleIds every rule id of the catalog
 * @returns {SkipAnnotation[]}
 */
function skipAnnotationsOf(obj, ruleIds) {
  /** @type {SkipAnnotation[]} */
  const out = [];
  for (const [key, value] of Object.entries(obj.metadata?.annotations ?? {})) {
    if (!key.startsWith(SKIP_ANNOTATION_PREFIX)) continue;
    const rule = key.slice(SKIP_ANNOTATION_PREFIX.length);
    const path = `metadata.annotations["${key}"]`;
    if (!ruleIds.has(rule) || rule === SKIP_RULE_ID) out.push({ rule, path, problem: `"${rule}" is not a rule that can be switched off.` });
    else if (typeof value !== 'string' || value.trim() === '') out.push({ rule, path, problem: `Switches off "${rule}" without a reason; the rule stays on.` });
    else out.push({ rule, path, reason: value.trim() });
  }
  return out;
}

/**
 * The Secrets a workload declares as created out of band.
 * @param {import('./objects').K8sObject} obj
 * @returns {Set<string>}
 */
function externalSecretsOf(obj) {
  return new Set(String(obj.metadata?.annotations?.[EXTERNAL_SECRETS_ANNOTATION] ?? '').split(/[\s,]+/).filter((s) => s !== ''));
}

module.exports = { ANNOTATION_PREFIX, SKIP_ANNOTATION_PREFIX, EXTERNAL_SECRETS_ANNOTATION, SKIP_RULE_ID, skipAnnotationsOf, externalSecretsOf };
