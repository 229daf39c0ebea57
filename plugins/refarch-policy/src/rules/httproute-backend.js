// @ts-check
'use strict';
const { REFERENCES } = require('../groups');
const { each } = require('../objects');

/** @param {string | undefined} group @param {string | undefined} kind */
const isService = (group, kind) => (group ?? '') === '' && (kind ?? 'Service') === 'Service';

/** @type {import('../registry').Rule} */
module.exports = {
  id: 'httproute-backend',
  group: REFERENCES,
  reason: 'A route backend that names a missing Service or port, or a Service of another namespace without a ReferenceGrant there, gets no traffic: the controller answers 500 for its share of the requests.',
  fix: 'Name an existing Service and one of its port numbers; for a Service of another namespace, add a ReferenceGrant in that namespace for the route.',
  kinds: ['HTTPRoute', 'GRPCRoute'],
  check({ obj, kind, namespace }, { index, report }) {
    each(obj.spec?.rules, (rule, i) => {
      each(rule.backendRefs, (ref, j) => {
        if (!isService(ref.group, ref.kind)) return;
        const path = `spec.rules[${i}].backendRefs[${j}]`;
        const ns = ref.namespace ?? namespace;
        if (ns !== namespace) {
          const granted = index.ofKind(ns, 'ReferenceGrant').some((g) => {
            const spec = g.obj.spec ?? {};
            const from = Array.isArray(spec.from) && spec.from.some((/** @type {any} */ f) => f.group === 'gateway.networking.k8s.io' && f.kind === kind && f.namespace === namespace);
            const to = Array.isArray(spec.to) && spec.to.some((/** @type {any} */ t) => (t.group ?? '') === '' && t.kind === 'Service' && (t.name === undefined || t.name === ref.name));
            return from && to;
          });
          if (!granted) {
            report(`${path}.namespace`, `Service "${ref.name}" is in namespace "${ns}", and no ReferenceGrant there lets ${kind}s of "${namespace}" refer to it.`);
            return;
          }
        }
        const svc = index.get(ns, 'Service', String(ref.name));
        if (!svc) {
          report(`${path}.name`, `Service "${ref.name}" does not exist in namespace "${ns}".`);
          return;
        }
        /** @type {Array<{ name?: string, port?: number }>} */
        const ports = Array.isArray(svc.obj.spec?.ports) ? svc.obj.spec.ports : [];
        if (ports.some((p) => p.port === ref.port)) return;
        report(`${path}.port`, `Service "${ref.name}" has no port ${ref.port === undefined ? '(none given)' : `number ${ref.port}`} (it has ${ports.map((p) => p.port).join(', ') || 'none'}).`);
      });
    });
  },
};
