// @ts-check
'use strict';
const { PSS } = require('../groups');
const { each } = require('../objects');

/** @type {import('../registry').Rule} */
module.exports = {
  id: 'pss-host-path',
  group: PSS,
  reason: 'A hostPath volume gives the pod the node\'s filesystem.',
  fix: 'Use an emptyDir, a PersistentVolumeClaim, a ConfigMap or a Secret instead of hostPath.',
  kinds: ['PodTemplate'],
  check({ template }, { report }) {
    if (!template) return;
    each(template.spec.volumes, (v, i) => {
      if (v.hostPath !== undefined) report(`${template.specPath}.volumes[${i}].hostPath`, `Volume "${v.name}" is a hostPath.`);
    });
  },
};
