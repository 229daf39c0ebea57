// @ts-check
'use strict';
const { HYGIENE } = require('../groups');
const { containersOf, isObject } = require('../objects');
const { parseQuantity } = require('../k8s/quantity');

const REQUIRED = ['cpu', 'memory'];

/** @type {import('../registry').Rule} */
module.exports = {
  id: 'container-resources',
  group: HYGIENE,
  reason: 'Without requests the scheduler overcommits nodes; without limits one pod can starve its neighbours.',
  fix: 'Set resources.requests and resources.limits for cpu and memory on every container, each request at most its limit.',
  kinds: ['PodTemplate'],
  check({ template }, { report }) {
    if (!template) return;
    for (const { c, path } of containersOf(template, false)) {
      const requests = isObject(c.resources?.requests) ? c.resources.requests : {};
      const limits = isObject(c.resources?.limits) ? c.resources.limits : {};
      const missing = [
        ...REQUIRED.filter((r) => requests[r] === undefined).map((r) => `requests.${r}`),
        ...REQUIRED.filter((r) => limits[r] === undefined).map((r) => `limits.${r}`),
      ];
      if (missing.length > 0) report(`${path}.resources`, `Container "${c.name}" has no ${missing.join(', ')}.`);
      // The API server refuses a request above its limit, but only at apply time.
      for (const [resource, request] of Object.entries(requests)) {
        const q = parseQuantity(typeof request === 'number' ? String(request) : request);
        const l = parseQuantity(typeof limits[resource] === 'number' ? String(limits[resource]) : limits[resource]);
        if (q && l && q.value > l.value) {
          report(`${path}.resources.requests.${resource}`, `Container "${c.name}" requests ${request} ${resource}, more than its limit ${limits[resource]}.`);
        }
      }
    }
  },
};
