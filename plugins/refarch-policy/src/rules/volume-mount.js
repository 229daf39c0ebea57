// @ts-check
'use strict';
const { REFERENCES } = require('../groups');
const { each } = require('../objects');
const { containerRule } = require('../rule-shapes');

module.exports = containerRule({
  id: 'volume-mount',
  group: REFERENCES,
  reason: 'The API server refuses a volumeMount that names no volume of the pod.',
  fix: 'Add the volume to the pod spec (or a volumeClaimTemplate of the StatefulSet), or correct the mount\'s name.',
  containers: 'all',
  check(c, { at, who, report, template, object }) {
    /** @type {Set<unknown>} */
    const volumes = new Set();
    each(template.spec.volumes, (v) => volumes.add(v.name));
    if (object.kind === 'StatefulSet') each(object.obj.spec?.volumeClaimTemplates, (t) => volumes.add(t.metadata?.name));
    each(c.volumeMounts, (m, i) => { if (!volumes.has(m.name)) report(at(`volumeMounts[${i}].name`), `${who} mounts volume "${m.name}", which the pod does not have.`); });
  },
});
