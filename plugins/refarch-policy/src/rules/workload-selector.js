// @ts-check
'use strict';
const { REFERENCES } = require('../groups');
const { selects } = require('../k8s/selector');

/** @type {import('../registry').Rule} */
module.exports = {
  id: 'workload-selector',
  group: REFERENCES,
  reason: 'The API server refuses a workload whose spec.selector does not select its own pod template.',
  fix: 'Make spec.selector match the pod template\'s labels (the stable ones: name, instance, component).',
  // Jobs are left out: their selector is generated unless manualSelector is set.
  kinds: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'],
  check({ obj, template }, { report }) {
    if (!template) return;
    const selector = obj.spec?.selector;
    if (selector === undefined) report('spec.selector', 'Has no selector.');
    else if (!selects(selector, template.labels, false)) report('spec.selector', `Selector ${JSON.stringify(selector)} does not select its own pod template.`);
  },
};
