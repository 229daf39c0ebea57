/**
 * The Kubernetes L1 classes the constructs of this folder are written against: the 1.27
 * API (cdk8s-plus-27's level), generated offline into imports/k8s.ts by `npm run import`.
 * Every construct imports them from here rather than from `imports/`, so a copy of lib/
 * (or the package, docs/constructs.md) brings its own and never depends on which
 * Kubernetes version a project imported for its own code: `cdk8s init` imports 1.25,
 * whose classes lack fields the constructs set. A copy replaces this file with
 * imports/k8s.ts itself.
 */
export * from '../imports/k8s';
