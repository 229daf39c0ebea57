// @ts-check
'use strict';
const { HYGIENE } = require('../groups');
const { containerRule } = require('../rule-shapes');

module.exports = containerRule({
  id: 'read-only-root-filesystem',
  group: HYGIENE,
  reason: 'A writable root filesystem lets an attacker change the container\'s binaries.',
  fix: 'Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the app writes.',
  containers: 'app-and-init',
  check(c, { at, who, report }) {
    if (c.securityContext?.readOnlyRootFilesystem !== true) report(at('securityContext.readOnlyRootFilesystem'), `${who} does not set readOnlyRootFilesystem: true.`);
  },
});
