// @ts-check
'use strict';
const { REFERENCES } = require('../groups');
const { containersOf, each, templatesOfService } = require('../objects');

/** @type {import('../registry').Rule} */
module.exports = {
  id: 'service-target-port',
  group: REFERENCES,
  reason: 'A named targetPort that the selected containers do not declare leaves the Service without endpoints.',
  fix: 'Name a port declared in the selected containers\' ports.',
  kinds: ['Service'],
  check(service, { index, report }) {
    const selected = templatesOfService(service, index);
    if (!selected || selected.length === 0) return; // service-selector reports a Service that selects nothing
    const declared = new Set(selected.flatMap((t) => containersOf(t, false).flatMap(({ c }) => (Array.isArray(c.ports) ? c.ports : []).map((/** @type {{ name?: string }} */ p) => p.name))));
    each(service.obj.spec.ports, (p, i) => {
      if (typeof p.targetPort === 'string' && !declared.has(p.targetPort)) { // a number needs no declaration
        report(`spec.ports[${i}].targetPort`, `Port "${p.name ?? i}" targets "${p.targetPort}", which no selected container declares.`);
      }
    });
  },
};
