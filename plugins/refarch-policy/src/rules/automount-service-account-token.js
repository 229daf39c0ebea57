// @ts-check
'use strict';
const { HYGIENE } = require('../groups');
const { podRule } = require('../rule-shapes');

module.exports = podRule({
  id: 'automount-service-account-token',
  group: HYGIENE,
  reason: 'A mounted API token lets anyone who takes over the pod talk to the Kubernetes API.',
  fix: 'Set automountServiceAccountToken: false on the pod spec (or on its ServiceAccount).',
  check(template, { namespace }, { index, report }) {
    const own = template.spec.automountServiceAccountToken;
    if (own === false) return;
    const account = template.spec.serviceAccountName ?? 'default';
    // The pod's own setting wins; only an unset one falls back to the ServiceAccount's.
    if (own === undefined && index.get(namespace, 'ServiceAccount', account)?.obj.automountServiceAccountToken === false) return;
    report(`${template.specPath}.automountServiceAccountToken`, own === true
      ? 'The pod sets automountServiceAccountToken: true.'
      : `Neither the pod nor its ServiceAccount "${account}" sets automountServiceAccountToken: false.`);
  },
});
