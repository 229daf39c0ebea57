// @ts-check
'use strict';
const { REFERENCES } = require('../groups');
const { each } = require('../objects');

/** @type {import('../registry').Rule} */
module.exports = {
  id: 'ingress-backend',
  group: REFERENCES,
  reason: 'An Ingress backend that names a missing Service or port answers 503.',
  fix: 'Name an existing Service in the same namespace and one of its ports (by name or number).',
  kinds: ['Ingress'],
  check({ obj, namespace }, { index, report }) {
    const spec = obj.spec ?? {};
    /** @type {Array<[string, { name?: string, port?: { name?: string, number?: number } }]>} */
    const backends = [];
    if (spec.defaultBackend?.service) backends.push(['spec.defaultBackend.service', spec.defaultBackend.service]);
    each(spec.rules, (rule, i) => {
      each(rule.http?.paths, (p, j) => {
        if (p.backend?.service) backends.push([`spec.rules[${i}].http.paths[${j}].backend.service`, p.backend.service]);
      });
    });
    for (const [path, backend] of backends) {
      const svc = index.get(namespace, 'Service', String(backend.name));
      if (!svc) {
        report(`${path}.name`, `Service "${backend.name}" does not exist in namespace "${namespace}".`);
        continue;
      }
      /** @type {Array<{ name?: string, port?: number }>} */
      const ports = Array.isArray(svc.obj.spec?.ports) ? svc.obj.spec.ports : [];
      const port = backend.port ?? {};
      if (port.name !== undefined ? ports.some((p) => p.name === port.name) : ports.some((p) => p.port === port.number)) continue;
      const wanted = port.name !== undefined ? `named "${port.name}"` : `number ${port.number}`;
      report(`${path}.port`, `Service "${backend.name}" has no port ${wanted} (it has ${ports.map((p) => p.name ?? p.port).join(', ') || 'none'}).`);
    }
  },
};
