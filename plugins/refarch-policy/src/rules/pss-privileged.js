// @ts-check
'use strict';
const { PSS } = require('../groups');
const { containerRule } = require('../rule-shapes');

module.exports = containerRule({
  id: 'pss-privileged',
  group: PSS,
  reason: 'A privileged container has full access to the node.',
  fix: 'Remove securityContext.privileged or set it to false.',
  containers: 'all',
  check(c, { at, who, report }) {
    if (c.securityContext?.privileged === true) report(at('securityContext.privileged'), `${who} is privileged.`);
  },
});
