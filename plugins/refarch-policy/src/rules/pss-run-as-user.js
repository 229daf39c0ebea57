// @ts-check
'use strict';
const { PSS } = require('../groups');
const { containersOf } = require('../objects');

/** @type {import('../registry').Rule} */
module.exports = {
  id: 'pss-run-as-user',
  group: PSS,
  reason: 'runAsUser: 0 is root, whatever runAsNonRoot says.',
  fix: 'Set runAsUser to a non-zero uid (the image\'s non-root user).',
  kinds: ['PodTemplate'],
  check({ template }, { report }) {
    if (!template) return;
    if (template.spec.securityContext?.runAsUser === 0) report(`${template.specPath}.securityContext.runAsUser`, 'The pod runs as uid 0.');
    for (const { c, path } of containersOf(template, true)) {
      if (c.securityContext?.runAsUser === 0) report(`${path}.securityContext.runAsUser`, `Container "${c.name}" runs as uid 0.`);
    }
  },
};
