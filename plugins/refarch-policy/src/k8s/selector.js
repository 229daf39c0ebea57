// @ts-check
'use strict';
/**
 * Label selectors as the API server evaluates them (k8s.io/apimachinery/pkg/labels), for
 * every checker of this repository: the policy rules, schema-check/ and the tests.
 */

/**
 * @typedef {{ key: string, operator: string, values?: string[] }} LabelSelectorRequirement
 * @typedef {{ matchLabels?: Record<string, string>, matchExpressions?: LabelSelectorRequirement[] }} LabelSelector
 */

/**
 * Whether a Service-style selector (a plain label map) selects `labels`: every pair must
 * be present. An empty map selects everything.
 * @param {Record<string, string>} selector
 * @param {Record<string, string> | undefined} labels
 */
function matchesLabels(selector, labels) {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/**
 * Whether a metav1.LabelSelector selects `labels`. An empty selector selects everything;
 * a missing one selects everything only where the API says so (`missingMeansAll`, as for
 * a NetworkPolicy's podSelector) and nothing otherwise (a policy/v1 PDB without selector).
 * An unknown operator selects nothing, as the API server refuses it.
 * @param {LabelSelector | undefined | null} selector
 * @param {Record<string, string> | undefined} labels
 * @param {boolean} missingMeansAll
 */
function selects(selector, labels, missingMeansAll) {
  if (typeof selector !== 'object' || selector === null || Array.isArray(selector)) return missingMeansAll;
  const have = labels ?? {};
  if (!matchesLabels(selector.matchLabels ?? {}, have)) return false;
  return (selector.matchExpressions ?? []).every((e) => {
    const has = Object.prototype.hasOwnProperty.call(have, e.key);
    switch (e.operator) {
      case 'In': return has && (e.values ?? []).includes(have[e.key]);
      case 'NotIn': return !has || !(e.values ?? []).includes(have[e.key]);
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      default: return false;
    }
  });
}

module.exports = { matchesLabels, selects };
