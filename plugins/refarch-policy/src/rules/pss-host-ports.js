// @ts-check
'use strict';
const { PSS } = require('../groups');
const { each } = require('../objects');
const { containerRule } = require('../rule-shapes');

module.exports = containerRule({
  id: 'pss-host-ports',
  group: PSS,
  reason: 'A hostPort binds a port on the node, bypassing Services and NetworkPolicies.',
  fix: 'Remove ports[].hostPort; expose the pod through a Service.',
  containers: 'all',
  check(c, { at, who, report }) {
    each(c.ports, (p, i) => { if (p.hostPort) report(at(`ports[${i}].hostPort`), `${who} binds host port ${p.hostPort}.`); });
  },
});
