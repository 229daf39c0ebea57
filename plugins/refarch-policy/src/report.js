// @ts-check
'use strict';
/**
 * Plain-text reports of a policy result: one line per violation (with its fix) and per
 * switched-off rule, then a summary line. Apart from parsing (files.js), so that a caller
 * that checks objects in memory (`npm run synth`) loads no YAML parser.
 */

/** @typedef {import('./engine').PolicyResult} PolicyResult */
/** @typedef {import('./engine').Violation} Violation */
/** @typedef {import('./engine').Skip} Skip */

/** `Kind namespace/name`, or `Kind name` for a cluster-scoped object. @param {{ kind: string, namespace: string, name: string }} o */
function objectName(o) {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

/** One violation, as one line plus its fix. @param {Violation} v */
function formatViolation(v) {
  return `${v.file}: ${objectName(v)}: ${v.path}: ${v.message} [${v.rule}]\n    fix: ${v.fix}`;
}

/** One switched-off rule, as one line. @param {Skip} s */
function formatSkip(s) {
  const effect = s.suppressed > 0 ? `suppresses ${s.suppressed} violation${s.suppressed === 1 ? '' : 's'}` : 'suppresses nothing';
  return `${s.file}: ${objectName(s)}: ${s.rule} switched off (${effect}): ${s.reason}`;
}

/** Violations, then switched-off rules, then a summary line. @param {PolicyResult} result */
function formatResult(result) {
  const n = result.violations.length;
  const k = result.skipped.length;
  return [
    ...result.violations.map(formatViolation),
    ...result.skipped.map(formatSkip),
    `refarch-policy: ${n} violation${n === 1 ? '' : 's'}, ${k} rule${k === 1 ? '' : 's'} switched off by annotation.`,
  ].join('\n');
}

module.exports = { objectName, formatViolation, formatSkip, formatResult };
