// @ts-check
'use strict';
const { PSS } = require('../groups');
const { containerRule } = require('../rule-shapes');

const ALLOWED_ADDED = new Set(['NET_BIND_SERVICE']);

module.exports = containerRule({
  id: 'pss-capabilities',
  group: PSS,
  reason: 'Linux capabilities grant parts of root; restricted drops them all and allows adding back only NET_BIND_SERVICE.',
  fix: 'Set securityContext.capabilities.drop: [ALL] and add nothing but NET_BIND_SERVICE.',
  containers: 'all',
  check(c, { at, who, report }) {
    const caps = c.securityContext?.capabilities;
    if (!(Array.isArray(caps?.drop) && caps.drop.includes('ALL'))) report(at('securityContext.capabilities.drop'), `${who} does not drop ALL capabilities.`);
    (Array.isArray(caps?.add) ? caps.add : []).forEach((/** @type {unknown} */ cap, /** @type {number} */ i) => {
      if (!ALLOWED_ADDED.has(String(cap))) report(at(`securityContext.capabilities.add[${i}]`), `${who} adds capability ${cap}.`);
    });
  },
});
