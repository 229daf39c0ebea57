// @ts-check
'use strict';
const { PSS } = require('../groups');
const { containersOf } = require('../objects');
const { podRule } = require('../rule-shapes');

module.exports = podRule({
  id: 'pss-run-as-non-root',
  group: PSS,
  reason: 'A container that may run as root is one escape away from root on the node.',
  fix: 'Set securityContext.runAsNonRoot: true on the pod (and never false on a container).',
  check(template, _object, { report }) {
    const pod = template.spec.securityContext?.runAsNonRoot;
    if (pod === false) report(`${template.specPath}.securityContext.runAsNonRoot`, 'The pod sets runAsNonRoot: false.');
    for (const { c, path } of containersOf(template, true)) {
      const own = c.securityContext?.runAsNonRoot;
      if (own === false) report(`${path}.securityContext.runAsNonRoot`, `Container "${c.name}" sets runAsNonRoot: false.`);
      else if (own !== true && pod !== true) report(`${path}.securityContext.runAsNonRoot`, `Neither container "${c.name}" nor the pod sets runAsNonRoot: true.`);
    }
  },
});
