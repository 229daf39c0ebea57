// @ts-check
'use strict';
const { HYGIENE } = require('../groups');
const { containerRule } = require('../rule-shapes');

const HANDLERS = ['httpGet', 'tcpSocket', 'grpc']; // exec probes use no port

module.exports = containerRule({
  id: 'probe-port',
  group: HYGIENE,
  reason: 'A probe on a port the container does not declare fails (named) or probes the wrong thing (numbered).',
  fix: 'Point the probe at a port listed in the container\'s ports, preferably by name.',
  containers: 'app',
  check(c, { at, who, report }) {
    /** @type {Array<{ name?: string, containerPort?: number }>} */
    const ports = Array.isArray(c.ports) ? c.ports : [];
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      const handler = HANDLERS.find((h) => c[probe]?.[h]);
      if (!handler) continue;
      const port = c[probe][handler].port;
      const declared = typeof port === 'string' ? ports.some((cp) => cp.name === port) : ports.some((cp) => cp.containerPort === port);
      if (!declared) report(at(`${probe}.${handler}.port`), `${who}'s ${probe} uses port ${JSON.stringify(port)}, which the container does not declare.`);
    }
  },
});
