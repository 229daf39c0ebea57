/**
 * Adapters that let cdk8s-plus-27 objects point at the reference architecture's
 * constructs, where plus wants its own types rather than names.
 *
 * Optional: copy this file only into a project that uses cdk8s-plus-27. Nothing in
 * lib/ imports it. Wiring by name needs no adapter (kplus.ConfigMap.fromConfigMapName,
 * kplus.Secret.fromSecretName, kplus.Pods.select with `web.selector`); these two cover
 * the places where plus-27 accepts only an object:
 *
 * - `kplus.IngressBackend.fromService` takes a `kplus.Service`, a class with private
 *   members, so TypeScript treats it nominally and no WebTier can be passed.
 * - `kplus.HorizontalPodAutoscaler` takes an `IScalable` (a kplus workload).
 */
import { JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { WebTier } from '../../lib/web-tier';

/**
 * An Ingress backend for the WebTier's Service, by port number (plus-27 renders
 * backends by number only).
 *
 * plus-27's `fromService` reads only `name` and `ports[].port` from its argument
 * (cdk8s-plus-27 2.9.5, lib/ingress.js), so a view with those two is handed over with a
 * cast; test/plus-interop.test.ts checks the rendered backend, so a plus release that
 * reads more fails there rather than in a cluster.
 */
export function webTierBackend(web: WebTier): kplus.IngressBackend {
  const serviceView = { name: web.serviceName, ports: [{ port: web.servicePort }] };
  return kplus.IngressBackend.fromService(serviceView as unknown as kplus.Service, { port: web.servicePort });
}

/**
 * The WebTier's Deployment as a target for `kplus.HorizontalPodAutoscaler`.
 *
 * When an autoscaler takes it, `spec.replicas` is removed from the Deployment with a
 * JSON patch: a fixed count would be reset on every `kubectl apply` and fight the HPA
 * (the reason plus refuses targets with replicas). Give the autoscaler `metrics`: plus
 * checks container resources only when there are none, and it cannot see the WebTier's
 * containers, so without metrics it refuses the target at synth time.
 *
 * Prefer WebTier's own `autoscaling` prop (no JSON patch, and no plus default scaling
 * behavior); use this when the project's other HPAs are kplus ones.
 */
export function scalableWebTier(web: WebTier): kplus.IScalable {
  return {
    hasAutoscaler: false,
    markHasAutoscaler() {
      if (this.hasAutoscaler) return;
      if (web.deployment.toJson().spec?.replicas === undefined) {
        throw new Error(`${web.node.path}: already scaled by its own autoscaling prop; use either that or a kplus.HorizontalPodAutoscaler, not both.`);
      }
      this.hasAutoscaler = true;
      web.deployment.addJsonPatch(JsonPatch.remove('/spec/replicas'));
    },
    toScalingTarget() {
      return { kind: 'Deployment', apiVersion: 'apps/v1', name: web.name, containers: [] };
    },
  };
}
