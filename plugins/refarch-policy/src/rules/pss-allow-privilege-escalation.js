// @ts-check
'use strict';
const { PSS } = require('../groups');
const { containerRule } = require('../rule-shapes');

module.exports = containerRule({
  id: 'pss-allow-privilege-escalation',
  group: PSS,
  reason: 'Without allowPrivilegeEscalation: false a process can gain more privileges than its parent (setuid binaries).',
  fix: 'Set securityContext.allowPrivilegeEscalation: false on every container.',
  containers: 'all',
  check(c, { at, who, report }) {
    const value = c.securityContext?.allowPrivilegeEscalation;
    if (value === false) return;
    report(at('securityContext.allowPrivilegeEscalation'), value === undefined
      ? `${who} does not set allowPrivilegeEscalation (it defaults to true).`
      : `${who} sets allowPrivilegeEscalation: ${value}.`);
  },
});
