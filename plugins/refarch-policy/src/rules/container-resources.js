// @ts-check
'use strict';
const { HYGIENE } = require('../groups');
const { isObject } = require('../objects');
const { parseQuantity } = require('../k8s/quantity');
const { containerRule } = require('../rule-shapes');

const REQUIRED = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];
/** YAML may give a quantity as a number. @param {unknown} q */
const quantity = (q) => parseQuantity(typeof q === 'number' ? String(q) : q);

module.exports = containerRule({
  id: 'container-resources',
  group: HYGIENE,
  reason: 'Without requests the scheduler overcommits nodes; without limits one pod can starve its neighbours.',
  fix: 'Set resources.requests and resources.limits for cpu and memory on every container, each request at most its limit.',
  containers: 'app-and-init',
  check(c, { at, who, report }) {
    const requests = isObject(c.resources?.requests) ? c.resources.requests : {};
    const limits = isObject(c.resources?.limits) ? c.resources.limits : {};
    const missing = REQUIRED.filter((k) => (k.startsWith('requests') ? requests : limits)[k.split('.')[1]] === undefined);
    if (missing.length > 0) report(at('resources'), `${who} has no ${missing.join(', ')}.`);
    // The API server refuses a request above its limit, but only at apply time.
    for (const [resource, request] of Object.entries(requests)) {
      const [q, l] = [quantity(request), quantity(limits[resource])];
      if (q && l && q.value > l.value) report(at(`resources.requests.${resource}`), `${who} requests ${request} ${resource}, more than its limit ${limits[resource]}.`);
    }
  },
});
