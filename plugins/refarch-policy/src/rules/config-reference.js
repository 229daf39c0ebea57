// @ts-check
'use strict';
const { REFERENCES } = require('../groups');
const { EXTERNAL_SECRETS_ANNOTATION, externalSecretsOf } = require('../annotations');
const { containersOf, each } = require('../objects');
const { podRule } = require('../rule-shapes');

module.exports = podRule({
  id: 'config-reference',
  group: REFERENCES,
  reason: 'A reference to a missing ConfigMap, Secret or key keeps the pod in CreateContainerConfigError.',
  fix: `Render the object and key, mark the reference optional, or list an out-of-band Secret in the workload's ${EXTERNAL_SECRETS_ANNOTATION} annotation.`,
  check(template, { obj, namespace }, { index, report }) {
    const external = externalSecretsOf(obj);
    /**
     * @param {'ConfigMap' | 'Secret'} kind
     * @param {unknown} name
     * @param {string | undefined} key
     * @param {unknown} optional
     * @param {string} path
     */
    const check = (kind, name, key, optional, path) => {
      if (optional === true) return;
      const found = index.get(namespace, kind, String(name));
      if (!found) {
        if (kind === 'Secret' && external.has(String(name))) return;
        const hint = kind === 'Secret' ? ` and is not listed in the ${EXTERNAL_SECRETS_ANNOTATION} annotation` : '';
        report(path, `${kind} "${name}" does not exist in namespace "${namespace}"${hint}.`);
        return;
      }
      if (key === undefined) return;
      const o = found.obj;
      const keys = [...Object.keys(o.data ?? {}), ...Object.keys((kind === 'ConfigMap' ? o.binaryData : o.stringData) ?? {})];
      if (!keys.includes(key)) report(path, `${kind} "${name}" has no key "${key}" (it has ${keys.join(', ') || 'none'}).`);
    };
    /** @param {'ConfigMap' | 'Secret'} kind @param {unknown} name @param {any} source @param {string} path */
    const withItems = (kind, name, source, path) => {
      check(kind, name, undefined, source.optional, path);
      each(source.items, (item, k) => check(kind, name, item.key, source.optional, `${path}.items[${k}].key`));
    };

    for (const { c, path } of containersOf(template, true)) {
      each(c.env, (e, i) => {
        const cm = e.valueFrom?.configMapKeyRef;
        const sec = e.valueFrom?.secretKeyRef;
        if (cm) check('ConfigMap', cm.name, cm.key, cm.optional, `${path}.env[${i}].valueFrom.configMapKeyRef`);
        if (sec) check('Secret', sec.name, sec.key, sec.optional, `${path}.env[${i}].valueFrom.secretKeyRef`);
      });
      each(c.envFrom, (e, i) => {
        if (e.configMapRef) check('ConfigMap', e.configMapRef.name, undefined, e.configMapRef.optional, `${path}.envFrom[${i}].configMapRef`);
        if (e.secretRef) check('Secret', e.secretRef.name, undefined, e.secretRef.optional, `${path}.envFrom[${i}].secretRef`);
      });
    }
    each(template.spec.volumes, (v, i) => {
      const path = `${template.specPath}.volumes[${i}]`;
      if (v.configMap) withItems('ConfigMap', v.configMap.name, v.configMap, `${path}.configMap`);
      if (v.secret) withItems('Secret', v.secret.secretName, v.secret, `${path}.secret`);
      each(v.projected?.sources, (s, j) => {
        if (s.configMap) withItems('ConfigMap', s.configMap.name, s.configMap, `${path}.projected.sources[${j}].configMap`);
        if (s.secret) withItems('Secret', s.secret.name, s.secret, `${path}.projected.sources[${j}].secret`);
      });
    });
  },
});
