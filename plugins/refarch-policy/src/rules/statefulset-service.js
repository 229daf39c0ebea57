// @ts-check
'use strict';
const { REFERENCES } = require('../groups');
const { matchesLabels } = require('../k8s/selector');

/** @type {import('../registry').Rule} */
module.exports = {
  id: 'statefulset-service',
  group: REFERENCES,
  reason: 'A StatefulSet\'s pods get DNS names only through the headless Service named in serviceName.',
  fix: 'Add a Service with clusterIP: None that selects the pods, and name it in spec.serviceName.',
  kinds: ['StatefulSet'],
  check({ obj, namespace, template }, { index, report }) {
    const serviceName = obj.spec?.serviceName;
    if (!serviceName) return; // optional since Kubernetes 1.30: nothing to resolve
    const svc = index.get(namespace, 'Service', String(serviceName));
    if (!svc) {
      report('spec.serviceName', `Service "${serviceName}" does not exist in namespace "${namespace}".`);
    } else if (svc.obj.spec?.clusterIP !== 'None') {
      report('spec.serviceName', `Service "${serviceName}" is not headless (clusterIP: None).`);
    } else if (template && !matchesLabels(svc.obj.spec?.selector ?? {}, template.labels)) {
      report('spec.serviceName', `Headless Service "${serviceName}" does not select this StatefulSet's pods.`);
    }
  },
};
