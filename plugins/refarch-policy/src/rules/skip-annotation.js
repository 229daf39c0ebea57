// @ts-check
'use strict';
const { ANNOTATIONS } = require('../groups');
const { SKIP_ANNOTATION_PREFIX, SKIP_RULE_ID, skipAnnotationsOf } = require('../annotations');

/** @type {import('../registry').Rule} */
module.exports = {
  id: SKIP_RULE_ID,
  group: ANNOTATIONS,
  reason: 'A switched-off rule needs a reason that reviewers can judge, and must name a rule that exists.',
  fix: `Write why the rule does not apply as the value of ${SKIP_ANNOTATION_PREFIX}<rule-id>, with a rule id from the table.`,
  kinds: ['*'],
  check({ obj }, { ruleIds, report }) {
    for (const s of skipAnnotationsOf(obj, ruleIds)) if (s.problem) report(s.path, s.problem);
  },
};
