// @ts-check
'use strict';
const { PSS } = require('../groups');
const { each } = require('../objects');
const { podRule } = require('../rule-shapes');

module.exports = podRule({
  id: 'pss-host-path',
  group: PSS,
  reason: 'A hostPath volume gives the pod the node\'s filesystem.',
  fix: 'Use an emptyDir, a PersistentVolumeClaim, a ConfigMap or a Secret instead of hostPath.',
  check(template, _object, { report }) {
    each(template.spec.volumes, (v, i) => {
      if (v.hostPath !== undefined) report(`${template.specPath}.volumes[${i}].hostPath`, `Volume "${v.name}" is a hostPath.`);
    });
  },
});
