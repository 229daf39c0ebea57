// @ts-check
'use strict';
const { HYGIENE } = require('../groups');
const { containerRule } = require('../rule-shapes');

module.exports = containerRule({
  id: 'container-probes',
  group: HYGIENE,
  reason: 'Without a readiness probe traffic reaches pods that cannot serve; without a liveness probe a hung pod is never restarted.',
  fix: 'Add a readinessProbe and a livenessProbe to every container (Job and CronJob pods, which run to completion, need neither).',
  containers: 'app', // init containers run to completion and may not have probes
  check(c, { at, who, report, object }) {
    // Job and CronJob pods run to completion too: no traffic to gate, and
    // activeDeadlineSeconds (not a liveness probe) bounds a hung run.
    if (object.kind === 'Job' || object.kind === 'CronJob') return;
    for (const probe of ['readinessProbe', 'livenessProbe']) if (!c[probe]) report(at(probe), `${who} has no ${probe}.`);
  },
});
