// @ts-check
'use strict';
const { PSS } = require('../groups');
const { each } = require('../objects');
const { podRule } = require('../rule-shapes');

// hostPath has a rule of its own (pss-host-path), with a more specific fix.
const ALLOWED = new Set(['name', 'hostPath', 'configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

module.exports = podRule({
  id: 'pss-volume-types',
  group: PSS,
  reason: 'restricted allows only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes.',
  fix: 'Replace the volume with one of the allowed types (a PersistentVolumeClaim for storage).',
  check(template, _object, { report }) {
    each(template.spec.volumes, (v, i) => {
      for (const type of Object.keys(v).filter((k) => !ALLOWED.has(k))) {
        report(`${template.specPath}.volumes[${i}].${type}`, `Volume "${v.name}" has type ${type}, which restricted does not allow.`);
      }
    });
  },
});
