// @ts-check
'use strict';
const { HYGIENE } = require('../groups');
const { containersOf } = require('../objects');

/** @type {import('../registry').Rule} */
module.exports = {
  id: 'read-only-root-filesystem',
  group: HYGIENE,
  reason: 'A writable root filesystem lets an attacker change the container\'s binaries.',
  fix: 'Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the app writes.',
  kinds: ['PodTemplate'],
  check({ template }, { report }) {
    if (!template) return;
    for (const { c, path } of containersOf(template, false)) {
      if (c.securityContext?.readOnlyRootFilesystem !== true) {
        report(`${path}.securityContext.readOnlyRootFilesystem`, `Container "${c.name}" does not set readOnlyRootFilesystem: true.`);
      }
    }
  },
};
