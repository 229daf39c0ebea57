/**
 * Every rule: a manifest set that breaks it is reported (with file, object, field path
 * and fix), and a good variant passes. The base set is a small but complete app that
 * passes every rule; each case changes one thing.
 */
import fc from 'fast-check';
import { RULES, checkPolicy } from '..';
import type { Violation } from '../src/engine';
import type { K8sObject } from '../src/objects';

type Objects = K8sObject[];
type Change = (o: Objects) => void;

const NS = 'shop';
const labels = { 'app.kubernetes.io/name': 'web' };
const dbLabels = { 'app.kubernetes.io/name': 'db' };
const DIGEST = `sha256:${'a'.repeat(64)}`;

/** A complete app that passes every rule. */
function base(): Objects {
  const container = (name: string, port: { name: string; containerPort: number }) => ({
    name,
    image: 'registry.example.com:5000/team/web:1.2.3',
    ports: [port],
    env: [
      { name: 'LOG_LEVEL', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'LOG_LEVEL' } } },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-credentials', key: 'password' } } },
      { name: 'PASSWORD_FILE', value: '/var/run/secrets/password' },
    ],
    envFrom: [{ configMapRef: { name: 'web-config' } }],
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '128Mi' } },
    readinessProbe: { httpGet: { path: '/readyz', port: port.name } },
    livenessProbe: { httpGet: { path: '/healthz', port: port.name } },
    securityContext: {
      allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true,
      runAsNonRoot: true, runAsUser: 1000, capabilities: { drop: ['ALL'] },
    },
  });
  const podSpec = (c: object) => ({
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [c],
    volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'config', configMap: { name: 'web-config', items: [{ key: 'LOG_LEVEL', path: 'level' }] } }],
  });
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: NS }, data: { LOG_LEVEL: 'info', DB_HOST: 'db' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-credentials', namespace: NS }, data: { password: 'c2VjcmV0' } },
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: NS },
      spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: podSpec(container('web', { name: 'http', containerPort: 8080 })) } },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: NS }, spec: { maxUnavailable: 1, selector: { matchLabels: labels } } },
    {
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: NS },
      spec: { rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http' } } } }] } }] },
    },
    {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: NS },
      spec: {
        replicas: 1, serviceName: 'db-headless', selector: { matchLabels: dbLabels },
        template: { metadata: { labels: dbLabels }, spec: podSpec(container('db', { name: 'postgresql', containerPort: 5432 })) },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db-headless', namespace: NS }, spec: { clusterIP: 'None', selector: dbLabels, ports: [{ name: 'postgresql', port: 5432, targetPort: 'postgresql' }] } },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: NS }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } },
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'web', namespace: NS },
      spec: { gatewayClassName: 'traefik', listeners: [{ name: 'http', protocol: 'HTTP', port: 8000, hostname: 'shop.example.com', allowedRoutes: { namespaces: { from: 'Same' } } }] },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'web', namespace: NS },
      spec: {
        parentRefs: [{ name: 'web', sectionName: 'http' }], hostnames: ['shop.example.com'],
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'web', port: 80 }] }],
      },
    },
  ];
}

const find = (o: Objects, kind: string, name: string) => {
  const obj = o.find((x) => x.kind === kind && x.metadata?.name === name);
  if (!obj) throw new Error(`no ${kind}/${name}`);
  return obj;
};
const web = (o: Objects) => find(o, 'Deployment', 'web');
const webPod = (o: Objects) => web(o).spec.template.spec;
const webC = (o: Objects) => webPod(o).containers[0];
const remove = (o: Objects, kind: string, name: string) => o.splice(o.indexOf(find(o, kind, name)), 1);

const check = (o: Objects): Violation[] => checkPolicy([{ file: 'app.k8s.yaml', objects: o }]).violations;
const run = (change: Change) => {
  const o = base();
  change(o);
  return check(o);
};

interface Case {
  /** What the bad change does. */
  readonly what: string;
  readonly bad: Change;
  /** Kind/name and field path of the expected violation. */
  readonly at: [string, string];
}
interface RuleCases {
  readonly bad: Case[];
  /** Variants that must not trigger the rule (besides the base set). */
  readonly good: Array<[string, Change]>;
}

const CASES: Record<string, RuleCases> = {
  'pss-privileged': {
    bad: [{ what: 'a privileged container', bad: (o) => { webC(o).securityContext.privileged = true; }, at: ['Deployment/web', 'spec.template.spec.containers[0].securityContext.privileged'] }],
    good: [['privileged: false', (o) => { webC(o).securityContext.privileged = false; }]],
  },
  'pss-host-namespaces': {
    bad: [
      { what: 'hostNetwork', bad: (o) => { webPod(o).hostNetwork = true; }, at: ['Deployment/web', 'spec.template.spec.hostNetwork'] },
      { what: 'hostPID', bad: (o) => { webPod(o).hostPID = true; }, at: ['Deployment/web', 'spec.template.spec.hostPID'] },
      { what: 'hostIPC', bad: (o) => { webPod(o).hostIPC = true; }, at: ['Deployment/web', 'spec.template.spec.hostIPC'] },
    ],
    good: [['host namespaces set to false', (o) => { Object.assign(webPod(o), { hostNetwork: false, hostPID: false, hostIPC: false }); }]],
  },
  'pss-host-ports': {
    bad: [{ what: 'a hostPort', bad: (o) => { webC(o).ports[0].hostPort = 8080; }, at: ['Deployment/web', 'spec.template.spec.containers[0].ports[0].hostPort'] }],
    good: [['hostPort: 0', (o) => { webC(o).ports[0].hostPort = 0; }]],
  },
  'pss-host-path': {
    bad: [{ what: 'a hostPath volume', bad: (o) => { webPod(o).volumes.push({ name: 'h', hostPath: { path: '/var/run' } }); }, at: ['Deployment/web', 'spec.template.spec.volumes[2].hostPath'] }],
    good: [['an emptyDir', (o) => { webPod(o).volumes.push({ name: 'h', emptyDir: { medium: 'Memory' } }); }]],
  },
  'pss-volume-types': {
    bad: [{ what: 'an nfs volume', bad: (o) => { webPod(o).volumes.push({ name: 'n', nfs: { server: 'nfs', path: '/' } }); }, at: ['Deployment/web', 'spec.template.spec.volumes[2].nfs'] }],
    good: [['projected, pvc, csi, ephemeral, downwardAPI and secret volumes', (o) => {
      webPod(o).volumes.push(
        { name: 'p', projected: { sources: [{ configMap: { name: 'web-config' } }, { serviceAccountToken: { path: 't' } }] } },
        { name: 'c', persistentVolumeClaim: { claimName: 'data' } },
        { name: 'i', csi: { driver: 'x' } },
        { name: 'e', ephemeral: { volumeClaimTemplate: { spec: {} } } },
        { name: 'd', downwardAPI: { items: [] } },
        { name: 's', secret: { secretName: 'db-credentials' } },
      );
    }]],
  },
  'pss-allow-privilege-escalation': {
    bad: [
      { what: 'unset', bad: (o) => { delete webC(o).securityContext.allowPrivilegeEscalation; }, at: ['Deployment/web', 'spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation'] },
      { what: 'true on an init container', bad: (o) => { webPod(o).initContainers = [{ ...structuredClone(webC(o)), name: 'init', readinessProbe: undefined, livenessProbe: undefined, securityContext: { ...webC(o).securityContext, allowPrivilegeEscalation: true } }]; }, at: ['Deployment/web', 'spec.template.spec.initContainers[0].securityContext.allowPrivilegeEscalation'] },
    ],
    good: [],
  },
  'pss-run-as-non-root': {
    bad: [
      { what: 'not set anywhere', bad: (o) => { delete webPod(o).securityContext.runAsNonRoot; delete webC(o).securityContext.runAsNonRoot; }, at: ['Deployment/web', 'spec.template.spec.containers[0].securityContext.runAsNonRoot'] },
      { what: 'false on the container', bad: (o) => { webC(o).securityContext.runAsNonRoot = false; }, at: ['Deployment/web', 'spec.template.spec.containers[0].securityContext.runAsNonRoot'] },
      { what: 'false on the pod', bad: (o) => { webPod(o).securityContext.runAsNonRoot = false; }, at: ['Deployment/web', 'spec.template.spec.securityContext.runAsNonRoot'] },
    ],
    good: [['set on the container only', (o) => { delete webPod(o).securityContext.runAsNonRoot; }]],
  },
  'pss-run-as-user': {
    bad: [
      { what: 'uid 0 on the container', bad: (o) => { webC(o).securityContext.runAsUser = 0; }, at: ['Deployment/web', 'spec.template.spec.containers[0].securityContext.runAsUser'] },
      { what: 'uid 0 on the pod', bad: (o) => { webPod(o).securityContext.runAsUser = 0; }, at: ['Deployment/web', 'spec.template.spec.securityContext.runAsUser'] },
    ],
    good: [['no runAsUser (the image decides, runAsNonRoot checks it)', (o) => { delete webPod(o).securityContext.runAsUser; delete webC(o).securityContext.runAsUser; }]],
  },
  'pss-seccomp': {
    bad: [
      { what: 'no profile anywhere', bad: (o) => { delete webPod(o).securityContext.seccompProfile; }, at: ['Deployment/web', 'spec.template.spec.containers[0].securityContext.seccompProfile'] },
      { what: 'Unconfined on the container', bad: (o) => { webC(o).securityContext.seccompProfile = { type: 'Unconfined' }; }, at: ['Deployment/web', 'spec.template.spec.containers[0].securityContext.seccompProfile.type'] },
      { what: 'Unconfined on the pod', bad: (o) => { webPod(o).securityContext.seccompProfile = { type: 'Unconfined' }; webC(o).securityContext.seccompProfile = { type: 'RuntimeDefault' }; }, at: ['Deployment/web', 'spec.template.spec.securityContext.seccompProfile.type'] },
    ],
    good: [
      ['Localhost on the pod', (o) => { webPod(o).securityContext.seccompProfile = { type: 'Localhost', localhostProfile: 'p.json' }; }],
      ['RuntimeDefault on the container only', (o) => { delete webPod(o).securityContext.seccompProfile; webC(o).securityContext.seccompProfile = { type: 'RuntimeDefault' }; }],
    ],
  },
  'pss-capabilities': {
    bad: [
      { what: 'ALL not dropped', bad: (o) => { webC(o).securityContext.capabilities = { drop: ['NET_RAW'] }; }, at: ['Deployment/web', 'spec.template.spec.containers[0].securityContext.capabilities.drop'] },
      { what: 'SYS_ADMIN added', bad: (o) => { webC(o).securityContext.capabilities.add = ['SYS_ADMIN']; }, at: ['Deployment/web', 'spec.template.spec.containers[0].securityContext.capabilities.add[0]'] },
    ],
    good: [['NET_BIND_SERVICE added back', (o) => { webC(o).securityContext.capabilities.add = ['NET_BIND_SERVICE']; }]],
  },
  'container-resources': {
    bad: [
      { what: 'no memory limit', bad: (o) => { delete webC(o).resources.limits.memory; }, at: ['Deployment/web', 'spec.template.spec.containers[0].resources'] },
      { what: 'no resources', bad: (o) => { delete webC(o).resources; }, at: ['Deployment/web', 'spec.template.spec.containers[0].resources'] },
      { what: 'a request above its limit', bad: (o) => { webC(o).resources.requests.memory = '0.5Gi'; }, at: ['Deployment/web', 'spec.template.spec.containers[0].resources.requests.memory'] },
      { what: 'a request above its limit, in exponent notation', bad: (o) => { webC(o).resources.requests.cpu = '3e-1'; }, at: ['Deployment/web', 'spec.template.spec.containers[0].resources.requests.cpu'] },
    ],
    good: [
      ['extra resources (ephemeral-storage)', (o) => { webC(o).resources.limits['ephemeral-storage'] = '1Gi'; }],
      ['a request equal to its limit in other units, and numbers', (o) => { webC(o).resources.requests = { cpu: 0.25, memory: '131072Ki' }; }],
    ],
  },
  'container-probes': {
    bad: [
      { what: 'no readinessProbe', bad: (o) => { delete webC(o).readinessProbe; }, at: ['Deployment/web', 'spec.template.spec.containers[0].readinessProbe'] },
      { what: 'no livenessProbe', bad: (o) => { delete webC(o).livenessProbe; }, at: ['Deployment/web', 'spec.template.spec.containers[0].livenessProbe'] },
    ],
    good: [['exec probes', (o) => { webC(o).readinessProbe = { exec: { command: ['true'] } }; webC(o).livenessProbe = { exec: { command: ['true'] } }; }]],
  },
  'probe-port': {
    bad: [
      { what: 'an undeclared named port', bad: (o) => { webC(o).livenessProbe.httpGet.port = 'admin'; }, at: ['Deployment/web', 'spec.template.spec.containers[0].livenessProbe.httpGet.port'] },
      { what: 'an undeclared number on a startupProbe', bad: (o) => { webC(o).startupProbe = { tcpSocket: { port: 9090 } }; }, at: ['Deployment/web', 'spec.template.spec.containers[0].startupProbe.tcpSocket.port'] },
    ],
    good: [['a declared port number', (o) => { webC(o).readinessProbe.httpGet.port = 8080; }]],
  },
  'image-tag': {
    bad: [
      { what: 'no tag', bad: (o) => { webC(o).image = 'nginx'; }, at: ['Deployment/web', 'spec.template.spec.containers[0].image'] },
      { what: 'latest', bad: (o) => { webC(o).image = 'nginx:latest'; }, at: ['Deployment/web', 'spec.template.spec.containers[0].image'] },
      { what: 'a registry port but no tag', bad: (o) => { webC(o).image = 'registry:5000/team/web'; }, at: ['Deployment/web', 'spec.template.spec.containers[0].image'] },
      { what: 'an invalid reference (upper case repository)', bad: (o) => { webC(o).image = 'Team/Web:1.0'; }, at: ['Deployment/web', 'spec.template.spec.containers[0].image'] },
      { what: 'no image', bad: (o) => { delete webC(o).image; }, at: ['Deployment/web', 'spec.template.spec.containers[0].image'] },
    ],
    good: [
      ['a digest', (o) => { webC(o).image = `nginx@${DIGEST}`; }],
      ['tag and digest', (o) => { webC(o).image = `nginx:latest@${DIGEST}`; }],
      ['an IPv6 registry with a port', (o) => { webC(o).image = '[fd00::1]:5000/team/web:1.2.3'; }],
    ],
  },
  'read-only-root-filesystem': {
    bad: [{ what: 'a writable root filesystem', bad: (o) => { webC(o).securityContext.readOnlyRootFilesystem = false; }, at: ['Deployment/web', 'spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem'] }],
    good: [],
  },
  'automount-service-account-token': {
    bad: [
      { what: 'unset', bad: (o) => { delete webPod(o).automountServiceAccountToken; }, at: ['Deployment/web', 'spec.template.spec.automountServiceAccountToken'] },
      { what: 'true on the pod despite the ServiceAccount', bad: (o) => {
        webPod(o).automountServiceAccountToken = true;
        o.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: NS }, automountServiceAccountToken: false });
      }, at: ['Deployment/web', 'spec.template.spec.automountServiceAccountToken'] },
    ],
    good: [['false on the ServiceAccount', (o) => {
      delete webPod(o).automountServiceAccountToken;
      webPod(o).serviceAccountName = 'web';
      o.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: NS }, automountServiceAccountToken: false });
    }]],
  },
  'pod-disruption-budget': {
    bad: [
      { what: 'two replicas, no PDB', bad: (o) => { remove(o, 'PodDisruptionBudget', 'web'); }, at: ['Deployment/web', 'spec.template.metadata.labels'] },
      { what: 'an HPA up to 5, no PDB', bad: (o) => {
        remove(o, 'PodDisruptionBudget', 'web');
        delete web(o).spec.replicas;
        o.push({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: NS }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5 } });
      }, at: ['Deployment/web', 'spec.template.metadata.labels'] },
      { what: 'a PDB in another namespace', bad: (o) => { find(o, 'PodDisruptionBudget', 'web').metadata!.namespace = 'other'; }, at: ['Deployment/web', 'spec.template.metadata.labels'] },
    ],
    good: [
      ['one replica, no PDB', (o) => { remove(o, 'PodDisruptionBudget', 'web'); web(o).spec.replicas = 1; }],
      ['a PDB selecting with matchExpressions', (o) => { find(o, 'PodDisruptionBudget', 'web').spec.selector = { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['web', 'api'] }] }; }],
    ],
  },
  'network-policy': {
    bad: [{ what: 'only a policy for other pods', bad: (o) => { find(o, 'NetworkPolicy', 'default-deny').spec.podSelector = { matchLabels: { app: 'other' } }; }, at: ['Deployment/web', 'spec.template.metadata.labels'] }],
    good: [['a policy per workload (matchLabels and matchExpressions)', (o) => {
      const np = find(o, 'NetworkPolicy', 'default-deny');
      np.spec.podSelector = { matchLabels: labels };
      o.push({ ...structuredClone(np), metadata: { name: 'db', namespace: NS }, spec: { podSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'Exists' }] } } });
    }]],
  },
  'service-selector': {
    bad: [{ what: 'a selector matching no pod', bad: (o) => { find(o, 'Service', 'web').spec.selector = { 'app.kubernetes.io/name': 'wbe' }; }, at: ['Service/web', 'spec.selector'] }],
    good: [
      ['an ExternalName Service', (o) => { o.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext', namespace: NS }, spec: { type: 'ExternalName', externalName: 'db.example.com' } }); }],
      ['a Service without selector (manual EndpointSlices)', (o) => { o.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'manual', namespace: NS }, spec: { ports: [{ port: 1 }] } }); }],
    ],
  },
  'service-target-port': {
    bad: [{ what: 'a targetPort name no container declares', bad: (o) => { find(o, 'Service', 'web').spec.ports[0].targetPort = 'web'; }, at: ['Service/web', 'spec.ports[0].targetPort'] }],
    good: [['a numeric targetPort', (o) => { find(o, 'Service', 'web').spec.ports[0].targetPort = 8080; }]],
  },
  'ingress-backend': {
    bad: [
      { what: 'a missing Service', bad: (o) => { find(o, 'Ingress', 'web').spec.rules[0].http.paths[0].backend.service.name = 'api'; }, at: ['Ingress/web', 'spec.rules[0].http.paths[0].backend.service.name'] },
      { what: 'a missing port name', bad: (o) => { find(o, 'Ingress', 'web').spec.rules[0].http.paths[0].backend.service.port = { name: 'https' }; }, at: ['Ingress/web', 'spec.rules[0].http.paths[0].backend.service.port'] },
      { what: 'a default backend with a missing port number', bad: (o) => { find(o, 'Ingress', 'web').spec.defaultBackend = { service: { name: 'web', port: { number: 8080 } } }; }, at: ['Ingress/web', 'spec.defaultBackend.service.port'] },
    ],
    good: [['a port number', (o) => { find(o, 'Ingress', 'web').spec.rules[0].http.paths[0].backend.service.port = { number: 80 }; }]],
  },
  'httproute-backend': {
    bad: [
      { what: 'a missing Service', bad: (o) => { find(o, 'HTTPRoute', 'web').spec.rules[0].backendRefs[0].name = 'api'; }, at: ['HTTPRoute/web', 'spec.rules[0].backendRefs[0].name'] },
      { what: 'a missing port number', bad: (o) => { find(o, 'HTTPRoute', 'web').spec.rules[0].backendRefs[0].port = 8080; }, at: ['HTTPRoute/web', 'spec.rules[0].backendRefs[0].port'] },
      { what: 'a Service of another namespace without a ReferenceGrant', bad: (o) => {
        o.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'other' }, spec: { ports: [{ port: 80 }] } });
        find(o, 'HTTPRoute', 'web').spec.rules[0].backendRefs[0] = { name: 'api', namespace: 'other', port: 80 };
      }, at: ['HTTPRoute/web', 'spec.rules[0].backendRefs[0].namespace'] },
    ],
    good: [
      ['a Service of another namespace with a ReferenceGrant', (o) => {
        o.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'other' }, spec: { ports: [{ port: 80 }] } });
        o.push({ apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'shop-routes', namespace: 'other' },
          spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: NS }], to: [{ group: '', kind: 'Service' }] } });
        find(o, 'HTTPRoute', 'web').spec.rules[0].backendRefs.push({ name: 'api', namespace: 'other', port: 80 });
      }],
      ['a redirect rule without backends', (o) => { find(o, 'HTTPRoute', 'web').spec.rules.push({ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https' } }] }); }],
    ],
  },
  'httproute-parent': {
    bad: [
      { what: 'a missing Gateway in the route\'s namespace', bad: (o) => { find(o, 'HTTPRoute', 'web').spec.parentRefs[0].name = 'edge'; }, at: ['HTTPRoute/web', 'spec.parentRefs[0].name'] },
      { what: 'a missing listener', bad: (o) => { find(o, 'HTTPRoute', 'web').spec.parentRefs[0].sectionName = 'https'; }, at: ['HTTPRoute/web', 'spec.parentRefs[0].sectionName'] },
      { what: 'a Gateway of another namespace that admits its own routes only', bad: (o) => {
        const gateway = find(o, 'Gateway', 'web');
        gateway.metadata!.namespace = 'gateways';
        find(o, 'HTTPRoute', 'web').spec.parentRefs[0].namespace = 'gateways';
      }, at: ['HTTPRoute/web', 'spec.parentRefs[0].name'] },
      { what: 'a hostname no listener serves', bad: (o) => { find(o, 'HTTPRoute', 'web').spec.hostnames = ['api.example.com']; }, at: ['HTTPRoute/web', 'spec.hostnames'] },
    ],
    good: [
      ['a shared Gateway of another namespace (not in the manifests)', (o) => { Object.assign(find(o, 'HTTPRoute', 'web').spec.parentRefs[0], { name: 'shared', namespace: 'gateways' }); }],
      ['a wildcard listener and no sectionName', (o) => {
        find(o, 'Gateway', 'web').spec.listeners[0].hostname = '*.example.com';
        delete find(o, 'HTTPRoute', 'web').spec.parentRefs[0].sectionName;
      }],
      ['a listener admitting every namespace', (o) => {
        const gateway = find(o, 'Gateway', 'web');
        gateway.metadata!.namespace = 'gateways';
        gateway.spec.listeners[0].allowedRoutes.namespaces.from = 'All';
        find(o, 'HTTPRoute', 'web').spec.parentRefs[0].namespace = 'gateways';
      }],
    ],
  },
  'statefulset-service': {
    bad: [
      { what: 'a missing Service', bad: (o) => { find(o, 'StatefulSet', 'db').spec.serviceName = 'db-hl'; }, at: ['StatefulSet/db', 'spec.serviceName'] },
      { what: 'a Service that is not headless', bad: (o) => { delete find(o, 'Service', 'db-headless').spec.clusterIP; }, at: ['StatefulSet/db', 'spec.serviceName'] },
      { what: 'a headless Service for other pods', bad: (o) => { find(o, 'Service', 'db-headless').spec.selector = labels; }, at: ['StatefulSet/db', 'spec.serviceName'] },
    ],
    good: [['no serviceName (optional since 1.30)', (o) => { delete find(o, 'StatefulSet', 'db').spec.serviceName; }]],
  },
  'config-reference': {
    bad: [
      { what: 'a missing ConfigMap key', bad: (o) => { webC(o).env[0].valueFrom.configMapKeyRef.key = 'LEVEL'; }, at: ['Deployment/web', 'spec.template.spec.containers[0].env[0].valueFrom.configMapKeyRef'] },
      { what: 'a missing Secret', bad: (o) => { remove(o, 'Secret', 'db-credentials'); }, at: ['Deployment/web', 'spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef'] },
      { what: 'a missing Secret key', bad: (o) => { webC(o).env[1].valueFrom.secretKeyRef.key = 'pass'; }, at: ['Deployment/web', 'spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef'] },
      { what: 'a missing envFrom ConfigMap', bad: (o) => { webC(o).envFrom = [{ configMapRef: { name: 'nope' } }]; }, at: ['Deployment/web', 'spec.template.spec.containers[0].envFrom[0].configMapRef'] },
      { what: 'a missing volume item key', bad: (o) => { webPod(o).volumes[1].configMap.items[0].key = 'NOPE'; }, at: ['Deployment/web', 'spec.template.spec.volumes[1].configMap.items[0].key'] },
      { what: 'a missing projected Secret', bad: (o) => { webPod(o).volumes.push({ name: 'p', projected: { sources: [{ secret: { name: 'tls' } }] } }); }, at: ['Deployment/web', 'spec.template.spec.volumes[2].projected.sources[0].secret'] },
      { what: 'a ConfigMap in another namespace', bad: (o) => { find(o, 'ConfigMap', 'web-config').metadata!.namespace = 'other'; }, at: ['Deployment/web', 'spec.template.spec.containers[0].env[0].valueFrom.configMapKeyRef'] },
      { what: 'an out-of-band Secret declared for another name', bad: (o) => {
        remove(o, 'Secret', 'db-credentials');
        web(o).metadata!.annotations = { 'refarch.example.com/external-secrets': 'db-creds' };
      }, at: ['Deployment/web', 'spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef'] },
    ],
    good: [
      ['an out-of-band Secret declared on the workload', (o) => {
        remove(o, 'Secret', 'db-credentials');
        for (const w of [web(o), find(o, 'StatefulSet', 'db')]) w.metadata!.annotations = { 'refarch.example.com/external-secrets': 'tls, db-credentials' };
      }],
      ['optional references', (o) => {
        webC(o).env.push({ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'x', optional: true } } });
        webC(o).envFrom.push({ secretRef: { name: 'nope', optional: true } });
        webPod(o).volumes.push({ name: 'o', secret: { secretName: 'nope', optional: true } });
      }],
      ['a Secret key from stringData', (o) => { find(o, 'Secret', 'db-credentials').stringData = { token: 'x' }; webC(o).env[1].valueFrom.secretKeyRef.key = 'token'; }],
    ],
  },
  'no-literal-secrets': {
    bad: [
      { what: 'a literal password in env', bad: (o) => { webC(o).env.push({ name: 'DB_PASSWORD', value: 'hunter2' }); }, at: ['Deployment/web', 'spec.template.spec.containers[0].env[3].value'] },
      { what: 'a URL with credentials in a ConfigMap', bad: (o) => { find(o, 'ConfigMap', 'web-config').data.DATABASE_URL = 'postgres://app:hunter2@db:5432/app'; }, at: ['ConfigMap/web-config', 'data.DATABASE_URL'] },
      { what: 'a private key in a ConfigMap', bad: (o) => { find(o, 'ConfigMap', 'web-config').data['tls.key'] = '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n'; }, at: ['ConfigMap/web-config', 'data.tls.key'] },
      { what: 'an API token in a ConfigMap', bad: (o) => { find(o, 'ConfigMap', 'web-config').data.API_TOKEN = 'abc123'; }, at: ['ConfigMap/web-config', 'data.API_TOKEN'] },
      { what: 'an AWS key under an innocent name', bad: (o) => { webC(o).env.push({ name: 'S3_ID', value: 'AKIAIOSFODNN7EXAMPLE' }); }, at: ['Deployment/web', 'spec.template.spec.containers[0].env[3].value'] },
    ],
    good: [
      ['names that hold a location or a setting', (o) => {
        Object.assign(find(o, 'ConfigMap', 'web-config').data, { TOKEN_TTL: '3600', SECRET_NAME: 'db-credentials', PASSWORD_FILE: '/run/secrets/pw', AUTH_ENABLED: 'true', DB_URL: 'postgres://db:5432/app' });
      }],
      ['an empty or boolean value', (o) => { webC(o).env.push({ name: 'REQUIRE_PASSWORD', value: 'true' }, { name: 'TOKEN', value: '' }); }],
    ],
  },
  'workload-selector': {
    bad: [
      { what: 'a selector for other pods', bad: (o) => { web(o).spec.selector = { matchLabels: dbLabels }; }, at: ['Deployment/web', 'spec.selector'] },
      { what: 'no selector', bad: (o) => { delete find(o, 'StatefulSet', 'db').spec.selector; }, at: ['StatefulSet/db', 'spec.selector'] },
    ],
    good: [['a matchExpressions selector', (o) => { web(o).spec.selector = { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['web'] }] }; }]],
  },
  'volume-mount': {
    bad: [{ what: 'a mount of a missing volume', bad: (o) => { webC(o).volumeMounts.push({ name: 'cache', mountPath: '/cache' }); }, at: ['Deployment/web', 'spec.template.spec.containers[0].volumeMounts[1].name'] }],
    good: [['a mount of a StatefulSet volumeClaimTemplate', (o) => {
      const db = find(o, 'StatefulSet', 'db');
      db.spec.volumeClaimTemplates = [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }];
      db.spec.template.spec.containers[0].volumeMounts.push({ name: 'data', mountPath: '/data' });
    }]],
  },
  'hpa-target': {
    bad: [{ what: 'a missing Deployment', bad: (o) => {
      o.push({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'api', namespace: NS }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, minReplicas: 1, maxReplicas: 3 } });
    }, at: ['HorizontalPodAutoscaler/api', 'spec.scaleTargetRef'] }],
    good: [['an HPA of the web Deployment', (o) => {
      o.push({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: NS }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 3 } });
    }]],
  },
  'selector-matches-pods': {
    bad: [
      { what: 'a PDB with a mistyped label', bad: (o) => { o.push({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'wbe', namespace: NS }, spec: { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'wbe' } } } }); }, at: ['PodDisruptionBudget/wbe', 'spec.selector'] },
      { what: 'a PDB without selector (selects nothing in policy/v1)', bad: (o) => { delete find(o, 'PodDisruptionBudget', 'web').spec.selector; }, at: ['PodDisruptionBudget/web', 'spec.selector'] },
      { what: 'a NetworkPolicy for pods that do not exist', bad: (o) => { o.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-api', namespace: NS }, spec: { podSelector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['api'] }] } } }); }, at: ['NetworkPolicy/allow-api', 'spec.podSelector'] },
    ],
    good: [['a default-deny in a namespace without pods', (o) => { o.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: 'empty' }, spec: { podSelector: { matchLabels: {} } } }); }]],
  },
  'skip-annotation': {
    bad: [
      { what: 'an empty reason', bad: (o) => { web(o).metadata!.annotations = { 'refarch.example.com/skip-read-only-root-filesystem': '  ' }; }, at: ['Deployment/web', 'metadata.annotations["refarch.example.com/skip-read-only-root-filesystem"]'] },
      { what: 'an unknown rule', bad: (o) => { web(o).metadata!.annotations = { 'refarch.example.com/skip-readonly-root': 'legacy app' }; }, at: ['Deployment/web', 'metadata.annotations["refarch.example.com/skip-readonly-root"]'] },
      { what: 'skipping the skip check', bad: (o) => { web(o).metadata!.annotations = { 'refarch.example.com/skip-skip-annotation': 'x' }; }, at: ['Deployment/web', 'metadata.annotations["refarch.example.com/skip-skip-annotation"]'] },
    ],
    good: [['a reason', (o) => { web(o).metadata!.annotations = { 'refarch.example.com/skip-read-only-root-filesystem': 'writes its cache to /' }; }]],
  },
};

test('the base app passes every rule', () => {
  expect(check(base())).toEqual([]);
});

test('every rule of the catalog has cases, and every case names a rule of the catalog', () => {
  expect(Object.keys(CASES).sort()).toEqual(RULES.map((r) => r.id).sort());
  for (const [id, cases] of Object.entries(CASES)) expect({ id, bad: cases.bad.length > 0 }).toEqual({ id, bad: true });
});

describe.each(Object.entries(CASES))('%s', (rule, cases) => {
  test.each(cases.bad.map((c) => [c.what, c] as const))('reports %s', (_what, c) => {
    const violations = run(c.bad);
    const mine = violations.filter((v) => v.rule === rule);
    expect(mine.map((v) => [`${v.kind}/${v.name}`, v.path])).toContainEqual(c.at);
    const v = mine.find((x) => `${x.kind}/${x.name}` === c.at[0] && x.path === c.at[1])!;
    const catalog = RULES.find((r) => r.id === rule)!;
    expect(v).toMatchObject({ file: 'app.k8s.yaml', namespace: NS, reason: catalog.reason, fix: catalog.fix });
    expect(v.message.length).toBeGreaterThan(10);
  });

  if (cases.good.length > 0) {
    test.each(cases.good)('passes %s', (_what, change) => {
      expect(run(change)).toEqual([]);
    });
  }
});

test('a name, namespace or kind that is a mapping with a "toString" key is checked, not a crash (found by the property below)', () => {
  const odd = { kind: { toString: '' }, metadata: { name: { toString: '' }, namespace: { valueOf: 1, toString: 2 } } };
  const named = { kind: 'Deployment', metadata: { name: { toString: '' }, namespace: NS } };
  expect(() => checkPolicy([{ file: 'odd.yaml', objects: [...base(), odd, named] }])).not.toThrow();
});

test('no rule throws on malformed objects (wrong types where objects, arrays or strings belong)', () => {
  const kinds = ['Deployment', 'StatefulSet', 'Pod', 'CronJob', 'Service', 'Ingress', 'ConfigMap', 'PodDisruptionBudget', 'NetworkPolicy', 'HorizontalPodAutoscaler', 'Secret'];
  const anything = fc.anything({ maxDepth: 3, withNullPrototype: false });
  const container = fc.record({ name: anything, image: anything, ports: anything, env: anything, envFrom: anything, resources: anything, securityContext: anything, readinessProbe: anything, volumeMounts: anything }, { requiredKeys: [] });
  const podSpec = fc.record({ containers: fc.oneof(fc.array(container, { maxLength: 2 }), anything), volumes: anything, securityContext: anything, hostNetwork: anything }, { requiredKeys: [] });
  const object = fc.record({
    kind: fc.constantFrom(...kinds),
    metadata: fc.oneof(fc.record({ name: anything, namespace: fc.constantFrom(NS, 'other'), labels: anything, annotations: anything }, { requiredKeys: [] }), anything),
    spec: fc.oneof(fc.record({ template: fc.record({ metadata: anything, spec: podSpec }, { requiredKeys: [] }), selector: anything, ports: anything, rules: anything, podSelector: anything, scaleTargetRef: anything, serviceName: anything, replicas: anything }, { requiredKeys: [] }), podSpec, anything),
    data: anything,
  }, { requiredKeys: ['kind'] });
  fc.assert(fc.property(fc.array(object, { maxLength: 4 }), (objects) => {
    expect(() => checkPolicy([{ file: 'fuzz.yaml', objects: [...base(), ...objects] }])).not.toThrow();
  }), { numRuns: Number(process.env.REFARCH_FUZZ_RUNS ?? 200) });
});
