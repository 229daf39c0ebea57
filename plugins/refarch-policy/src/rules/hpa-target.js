// @ts-check
'use strict';
const { REFERENCES } = require('../groups');

/** @type {import('../registry').Rule} */
module.exports = {
  id: 'hpa-target',
  group: REFERENCES,
  reason: 'A HorizontalPodAutoscaler whose scaleTargetRef names a missing workload scales nothing.',
  fix: 'Name an existing Deployment or StatefulSet of the same namespace in spec.scaleTargetRef.',
  kinds: ['HorizontalPodAutoscaler'],
  check({ obj, namespace }, { index, report }) {
    const ref = obj.spec?.scaleTargetRef ?? {};
    if (!index.get(namespace, String(ref.kind), String(ref.name))) {
      report('spec.scaleTargetRef', `${ref.kind} "${ref.name}" does not exist in namespace "${namespace}".`);
    }
  },
};
