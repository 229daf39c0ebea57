// @ts-check
'use strict';
const { REFERENCES } = require('../groups');
const { templatesOfService } = require('../objects');

/** @type {import('../registry').Rule} */
module.exports = {
  id: 'service-selector',
  group: REFERENCES,
  reason: 'A Service whose selector matches no pod template has no endpoints.',
  fix: 'Make spec.selector a subset of the pod template labels of the workload it fronts.',
  kinds: ['Service'],
  check(service, { index, report }) {
    const selected = templatesOfService(service, index);
    if (selected && selected.length === 0) {
      report('spec.selector', `Selects no pod template in namespace "${service.namespace}" (selector ${JSON.stringify(service.obj.spec.selector)}).`);
    }
  },
};
