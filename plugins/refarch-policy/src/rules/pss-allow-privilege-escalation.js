// @ts-check
'use strict';
const { PSS } = require('../groups');
const { containersOf } = require('../objects');

/** @type {import('../registry').Rule} */
module.exports = {
  id: 'pss-allow-privilege-escalation',
  group: PSS,
  reason: 'Without allowPrivilegeEscalation: false a process can gain more privileges than its parent (setuid binaries).',
  fix: 'Set securityContext.allowPrivilegeEscalation: false on every container.',
  kinds: ['PodTemplate'],
  check({ template }, { report }) {
    if (!template) return;
    for (const { c, path } of containersOf(template, true)) {
      const value = c.securityContext?.allowPrivilegeEscalation;
      if (value === false) continue;
      report(`${path}.securityContext.allowPrivilegeEscalation`, value === undefined
        ? `Container "${c.name}" does not set allowPrivilegeEscalation (it defaults to true).`
        : `Container "${c.name}" sets allowPrivilegeEscalation: ${value}.`);
    }
  },
};
