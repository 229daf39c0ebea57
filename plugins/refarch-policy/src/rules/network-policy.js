// @ts-check
'use strict';
const { HYGIENE } = require('../groups');
const { selects } = require('../k8s/selector');
const { podRule } = require('../rule-shapes');

module.exports = podRule({
  id: 'network-policy',
  group: HYGIENE,
  reason: 'A pod that no NetworkPolicy selects accepts traffic from anywhere in the cluster.',
  fix: 'Add a NetworkPolicy that selects the pods (a default-deny with podSelector: {} covers every pod).',
  check(template, { namespace }, { index, report }) {
    if (index.ofKind(namespace, 'NetworkPolicy').some((np) => selects(np.obj.spec?.podSelector, template.labels, true))) return;
    report(template.labelsPath, `No NetworkPolicy in namespace "${namespace}" selects these pods.`);
  },
});
