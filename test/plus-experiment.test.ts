/**
 * The measurements behind docs/decisions/0001-l1-vs-cdk8s-plus.md, on real synthesized
 * output: lib/'s WebTier against the same web tier built with cdk8s-plus-27 2.9.5
 * (examples/plus-experiment/web-tier-plus.ts). If plus is upgraded or WebTier changes,
 * these fail and the decision record's numbers must be re-measured.
 */
import { ApiObject, App, Chart, JsonPatch, Testing, Yaml } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as path from 'path';
import { EXPERIMENT, experimentConfig, plusWebTier } from '../examples/plus-experiment/web-tier-plus';
import { WebTier } from '../lib/web-tier';
import { Manifest, find } from './support';

// RFC 6902 diff from fast-json-patch, the library cdk8s's own JsonPatch is built on.
type Op = { op: 'add' | 'remove' | 'replace'; path: string; value?: unknown };
const { compare }: { compare: (a: object, b: object) => Op[] } =
  require(require.resolve('fast-json-patch/commonjs/duplex.js', { paths: [path.dirname(require.resolve('cdk8s'))] }));

const e = EXPERIMENT;
function ours(): Manifest[] {
  const chart = new Chart(new App(), 'ours', { disableResourceNameHashes: true });
  new WebTier(chart, 'Web', { namespace: e.namespace, name: e.name, image: e.image, autoscaling: e.autoscaling, config: experimentConfig(chart), secretEnv: { DB_PASSWORD: 'password' } });
  return Testing.synth(chart) as Manifest[];
}
function plus() {
  const chart = new Chart(new App(), 'plus', { disableResourceNameHashes: true });
  const objects = plusWebTier(chart, experimentConfig(chart));
  return { chart, ...objects, synth: () => Testing.synth(chart) as Manifest[] };
}
const KINDS = ['Deployment', 'Service', 'HorizontalPodAutoscaler'] as const;
const describeOps = (ops: Op[]) => ops.map((o) => `${o.op} ${o.path}`).sort();

test('plus-27 has no PodDisruptionBudget; the other objects need 29 JSON patches to equal ours', () => {
  const [mine, theirs] = [ours(), plus().synth()];
  expect(theirs.map((m) => m.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'Secret', 'Service', 'ServiceAccount']);
  expect(mine.map((m) => m.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Secret', 'Service', 'ServiceAccount']);
  const ops = Object.fromEntries(KINDS.map((k) => [k, describeOps(compare(find(theirs, k), find(mine, k)))]));
  expect(ops).toEqual({
    Deployment: [
      // Pod Security restricted: plus-27 has no seccompProfile, and no ALL among its capabilities.
      'add /spec/template/spec/containers/0/securityContext/capabilities',
      'add /spec/template/spec/containers/0/securityContext/seccompProfile',
      'add /spec/template/spec/securityContext/seccompProfile',
      // Not expressible in plus-27: ephemeral storage under 1 GiB, enableServiceLinks,
      // topologySpreadConstraints (its `spread` is pod anti-affinity), revisionHistoryLimit.
      'add /spec/revisionHistoryLimit',
      'add /spec/template/spec/containers/0/resources/limits/ephemeral-storage',
      'add /spec/template/spec/containers/0/resources/requests/ephemeral-storage',
      'add /spec/template/spec/enableServiceLinks',
      'add /spec/template/spec/topologySpreadConstraints',
      // The construct-path label plus puts on every pod template, even with select: false.
      'remove /spec/template/metadata/labels/cdk8s.io~1metadata.addr',
      // Defaults plus writes out (Kubernetes would apply the same ones): noise in diffs only.
      'remove /spec/minReadySeconds',
      'remove /spec/progressDeadlineSeconds',
      'remove /spec/template/spec/containers/0/livenessProbe/httpGet/scheme',
      'remove /spec/template/spec/containers/0/readinessProbe/httpGet/scheme',
      'remove /spec/template/spec/containers/0/startupProbe/httpGet/scheme',
      'remove /spec/template/spec/dnsPolicy',
      'remove /spec/template/spec/hostNetwork',
      'remove /spec/template/spec/restartPolicy',
      'remove /spec/template/spec/securityContext/fsGroupChangePolicy',
      'remove /spec/template/spec/setHostnameAsFQDN',
      // plus-27 probes take a port number only; ours use the named port.
      'replace /spec/template/spec/containers/0/livenessProbe/httpGet/port',
      'replace /spec/template/spec/containers/0/readinessProbe/httpGet/port',
      'replace /spec/template/spec/containers/0/startupProbe/httpGet/port',
    ].sort(),
    Service: [
      // exposeViaService selects on the construct-path label even when the Deployment does not.
      'add /spec/selector/app.kubernetes.io~1component',
      'add /spec/selector/app.kubernetes.io~1instance',
      'add /spec/selector/app.kubernetes.io~1name',
      'remove /spec/selector/cdk8s.io~1metadata.addr',
      'remove /spec/externalIPs',
      'replace /spec/ports/0/targetPort',
    ].sort(),
    HorizontalPodAutoscaler: ['remove /spec/behavior'],
  });
});

test('applied with addJsonPatch as diffed, 7 of the 29 patches silently do not land', () => {
  const p = plus();
  const mine = ours();
  const before = p.synth();
  const target = { Deployment: p.deployment, Service: p.service, HorizontalPodAutoscaler: p.hpa };
  for (const kind of KINDS) {
    const patches = compare(find(before, kind), find(mine, kind)).map((o) =>
      o.op === 'remove' ? JsonPatch.remove(o.path) : o.op === 'add' ? JsonPatch.add(o.path, o.value) : JsonPatch.replace(o.path, o.value));
    ApiObject.of(target[kind]).addJsonPatch(...patches);
  }
  const after = p.synth();
  expect(Object.fromEntries(KINDS.map((k) => [k, describeOps(compare(find(after, k), find(mine, k)))]))).toEqual({
    Deployment: [
      // A YAML name in the path: the TypeScript name is setHostnameAsFqdn, so nothing is removed.
      'remove /spec/template/spec/setHostnameAsFQDN',
      // Plain strings where the L1 types hold IntOrString / Quantity objects: the ports vanish ...
      'add /spec/template/spec/containers/0/livenessProbe/httpGet/port',
      'add /spec/template/spec/containers/0/readinessProbe/httpGet/port',
      'add /spec/template/spec/containers/0/startupProbe/httpGet/port',
      // ... and the quantities are left null.
      'replace /spec/template/spec/containers/0/resources/limits/ephemeral-storage',
      'replace /spec/template/spec/containers/0/resources/requests/ephemeral-storage',
    ].sort(),
    Service: ['add /spec/ports/0/targetPort'],
    HorizontalPodAutoscaler: [],
  });
  // The synthesized YAML (cdk8s's own writer) says `ephemeral-storage: null`.
  expect(Yaml.stringify(find(after, 'Deployment'))).toContain('ephemeral-storage: null');
  expect(find(after, 'Deployment').spec.template.spec.containers[0].livenessProbe.httpGet).toEqual({ path: '/healthz' });
});

describe('the two JSON patch traps', () => {
  // cdk8s applies an L1 object's patches before converting its TypeScript-named props to
  // the API's JSON, and plus objects are L1 objects underneath.
  const deploymentWithPatches = (...patches: JsonPatch[]) => {
    const p = plus();
    ApiObject.of(p.deployment).addJsonPatch(...patches);
    return find(p.synth(), 'Deployment').spec.template.spec;
  };
  const limitsYaml = (spec: any) => Yaml.stringify(spec.containers[0].resources.limits);

  test('a plain string for a Quantity is written as null; a k8s.Quantity survives', () => {
    const quantityPath = '/spec/template/spec/containers/0/resources/limits/ephemeral-storage';
    expect(limitsYaml(deploymentWithPatches(JsonPatch.add(quantityPath, '256Mi')))).toContain('ephemeral-storage: null');
    expect(limitsYaml(deploymentWithPatches(JsonPatch.add(quantityPath, kplus.k8s.Quantity.fromString('256Mi'))))).toContain('ephemeral-storage: 256Mi');
  });

  test('a plain string for an IntOrString drops the field; k8s.IntOrString survives', () => {
    const portPath = '/spec/template/spec/containers/0/livenessProbe/httpGet/port';
    expect(deploymentWithPatches(JsonPatch.replace(portPath, 'http')).containers[0].livenessProbe.httpGet).toEqual({ path: '/healthz', scheme: 'HTTP' });
    expect(deploymentWithPatches(JsonPatch.replace(portPath, kplus.k8s.IntOrString.fromString('http'))).containers[0].livenessProbe.httpGet.port).toBe('http');
  });

  test('a path with the YAML name (setHostnameAsFQDN, clusterIP) does nothing; the TypeScript name works', () => {
    expect(deploymentWithPatches(JsonPatch.replace('/spec/template/spec/setHostnameAsFQDN', true)).setHostnameAsFQDN).toBe(false);
    expect(deploymentWithPatches(JsonPatch.replace('/spec/template/spec/setHostnameAsFqdn', true)).setHostnameAsFQDN).toBe(true);
    const headless = (field: string) => {
      const p = plus();
      ApiObject.of(p.service).addJsonPatch(JsonPatch.add(`/spec/${field}`, 'None'));
      return find(p.synth(), 'Service').spec.clusterIP;
    };
    expect(headless('clusterIP')).toBeUndefined();
    expect(headless('clusterIp')).toBe('None');
  });
});

test('what plus-27 adds by default to a bare Deployment: 2 replicas, 1 CPU, imagePullPolicy Always, a construct-path selector', () => {
  const chart = new Chart(new App(), 'bare', { disableResourceNameHashes: true });
  const svc = new kplus.Deployment(chart, 'App', { containers: [{ image: 'example:1.0.0', portNumber: 8080 }] }).exposeViaService();
  const [deployment, service] = [find(Testing.synth(chart) as Manifest[], 'Deployment'), find(Testing.synth(chart) as Manifest[], 'Service')];
  expect(svc.name).toBe(service.metadata.name);
  expect(deployment.spec.replicas).toBe(2);
  expect(deployment.spec.selector.matchLabels).toEqual({ 'cdk8s.io/metadata.addr': expect.stringMatching(/^bare-App-[0-9a-f]{8}$/) });
  expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
  const container = deployment.spec.template.spec.containers[0];
  expect(container.imagePullPolicy).toBe('Always');
  expect(container.resources).toEqual({ requests: { cpu: '1000m', memory: '512Mi' }, limits: { cpu: '1500m', memory: '2048Mi' } });
  expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true });
  expect(deployment.spec.template.spec.securityContext).toEqual({ fsGroupChangePolicy: 'Always', runAsNonRoot: true });
});

test('the HPA behavior plus injects when none is given', () => {
  expect(find(plus().synth(), 'HorizontalPodAutoscaler').spec.behavior).toEqual({
    scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }, { type: 'Percent', value: 200, periodSeconds: 60 }] },
    // "minReplicas pods per 5 minutes": 3 here.
    scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Pods', value: e.autoscaling.minReplicas, periodSeconds: 300 }] },
  });
  expect(find(ours(), 'HorizontalPodAutoscaler').spec).not.toHaveProperty('behavior');
});

test('plus-27 capabilities: no ALL, and its values carry a CAP_ prefix the API does not use', () => {
  expect(Object.values(kplus.Capability)).not.toContain('ALL');
  expect(kplus.Capability.NET_BIND_SERVICE).toBe('CAP_NET_BIND_SERVICE');
});
