// @ts-check
'use strict';
const { REFERENCES } = require('../groups');
const { each } = require('../objects');

/**
 * Whether a route hostname and a listener hostname can match (Gateway API: a `*.` wildcard
 * matches one or more labels; no hostname matches every name).
 * @param {string | undefined} listener @param {string} host
 */
function hostsMeet(listener, host) {
  if (listener === undefined || listener === host) return true;
  const under = (/** @type {string} */ wild, /** @type {string} */ name) => wild.startsWith('*.') && name.endsWith(wild.slice(1)) && name.length > wild.length - 1;
  return under(listener, host) || under(host, listener);
}

/** @type {import('../registry').Rule} */
module.exports = {
  id: 'httproute-parent',
  group: REFERENCES,
  reason: 'A route whose Gateway, listener or hostname does not exist, or whose listener does not admit routes of its namespace, is never attached: nothing routes to the app.',
  fix: 'Name a Gateway of the manifests (or a shared one in another namespace) and a listener of it that admits the route\'s namespace and hostnames.',
  kinds: ['HTTPRoute', 'GRPCRoute'],
  check({ obj, namespace }, { index, report }) {
    /** @type {string[]} */
    const hostnames = Array.isArray(obj.spec?.hostnames) ? obj.spec.hostnames : [];
    each(obj.spec?.parentRefs, (ref, i) => {
      if ((ref.group ?? 'gateway.networking.k8s.io') !== 'gateway.networking.k8s.io' || (ref.kind ?? 'Gateway') !== 'Gateway') return;
      const path = `spec.parentRefs[${i}]`;
      const ns = ref.namespace ?? namespace;
      const gateway = index.get(ns, 'Gateway', String(ref.name));
      if (!gateway) {
        // A Gateway of another namespace is typically a shared one, managed elsewhere.
        if (ns === namespace) report(`${path}.name`, `Gateway "${ref.name}" does not exist in namespace "${ns}".`);
        return;
      }
      /** @type {any[]} */
      const listeners = Array.isArray(gateway.obj.spec?.listeners) ? gateway.obj.spec.listeners : [];
      const named = ref.sectionName === undefined ? listeners : listeners.filter((l) => l.name === ref.sectionName);
      if (named.length === 0) {
        report(`${path}.sectionName`, `Gateway "${ref.name}" has no listener "${ref.sectionName}" (it has ${listeners.map((l) => l.name).join(', ') || 'none'}).`);
        return;
      }
      const admitting = named.filter((l) => {
        const from = l.allowedRoutes?.namespaces?.from ?? 'Same';
        return from === 'All' || from === 'Selector' || (from === 'Same' && ns === namespace);
      });
      if (admitting.length === 0) {
        report(`${path}.name`, `Gateway "${ref.name}" in namespace "${ns}" admits routes of its own namespace only (allowedRoutes Same), not of "${namespace}".`);
        return;
      }
      if (hostnames.length > 0 && !admitting.some((l) => hostnames.some((h) => hostsMeet(l.hostname, h)))) {
        report('spec.hostnames', `No hostname of the route matches a listener of Gateway "${ref.name}" (${admitting.map((l) => `${l.name}: ${l.hostname ?? 'any'}`).join(', ')}).`);
      }
    });
  },
};
