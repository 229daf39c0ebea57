// @ts-check
'use strict';
const { HYGIENE } = require('../groups');
const { containerRule } = require('../rule-shapes');

module.exports = containerRule({
  id: 'container-probes',
  group: HYGIENE,
  reason: 'Without a readiness probe traffic reaches pods that cannot serve; without a liveness probe a hung pod is never restarted.',
  fix: 'Add a readinessProbe and a livenessProbe to every container.',
  containers: 'app', // init containers run to completion and may not have probes
  check(c, { at, who, report }) {
    for (const probe of ['readinessProbe', 'livenessProbe']) if (!c[probe]) report(at(probe), `${who} has no ${probe}.`);
  },
});
