// @ts-check
'use strict';
const { PSS } = require('../groups');

/** @type {import('../registry').Rule} */
module.exports = {
  id: 'pss-host-namespaces',
  group: PSS,
  reason: 'Sharing the node\'s network, PID or IPC namespace lets a pod see and reach everything on the node.',
  fix: 'Remove hostNetwork, hostPID and hostIPC (or set them to false).',
  kinds: ['PodTemplate'],
  check({ template }, { report }) {
    if (!template) return;
    for (const ns of ['hostNetwork', 'hostPID', 'hostIPC']) {
      if (template.spec[ns] === true) report(`${template.specPath}.${ns}`, `${ns} is true.`);
    }
  },
};
