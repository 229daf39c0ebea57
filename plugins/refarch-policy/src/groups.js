// @ts-check
'use strict';
/** The rule families, in the order of the README tables and of the reports. */
const GROUPS = /** @type {const} */ (['Pod Security (restricted)', 'Workload hygiene', 'References', 'Annotations']);
const [PSS, HYGIENE, REFERENCES, ANNOTATIONS] = GROUPS;

module.exports = { GROUPS, PSS, HYGIENE, REFERENCES, ANNOTATIONS };
