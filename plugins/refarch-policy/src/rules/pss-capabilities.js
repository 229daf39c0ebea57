// @ts-check
'use strict';
const { PSS } = require('../groups');
const { containersOf } = require('../objects');

const ALLOWED_ADDED = new Set(['NET_BIND_SERVICE']);

/** @type {import('../registry').Rule} */
module.exports = {
  id: 'pss-capabilities',
  group: PSS,
  reason: 'Linux capabilities grant parts of root; restricted drops them all and allows adding back only NET_BIND_SERVICE.',
  fix: 'Set securityContext.capabilities.drop: [ALL] and add nothing but NET_BIND_SERVICE.',
  kinds: ['PodTemplate'],
  check({ template }, { report }) {
    if (!template) return;
    for (const { c, path } of containersOf(template, true)) {
      const caps = c.securityContext?.capabilities;
      const drop = Array.isArray(caps?.drop) ? caps.drop : [];
      if (!drop.includes('ALL')) report(`${path}.securityContext.capabilities.drop`, `Container "${c.name}" does not drop ALL capabilities.`);
      const add = Array.isArray(caps?.add) ? caps.add : [];
      add.forEach((/** @type {unknown} */ cap, /** @type {number} */ i) => {
        if (!ALLOWED_ADDED.has(String(cap))) report(`${path}.securityContext.capabilities.add[${i}]`, `Container "${c.name}" adds capability ${cap}.`);
      });
    }
  },
};
