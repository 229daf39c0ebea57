// @ts-check
'use strict';
const { REFERENCES } = require('../groups');
const { containersOf, each } = require('../objects');
const { SECRET_VALUES } = require('../secret-values');

/** Names that say "this is a credential". */
const SECRET_NAME = /(^|[^a-z])(pass(word|wd)?|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credentials?)([^a-z]|$)/i;
/** ...unless they name where the credential is, or something about it: `PASSWORD_FILE`, `TOKEN_TTL`. */
const NOT_A_SECRET_NAME = /[-_.](file|path|dir|ref|name|ttl|timeout|expiry|length|header|url)$/i;
/**
 * Why a literal name/value pair looks like a credential, or undefined.
 * @param {string} name
 * @param {unknown} value
 * @returns {string | undefined}
 */
function literalSecret(name, value) {
  if (typeof value !== 'string' || value.trim() === '' || /^(true|false|yes|no|on|off)$/i.test(value)) return undefined;
  for (const [found, what] of SECRET_VALUES) if (found(value)) return `its value looks like ${what}`;
  if (SECRET_NAME.test(name) && !NOT_A_SECRET_NAME.test(name)) return `"${name}" names a credential`;
  return undefined;
}

/** @type {import('../registry').Rule} */
module.exports = {
  id: 'no-literal-secrets',
  group: REFERENCES,
  reason: 'A credential in an env value or a ConfigMap is readable by anyone who can read the manifest.',
  fix: 'Move the value into a Secret (created out of band for real environments) and reference it with secretKeyRef.',
  kinds: ['PodTemplate', 'ConfigMap'],
  check({ obj, kind, template }, { report }) {
    if (kind === 'ConfigMap') {
      for (const [key, value] of Object.entries(obj.data ?? {})) {
        const why = literalSecret(key, value);
        if (why) report(`data.${key}`, `ConfigMap key ${key} holds a literal value, and ${why}.`);
      }
    }
    if (!template) return;
    for (const { c, path } of containersOf(template, true)) {
      each(c.env, (e, i) => {
        const why = literalSecret(String(e.name), e.value);
        if (why) report(`${path}.env[${i}].value`, `Container "${c.name}" sets env ${e.name} to a literal value, and ${why}.`);
      });
    }
  },
};
