// @ts-check
'use strict';
const { HYGIENE } = require('../groups');
const { containersOf } = require('../objects');

/** @type {import('../registry').Rule} */
module.exports = {
  id: 'container-probes',
  group: HYGIENE,
  reason: 'Without a readiness probe traffic reaches pods that cannot serve; without a liveness probe a hung pod is never restarted.',
  fix: 'Add a readinessProbe and a livenessProbe to every container.',
  kinds: ['PodTemplate'],
  check({ template }, { report }) {
    if (!template) return;
    // Init containers run to completion and may not have probes.
    for (const { c, path } of containersOf(template, false).filter((r) => r.type === 'containers')) {
      for (const probe of ['readinessProbe', 'livenessProbe']) {
        if (!c[probe]) report(`${path}.${probe}`, `Container "${c.name}" has no ${probe}.`);
      }
    }
  },
};
