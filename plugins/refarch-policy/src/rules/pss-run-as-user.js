// @ts-check
'use strict';
const { PSS } = require('../groups');
const { containersOf } = require('../objects');
const { podRule } = require('../rule-shapes');

module.exports = podRule({
  id: 'pss-run-as-user',
  group: PSS,
  reason: 'runAsUser: 0 is root, whatever runAsNonRoot says.',
  fix: 'Set runAsUser to a non-zero uid (the image\'s non-root user).',
  check(template, _object, { report }) {
    const levels = [{ sc: template.spec.securityContext, path: template.specPath, who: 'The pod' },
      ...containersOf(template, true).map(({ c, path }) => ({ sc: c.securityContext, path, who: `Container "${c.name}"` }))];
    for (const { sc, path, who } of levels) if (sc?.runAsUser === 0) report(`${path}.securityContext.runAsUser`, `${who} runs as uid 0.`);
  },
});
