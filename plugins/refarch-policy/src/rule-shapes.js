// @ts-check
'use strict';
/**
 * Builders for the two common shapes of rule, so a rule module holds only its own logic:
 * a rule over pod templates, and a rule over each container of a pod template. Both
 * return a plain {@link import('./registry').Rule}.
 */
const { containersOf } = require('./objects');

/**
 * @typedef {import('./registry').Rule} Rule
 * @typedef {import('./registry').RuleContext} RuleContext
 * @typedef {import('./objects').CheckedObject} CheckedObject
 * @typedef {import('./objects').PodTemplate} PodTemplate
 * @typedef {Pick<Rule, 'id' | 'group' | 'reason' | 'fix'>} RuleText
 */

/**
 * A rule over the pod template of every object that has one (or only of `kinds`).
 * @param {RuleText & { kinds?: readonly string[], check: (template: PodTemplate, object: CheckedObject, context: RuleContext) => void }} rule
 * @returns {Rule}
 */
function podRule({ check, kinds = ['PodTemplate'], ...text }) {
  return { ...text, kinds, check: (object, context) => { if (object.template) check(object.template, object, context); } };
}

/**
 * Which containers a container rule looks at: app containers only (probes), app and init
 * containers (what runs for the pod's life or before it), or ephemeral debug containers too
 * (what Pod Security admission checks).
 * @typedef {'app' | 'app-and-init' | 'all'} ContainerScope
 */
/**
 * What a container rule's check gets.
 * @typedef {object} ContainerCheck
 * @property {(field: string) => string} at The path of a field of this container, e.g. at('image').
 * @property {string} who `Container "<name>"`, to start a message with.
 * @property {(path: string, message: string) => void} report
 * @property {PodTemplate} template
 * @property {CheckedObject} object
 */

/**
 * A rule over each container of every pod template.
 * @param {RuleText & { containers: ContainerScope, check: (container: Record<string, any>, on: ContainerCheck) => void }} rule
 * @returns {Rule}
 */
function containerRule({ check, containers, ...text }) {
  return podRule({
    ...text,
    check: (template, object, { report }) => {
      for (const { c, path, type } of containersOf(template, containers === 'all')) {
        if (containers === 'app' && type !== 'containers') continue;
        check(c, { at: (field) => `${path}.${field}`, who: `Container "${c.name}"`, report, template, object });
      }
    },
  });
}

module.exports = { podRule, containerRule };
