// @ts-check
'use strict';
const { HYGIENE } = require('../groups');
const { selects } = require('../k8s/selector');

/** @type {import('../registry').Rule} */
module.exports = {
  id: 'pod-disruption-budget',
  group: HYGIENE,
  reason: 'Without a PodDisruptionBudget a node drain may evict every replica at once.',
  fix: 'Add a PodDisruptionBudget whose selector matches the pods of each workload that runs more than one replica.',
  // Kinds whose replica count may exceed one.
  kinds: ['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController'],
  check({ obj, kind, name, namespace, template }, { index, report }) {
    if (!template) return;
    const replicas = typeof obj.spec?.replicas === 'number' ? obj.spec.replicas : 1;
    const autoscalers = index.ofKind(namespace, 'HorizontalPodAutoscaler')
      .filter((h) => h.obj.spec?.scaleTargetRef?.kind === kind && h.obj.spec?.scaleTargetRef?.name === name);
    const most = Math.max(replicas, ...autoscalers.map((h) => Number(h.obj.spec?.maxReplicas ?? 0)));
    if (most <= 1) return;
    if (index.ofKind(namespace, 'PodDisruptionBudget').some((pdb) => selects(pdb.obj.spec?.selector, template.labels, false))) return;
    report(template.labelsPath,
      `Runs up to ${most} replicas${autoscalers.length ? ' (HorizontalPodAutoscaler)' : ''}, but no PodDisruptionBudget in namespace "${namespace}" selects its pods.`);
  },
};
