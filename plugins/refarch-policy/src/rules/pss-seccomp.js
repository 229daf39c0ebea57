// @ts-check
'use strict';
const { PSS } = require('../groups');
const { containersOf } = require('../objects');
const { podRule } = require('../rule-shapes');

const ALLOWED = new Set(['RuntimeDefault', 'Localhost']);

module.exports = podRule({
  id: 'pss-seccomp',
  group: PSS,
  reason: 'Without a seccomp profile every syscall is allowed.',
  fix: 'Set securityContext.seccompProfile.type: RuntimeDefault on the pod (or Localhost with a profile).',
  check(template, _object, { report }) {
    const pod = template.spec.securityContext?.seccompProfile?.type;
    if (pod !== undefined && !ALLOWED.has(pod)) report(`${template.specPath}.securityContext.seccompProfile.type`, `The pod's seccomp profile is ${pod}.`);
    for (const { c, path } of containersOf(template, true)) {
      const own = c.securityContext?.seccompProfile?.type;
      if (own !== undefined && !ALLOWED.has(own)) report(`${path}.securityContext.seccompProfile.type`, `Container "${c.name}"'s seccomp profile is ${own}.`);
      else if (own === undefined && pod === undefined) report(`${path}.securityContext.seccompProfile`, `Neither container "${c.name}" nor the pod sets a seccomp profile.`);
    }
  },
});
