// @ts-check
'use strict';
const { REFERENCES } = require('../groups');
const { selects } = require('../k8s/selector');
const { podRule } = require('../rule-shapes');

module.exports = podRule({
  id: 'workload-selector',
  group: REFERENCES,
  reason: 'The API server refuses a workload whose spec.selector does not select its own pod template.',
  fix: 'Make spec.selector match the pod template\'s labels (the stable ones: name, instance, component).',
  kinds: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'], // a Job's selector is generated unless manualSelector is set
  check(template, { obj }, { report }) {
    const selector = obj.spec?.selector;
    if (selector === undefined) report('spec.selector', 'Has no selector.');
    else if (!selects(selector, template.labels, false)) report('spec.selector', `Selector ${JSON.stringify(selector)} does not select its own pod template.`);
  },
});
