// @ts-check
'use strict';
/**
 * refarch-policy: manifest policy checks for the reference architecture, as a cdk8s
 * validation plugin (`RefArchPolicy`, named in cdk8s.yaml) and as a pure function
 * (`checkPolicy`, and `checkPolicyFolder` which `npm run synth` calls before it replaces dist/).
 *
 * Plain CommonJS with JSDoc types (checked by the repository's `tsc`), so `cdk8s synth`
 * loads it with a plain require(), without a compiler or a build step.
 */
module.exports = {
  ...require('./src/annotations'),
  ...require('./src/registry'),
  ...require('./src/engine'),
  ...require('./src/files'),
  ...require('./src/report'),
  ...require('./src/plugin'),
  ...require('./src/readme-tables'),
};
