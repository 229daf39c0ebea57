// @ts-check
'use strict';
const { REFERENCES } = require('../groups');
const { containersOf, each } = require('../objects');

/** @type {import('../registry').Rule} */
module.exports = {
  id: 'volume-mount',
  group: REFERENCES,
  reason: 'The API server refuses a volumeMount that names no volume of the pod.',
  fix: 'Add the volume to the pod spec (or a volumeClaimTemplate of the StatefulSet), or correct the mount\'s name.',
  kinds: ['PodTemplate'],
  check({ obj, kind, template }, { report }) {
    if (!template) return;
    /** @type {Set<unknown>} */
    const volumes = new Set();
    each(template.spec.volumes, (v) => volumes.add(v.name));
    if (kind === 'StatefulSet') each(obj.spec?.volumeClaimTemplates, (t) => volumes.add(t.metadata?.name));
    for (const { c, path } of containersOf(template, true)) {
      each(c.volumeMounts, (m, i) => {
        if (!volumes.has(m.name)) report(`${path}.volumeMounts[${i}].name`, `Container "${c.name}" mounts volume "${m.name}", which the pod does not have.`);
      });
    }
  },
};
