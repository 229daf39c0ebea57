// @ts-check
'use strict';
const { HYGIENE } = require('../groups');
const { containersOf } = require('../objects');
const { imagePinProblem } = require('../k8s/image');

/** @type {import('../registry').Rule} */
module.exports = {
  id: 'image-tag',
  group: HYGIENE,
  reason: 'A missing or `latest` tag makes a rollout depend on when each node pulled the image.',
  fix: 'Pin the image to a version tag or a digest, e.g. postgres:16.4-bookworm or app@sha256:<digest>.',
  kinds: ['PodTemplate'],
  check({ template }, { report }) {
    if (!template) return;
    for (const { c, path } of containersOf(template, false)) {
      const problem = imagePinProblem(c.image);
      if (problem) report(`${path}.image`, `Container "${c.name}": ${problem}`);
    }
  },
};
