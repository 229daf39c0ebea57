/**
 * The oldest Kubernetes API whose L1 classes the constructs compile against: 1.27
 * (`PodDisruptionBudgetSpec.unhealthyPodEvictionPolicy`, beta and on by default since 1.27,
 * is the newest field they set). lib/k8s.ts may be any import of 1.27 or later (this
 * repository's imports/k8s.ts, cdk8s-plus-27's or cdk8s-plus-33's `lib/imports/k8s`); an
 * older one (`cdk8s import` without a version imports 1.25) fails to compile here, with
 * the message below, rather than with an unknown-property error deep in a construct.
 */
import * as k8s from './k8s';

type Has127 = 'unhealthyPodEvictionPolicy' extends keyof k8s.PodDisruptionBudgetSpec ? true : false;

/** `true`; fails to compile when lib/k8s.ts is older than Kubernetes 1.27. */
export const K8S_API_AT_LEAST_1_27: Has127 extends true ? true
  : 'lib/k8s.ts must hold the Kubernetes 1.27 (or newer) L1 classes: copy imports/k8s.ts of the reference architecture there (docs/constructs.md)' = true;
