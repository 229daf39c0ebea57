// @ts-check
'use strict';
const { PSS } = require('../groups');
const { containersOf } = require('../objects');

/** @type {import('../registry').Rule} */
module.exports = {
  id: 'pss-privileged',
  group: PSS,
  reason: 'A privileged container has full access to the node.',
  fix: 'Remove securityContext.privileged or set it to false.',
  kinds: ['PodTemplate'],
  check({ template }, { report }) {
    if (!template) return;
    for (const { c, path } of containersOf(template, true)) {
      if (c.securityContext?.privileged === true) report(`${path}.securityContext.privileged`, `Container "${c.name}" is privileged.`);
    }
  },
};
