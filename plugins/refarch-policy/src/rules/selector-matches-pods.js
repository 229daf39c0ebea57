// @ts-check
'use strict';
const { REFERENCES } = require('../groups');
const { selects } = require('../k8s/selector');
const { isObject } = require('../objects');

/** @type {import('../registry').Rule} */
module.exports = {
  id: 'selector-matches-pods',
  group: REFERENCES,
  reason: 'A PodDisruptionBudget or NetworkPolicy whose selector matches no pod protects nothing; it is usually a mistyped label.',
  fix: 'Make the selector match the pod template labels of a workload in the same namespace (a NetworkPolicy\'s podSelector: {} selects every pod).',
  kinds: ['PodDisruptionBudget', 'NetworkPolicy'],
  check({ obj, kind, namespace }, { index, report }) {
    const [field, selector] = kind === 'NetworkPolicy' ? ['spec.podSelector', obj.spec?.podSelector] : ['spec.selector', obj.spec?.selector];
    // An empty podSelector is a namespace-wide policy: it stands even before any pod exists.
    if (kind === 'NetworkPolicy' && (selector === undefined || (isObject(selector) && Object.keys(selector).every((k) => Object.keys(selector[k] ?? {}).length === 0)))) return;
    if (index.templatesIn(namespace).some((t) => selects(selector, t.labels, false))) return;
    report(field, `Selects no pod template in namespace "${namespace}" (selector ${JSON.stringify(selector ?? null)}).`);
  },
};
