/**
 * The cdk8s-plus-27 interop example (examples/plus-interop): a plus project using the
 * architecture's constructs next to kplus objects. Its output must pass the same gates
 * as dist/: the refarch-policy plugin (Pod Security, hygiene and reference rules) and
 * the strict schema check against 1.27 and 1.35.
 */
import { App, Chart, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { PlusInteropChart } from '../examples/plus-interop/chart';
import { scalableWebTier } from '../examples/plus-interop/adapters';
import { WebTier } from '../lib/web-tier';
import { formatIssue, validateYaml } from '../schema-check/validator';
import { Manifest, find } from './support';
import { checkPolicy, formatResult } from '../plugins/refarch-policy';

// new App(), not Testing.app(): the latter makes a temporary outdir per call and never removes it.
const synth = () => Testing.synth(new PlusInteropChart(new App(), 'plus-interop')) as Manifest[];
const manifests = synth();

test('passes the refarch-policy plugin with no rule switched off', () => {
  expect(formatResult(checkPolicy([{ file: 'plus-interop.k8s.yaml', objects: manifests }])))
    .toBe('refarch-policy: 0 violations, 0 rules switched off by annotation.');
});

test('passes the strict schema check against every captured minor', () => {
  const text = manifests.map((m) => YAML.stringify(m)).join('---\n');
  expect(validateYaml('plus-interop.k8s.yaml', text).map(formatIssue)).toEqual([]);
});

test('the kplus worker reads the AppConfig ConfigMap and Secret by name', () => {
  const worker = find(manifests, 'Deployment', 'guestbook-worker').spec.template.spec;
  expect(worker.containers[0].envFrom).toEqual([{ configMapRef: { name: find(manifests, 'ConfigMap').metadata.name } }]);
  expect(worker.containers[0].env).toContainEqual({ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: find(manifests, 'Secret').metadata.name, key: 'password' } } });
});

test('the restricted patches reach the kplus pod: seccomp on the pod, capabilities drop ALL on the container', () => {
  const spec = find(manifests, 'Deployment', 'guestbook-worker').spec.template.spec;
  expect(spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  expect(spec.containers[0].securityContext.capabilities).toEqual({ drop: ['ALL'] });
});

test('the worker selects on the recommended labels; plus still adds its construct-path label to the pod template only', () => {
  const worker = find(manifests, 'Deployment', 'guestbook-worker');
  expect(Object.keys(worker.spec.selector.matchLabels).sort()).toEqual(['app.kubernetes.io/component', 'app.kubernetes.io/instance', 'app.kubernetes.io/name']);
  expect(worker.spec.template.metadata.labels['cdk8s.io/metadata.addr']).toMatch(/^plus-interop-Worker-[0-9a-f]{8}$/);
  const users = manifests.filter((m) => m.kind !== 'Deployment' && JSON.stringify(m).includes('cdk8s.io/metadata.addr'));
  expect(users.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([]);
});

test('the kplus NetworkPolicy selects the web pods with the WebTier selector', () => {
  const web = find(manifests, 'Deployment', 'guestbook');
  const policy = find(manifests, 'NetworkPolicy', 'allow-worker-to-web');
  expect(policy.spec.podSelector.matchLabels).toEqual(web.spec.selector.matchLabels);
  expect(policy.spec.ingress[0].from[0].podSelector.matchLabels).toEqual(find(manifests, 'Deployment', 'guestbook-worker').spec.selector.matchLabels);
});

test('the worker may reach the web pods and the database, each allowed on both ends', () => {
  const worker = find(manifests, 'Deployment', 'guestbook-worker').spec.selector.matchLabels;
  for (const [target, workload, port] of [['web', find(manifests, 'Deployment', 'guestbook'), 8080], ['database', find(manifests, 'StatefulSet', 'postgres'), 5432]] as const) {
    const ingress = find(manifests, 'NetworkPolicy', `allow-worker-to-${target}`).spec;
    const egress = find(manifests, 'NetworkPolicy', `allow-worker-egress-to-${target}`).spec;
    expect(ingress).toEqual({ podSelector: { matchLabels: workload.spec.selector.matchLabels }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: worker } }], ports: [{ port, protocol: 'TCP' }] }] });
    expect(egress).toEqual({ podSelector: { matchLabels: worker }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: workload.spec.selector.matchLabels } }], ports: [{ port, protocol: 'TCP' }] }] });
  }
});

test('the kplus Ingress routes to the WebTier Service port; the kplus HPA scales its Deployment, which loses spec.replicas', () => {
  const service = find(manifests, 'Service', 'guestbook');
  expect(find(manifests, 'Ingress', 'guestbook').spec.rules[0].http.paths[0].backend)
    .toEqual({ service: { name: service.metadata.name, port: { number: service.spec.ports[0].port } } });
  expect(find(manifests, 'HorizontalPodAutoscaler', 'guestbook').spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'guestbook' });
  expect(find(manifests, 'Deployment', 'guestbook').spec).not.toHaveProperty('replicas');
});

test('the HPA adapter refuses a WebTier that already autoscales itself', () => {
  const chart = new Chart(new App(), 'c');
  const web = new WebTier(chart, 'Web', { autoscaling: { minReplicas: 2, maxReplicas: 4 } });
  expect(() => scalableWebTier(web).markHasAutoscaler()).toThrow('c/Web: already scaled by its own autoscaling prop');
});

test('synthesis is deterministic', () => {
  expect(YAML.stringify(synth())).toBe(YAML.stringify(manifests));
});
