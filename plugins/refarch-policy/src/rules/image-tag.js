// @ts-check
'use strict';
const { HYGIENE } = require('../groups');
const { imagePinProblem } = require('../k8s/image');
const { containerRule } = require('../rule-shapes');

module.exports = containerRule({
  id: 'image-tag',
  group: HYGIENE,
  reason: 'A missing or `latest` tag makes a rollout depend on when each node pulled the image.',
  fix: 'Pin the image to a version tag or a digest, e.g. postgres:16.4-bookworm or app@sha256:<digest>.',
  containers: 'app-and-init',
  check(c, { at, who, report }) {
    const problem = imagePinProblem(c.image);
    if (problem) report(at('image'), `${who}: ${problem}`);
  },
});
