// @ts-check
'use strict';
const { PSS } = require('../groups');
const { podRule } = require('../rule-shapes');

module.exports = podRule({
  id: 'pss-host-namespaces',
  group: PSS,
  reason: 'Sharing the node\'s network, PID or IPC namespace lets a pod see and reach everything on the node.',
  fix: 'Remove hostNetwork, hostPID and hostIPC (or set them to false).',
  check(template, _object, { report }) {
    for (const ns of ['hostNetwork', 'hostPID', 'hostIPC']) {
      if (template.spec[ns] === true) report(`${template.specPath}.${ns}`, `${ns} is true.`);
    }
  },
});
