// @ts-check
'use strict';
const { HYGIENE } = require('../groups');
const { selects } = require('../k8s/selector');
const { podRule } = require('../rule-shapes');

module.exports = podRule({
  id: 'pod-disruption-budget',
  group: HYGIENE,
  reason: 'Without a PodDisruptionBudget a node drain may evict every replica at once.',
  fix: 'Add a PodDisruptionBudget whose selector matches the pods of each workload that runs more than one replica.',
  kinds: ['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController'], // those whose replicas may exceed one
  check(template, { obj, kind, name, namespace }, { index, report }) {
    const replicas = typeof obj.spec?.replicas === 'number' ? obj.spec.replicas : 1;
    const autoscalers = index.ofKind(namespace, 'HorizontalPodAutoscaler')
      .filter((h) => h.obj.spec?.scaleTargetRef?.kind === kind && h.obj.spec?.scaleTargetRef?.name === name);
    const most = Math.max(replicas, ...autoscalers.map((h) => Number(h.obj.spec?.maxReplicas ?? 0)));
    if (most <= 1 || index.ofKind(namespace, 'PodDisruptionBudget').some((pdb) => selects(pdb.obj.spec?.selector, template.labels, false))) return;
    report(template.labelsPath,
      `Runs up to ${most} replicas${autoscalers.length ? ' (HorizontalPodAutoscaler)' : ''}, but no PodDisruptionBudget in namespace "${namespace}" selects its pods.`);
  },
});
