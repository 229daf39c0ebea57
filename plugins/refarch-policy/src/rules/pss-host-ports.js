// @ts-check
'use strict';
const { PSS } = require('../groups');
const { containersOf, each } = require('../objects');

/** @type {import('../registry').Rule} */
module.exports = {
  id: 'pss-host-ports',
  group: PSS,
  reason: 'A hostPort binds a port on the node, bypassing Services and NetworkPolicies.',
  fix: 'Remove ports[].hostPort; expose the pod through a Service.',
  kinds: ['PodTemplate'],
  check({ template }, { report }) {
    if (!template) return;
    for (const { c, path } of containersOf(template, true)) {
      each(c.ports, (p, i) => {
        if (p.hostPort) report(`${path}.ports[${i}].hostPort`, `Container "${c.name}" binds host port ${p.hostPort}.`);
      });
    }
  },
};
