// @ts-check
'use strict';
const { HYGIENE } = require('../groups');

/** @type {import('../registry').Rule} */
module.exports = {
  id: 'automount-service-account-token',
  group: HYGIENE,
  reason: 'A mounted API token lets anyone who takes over the pod talk to the Kubernetes API.',
  fix: 'Set automountServiceAccountToken: false on the pod spec (or on its ServiceAccount).',
  kinds: ['PodTemplate'],
  check({ template, namespace }, { index, report }) {
    if (!template) return;
    const own = template.spec.automountServiceAccountToken;
    if (own === false) return;
    const account = template.spec.serviceAccountName ?? 'default';
    // The pod's own setting wins; only an unset one falls back to the ServiceAccount's.
    if (own === undefined && index.get(namespace, 'ServiceAccount', account)?.obj.automountServiceAccountToken === false) return;
    report(`${template.specPath}.automountServiceAccountToken`, own === true
      ? 'The pod sets automountServiceAccountToken: true.'
      : `Neither the pod nor its ServiceAccount "${account}" sets automountServiceAccountToken: false.`);
  },
};
