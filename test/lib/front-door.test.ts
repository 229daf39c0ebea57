/**
 * The Gateway API front door (WebGateway, WebHttpRoute), the controller presets, and how the
 * reference architecture chooses its front door and who the web pods admit.
 */
import { Testing } from 'cdk8s';
import { FrontDoorController } from '../../lib/front-door-controller';
import { ReferenceArchitecture } from '../../lib/reference-architecture';
import { GatewayParent, WebGateway } from '../../lib/web-gateway';
import { HttpBackend, WebHttpRoute, durationMs } from '../../lib/web-http-route';
import { WebTier } from '../../lib/web-tier';
import { validateYaml } from '../../schema-check/validator';
import { Manifest, all, find, synthIn, testApp } from '../support';

const synth = (props: any = {}) => Testing.synth(new ReferenceArchitecture(testApp(), 'env', props)) as Manifest[];
const webFrom = (m: Manifest[]) => find(m, 'NetworkPolicy', 'allow-web-ingress').spec.ingress[0].from;
const ns = (name: string, podLabels?: Record<string, string>) => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } }, ...(podLabels ? { podSelector: { matchLabels: podLabels } } : {}),
});

describe('WebGateway and WebHttpRoute', () => {
  test('defaults: a Traefik Gateway with an HTTP listener on its entry point 8000 for refarch.localtest.me, a route to Service web port 80', () => {
    const m = synthIn((c) => new WebHttpRoute(c, 'route', { parent: new WebGateway(c, 'gw') }));
    expect(find(m, 'Gateway', 'web').spec).toEqual({
      gatewayClassName: 'traefik',
      listeners: [{ name: 'http', protocol: 'HTTP', port: 8000, hostname: 'refarch.localtest.me', allowedRoutes: { namespaces: { from: 'Same' } } }],
    });
    expect(find(m, 'HTTPRoute', 'web').spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'web', sectionName: 'http' }],
      hostnames: ['refarch.localtest.me'],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ kind: 'Service', name: 'web', port: 80 }] }],
    });
    expect(all(m, 'HTTPRoute')).toHaveLength(1);
  });

  test('with a certificate: an HTTPS listener terminating TLS, the route on it, and plain HTTP redirected to HTTPS', () => {
    const m = synthIn((c) => {
      const web = new WebTier(c, 'web', { name: 'shop', servicePort: 8081 });
      const gateway = new WebGateway(c, 'gw', { name: 'shop', host: 'shop.example.com', tlsSecretName: 'shop-tls', controller: FrontDoorController.envoyGateway() });
      new WebHttpRoute(c, 'route', { name: 'shop', parent: gateway, backend: web, path: '/api', pathMatch: 'Exact', requestTimeout: '30s', backendRequestTimeout: '10s' });
    });
    const gateway = find(m, 'Gateway', 'shop');
    expect(gateway.spec.gatewayClassName).toBe('eg');
    expect(gateway.spec.listeners.map((l: any) => `${l.name}:${l.protocol}:${l.port}`)).toEqual(['http:HTTP:80', 'https:HTTPS:443']);
    expect(gateway.spec.listeners[1].tls).toEqual({ mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: 'shop-tls' }] });
    const route = find(m, 'HTTPRoute', 'shop');
    expect(route.spec.parentRefs[0].sectionName).toBe('https');
    expect(route.spec.rules[0]).toEqual({
      matches: [{ path: { type: 'Exact', value: '/api' } }], backendRefs: [{ kind: 'Service', name: 'shop', port: 8081 }], timeouts: { request: '30s', backendRequest: '10s' },
    });
    const redirect = find(m, 'HTTPRoute', 'shop-https-redirect');
    expect(redirect.spec.parentRefs[0].sectionName).toBe('http');
    expect(redirect.spec.rules).toEqual([{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }]);
    // What the constructs render, the strict schema check (the vendored CRDs) accepts.
    expect(validateYaml('route.yaml', m.map((o) => JSON.stringify(o)).join('\n---\n'))).toEqual([]);
  });

  test('a shared Gateway of another namespace: parentRef with namespace and section, no Gateway and no redirect rendered', () => {
    const m = synthIn((c) => new WebHttpRoute(c, 'route', {
      namespace: 'shop', host: 'shop.example.com', backend: HttpBackend.fromService('shop', 8080),
      parent: GatewayParent.existing({ namespace: 'gateways', name: 'shared', sectionName: 'https' }),
    }));
    expect(all(m, 'Gateway')).toHaveLength(0);
    expect(all(m, 'HTTPRoute')).toHaveLength(1);
    expect(find(m, 'HTTPRoute').spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'shared', namespace: 'gateways', sectionName: 'https' }]);
  });

  test.each<[string, (c: any) => void, RegExp]>([
    ['a host outside the listener\'s', (c) => new WebHttpRoute(c, 'r', { parent: new WebGateway(c, 'g', { host: 'a.example.com' }), host: 'b.example.com' }),
      /test\/r: host: "b\.example\.com"\. Must match the Gateway's listener hostname "a\.example\.com"/],
    ['an IP address as host', (c) => new WebGateway(c, 'g', { host: '10.0.0.1' }), /test\/g: host: "10\.0\.0\.1"\. Must be a hostname, not an IP address/],
    ['a route in another namespace than its WebGateway', (c) => new WebHttpRoute(c, 'r', { namespace: 'b', parent: new WebGateway(c, 'g', { namespace: 'a' }) }),
      /test\/r: parent: "a"\. Must be in the route's namespace \("b"\)/],
    ['a backend of another namespace', (c) => new WebHttpRoute(c, 'r', { parent: GatewayParent.existing({ namespace: 'g', name: 'g' }), namespace: 'a', backend: { namespace: 'b', serviceName: 's', servicePort: 80 } }),
      /test\/r: backend: "b"\. Must be in the route's namespace \("a"\): .*ReferenceGrant/],
    ['no parent', (c) => new WebHttpRoute(c, 'r', {} as any), /test\/r: parent: \(not set\)\. Required: a WebGateway, or GatewayParent\.existing/],
    ['a bad duration', (c) => new WebHttpRoute(c, 'r', { parent: GatewayParent.existing({ namespace: 'g', name: 'g' }), requestTimeout: '30 seconds' }),
      /test\/r: requestTimeout: "30 seconds"\. Must be a Gateway API duration/],
    ['a backend timeout longer than the request timeout', (c) => new WebHttpRoute(c, 'r', { parent: GatewayParent.existing({ namespace: 'g', name: 'g' }), requestTimeout: '10s', backendRequestTimeout: '1m' }),
      /test\/r: backendRequestTimeout: "1m"\. Must be at most requestTimeout \("10s"\)/],
    ['a timeout Traefik would ignore', (c) => new WebHttpRoute(c, 'r', { parent: new WebGateway(c, 'g'), requestTimeout: '30s' }),
      /test\/r: requestTimeout: "30s"\. Needs a controller that implements HTTPRouteRequestTimeout: Traefik does not/],
    ['a redirect without a redirect listener', (c) => new WebHttpRoute(c, 'r', { parent: new WebGateway(c, 'g'), httpsRedirect: true }),
      /test\/r: httpsRedirect: true\. Needs a parent with a plain-HTTP listener next to an HTTPS one/],
    ['an HTTPS port without a certificate', (c) => new WebGateway(c, 'g', { httpsPort: 8443 }), /test\/g: httpsPort: 8443\. Only applies with tlsSecretName/],
    ['one port for HTTP and HTTPS', (c) => new WebGateway(c, 'g', { tlsSecretName: 't', httpPort: 443, httpsPort: 443 }), /test\/g: httpsPort: 443\. Must differ from httpPort/],
    ['a controller without a GatewayClass', (c) => new WebGateway(c, 'g', { controller: FrontDoorController.ingressNginx() }),
      /test\/g: className: \(not set\)\. Required: ingress-nginx registers no GatewayClass/],
    ['a bad section name', () => GatewayParent.existing({ namespace: 'g', name: 'g', sectionName: 'HTTPS' }), /GatewayParent\.existing: sectionName: "HTTPS"\. Must be a DNS-1123 subdomain/],
  ])('refuses %s', (_what, build, message) => {
    expect(() => synthIn(build)).toThrow(message);
  });

  test('Gateway API durations', () => {
    expect(durationMs('1h2m3s4ms')).toBe(3_723_004);
    expect(durationMs('0s')).toBe(0);
  });
});

describe('FrontDoorController', () => {
  test.each<[string, FrontDoorController, { ingressClassName?: string; gatewayClassName?: string; ports: number[]; peer: any }]>([
    ['traefik', FrontDoorController.traefik(), { ingressClassName: 'traefik', gatewayClassName: 'traefik', ports: [8000, 8443], peer: ns('traefik', { 'app.kubernetes.io/name': 'traefik' }) }],
    ['envoy-gateway', FrontDoorController.envoyGateway(), {
      gatewayClassName: 'eg', ports: [80, 443],
      peer: ns('envoy-gateway-system', { 'app.kubernetes.io/name': 'envoy', 'app.kubernetes.io/component': 'proxy', 'app.kubernetes.io/managed-by': 'envoy-gateway' }),
    }],
    ['cloud-provider-kind', FrontDoorController.cloudProviderKind(['172.18.0.0/16']), {
      ingressClassName: 'cloud-provider-kind', gatewayClassName: 'cloud-provider-kind', ports: [80, 443], peer: { ipBlock: { cidr: '172.18.0.0/16' } },
    }],
    ['ingress-nginx (retired)', FrontDoorController.ingressNginx(), {
      ingressClassName: 'nginx', ports: [80, 443], peer: ns('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' }),
    }],
  ])('%s', (_name, c, want) => {
    expect({ ingressClassName: c.ingressClassName, gatewayClassName: c.gatewayClassName, ports: [c.httpListenerPort, c.httpsListenerPort], peer: c.peer().peers![0] })
      .toEqual({ ingressClassName: want.ingressClassName, gatewayClassName: want.gatewayClassName, ports: want.ports, peer: want.peer });
  });

  test('only ingress-nginx is marked retired; only Traefik lacks the timeout features', () => {
    expect(FrontDoorController.ingressNginx().retired).toMatch(/retired in March 2026/);
    expect([FrontDoorController.traefik(), FrontDoorController.envoyGateway()].map((c) => [c.retired, c.supports('HTTPRouteRequestTimeout')])).toEqual([[undefined, false], [undefined, true]]);
  });

  test.each<[string, () => unknown, RegExp]>([
    ['both namespace and cidrs', () => FrontDoorController.of({ name: 'x', source: { namespace: 'a', cidrs: ['10.0.0.0/8'] } }), /source: .*Needs exactly one of namespace .* and cidrs/],
    ['pod labels with cidrs', () => FrontDoorController.of({ name: 'x', source: { cidrs: ['10.0.0.0/8'], podLabels: { a: 'b' } } }), /source\.podLabels: .*Only applies with namespace/],
    ['an empty cidrs list', () => FrontDoorController.cloudProviderKind([]), /source\.cidrs: \[\]\. Must be a non-empty list of CIDRs/],
    ['a bad CIDR', () => FrontDoorController.cloudProviderKind(['172.18.0.0/33']), /source\.cidrs\[0\]: "172\.18\.0\.0\/33"\. Must be a CIDR/],
    ['an unknown preset', () => FrontDoorController.preset('f', 'nginx' as any), /f: "nginx"\. Must be one of: "traefik", "envoy-gateway", "cloud-provider-kind", "ingress-nginx"/],
  ])('refuses %s', (_what, build, message) => {
    expect(build).toThrow(message);
  });
});

describe('the reference architecture\'s front door', () => {
  test('default: an Ingress of class traefik, admitting Traefik\'s pods', () => {
    const m = synth();
    expect(find(m, 'Ingress').spec.ingressClassName).toBe('traefik');
    expect(all(m, 'Gateway').concat(all(m, 'HTTPRoute'))).toHaveLength(0);
    expect(webFrom(m)).toEqual([ns('traefik', { 'app.kubernetes.io/name': 'traefik' })]);
  });

  test('during a migration (Ingress by the retired ingress-nginx, HTTPRoute by Traefik) the web pods admit both proxies', () => {
    const m = synth({ ingress: { controller: 'ingress-nginx' }, gateway: { enabled: true } });
    expect(find(m, 'Ingress').spec.ingressClassName).toBe('nginx');
    expect(find(m, 'Gateway').spec.gatewayClassName).toBe('traefik');
    expect(find(m, 'HTTPRoute').spec.rules[0].backendRefs).toEqual([{ kind: 'Service', name: 'guestbook', port: 80 }]);
    expect(webFrom(m)).toEqual([
      ns('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' }),
      ns('traefik', { 'app.kubernetes.io/name': 'traefik' }),
    ]);
  });

  test('one controller for both front doors is admitted once', () => {
    expect(webFrom(synth({ gateway: { enabled: true } }))).toEqual([ns('traefik', { 'app.kubernetes.io/name': 'traefik' })]);
  });

  test('kind\'s cloud-provider-kind: its class names, and the kind network\'s range from networkPolicies.webFrom', () => {
    const m = synth({
      ingress: { controller: 'cloud-provider-kind' }, gateway: { enabled: true, controller: 'cloud-provider-kind' },
      networkPolicies: { webFrom: [{ cidrs: ['172.18.0.0/16', 'fc00:f853:ccd:e793::/64'] }] },
    });
    expect([find(m, 'Ingress').spec.ingressClassName, find(m, 'Gateway').spec.gatewayClassName]).toEqual(['cloud-provider-kind', 'cloud-provider-kind']);
    expect(find(m, 'Gateway').spec.listeners[0].port).toBe(80);
    expect(webFrom(m)).toEqual([{ ipBlock: { cidr: '172.18.0.0/16' } }, { ipBlock: { cidr: 'fc00:f853:ccd:e793::/64' } }]);
  });

  test('Envoy Gateway on a shared Gateway: the route only, admitting the Envoy proxies', () => {
    const m = synth({ ingress: { enabled: false }, gateway: { enabled: true, controller: 'envoy-gateway', requestTimeout: '15s', existingGateway: { namespace: 'gateways', name: 'edge' } } });
    expect(all(m, 'Gateway')).toHaveLength(0);
    expect(find(m, 'HTTPRoute').spec.rules[0].timeouts).toEqual({ request: '15s' });
    expect(webFrom(m)[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('envoy-gateway-system');
  });

  test('a NodePort or LoadBalancer Service may go without a front door: its traffic comes from the nodes', () => {
    const m = synth({ web: { serviceType: 'LoadBalancer' }, ingress: { enabled: false } });
    expect(find(m, 'Service', 'guestbook').spec.type).toBe('LoadBalancer');
    expect(find(m, 'NetworkPolicy', 'allow-web-ingress').spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 8080 }] }]);
  });

  test.each<[object, RegExp]>([
    [{ ingress: { enabled: false } }, /env: ingress\.enabled, gateway\.enabled: false\. Needs a front door: nothing could reach the web pods/],
    [{ networkPolicies: { webFrom: [] } }, /env: networkPolicies\.webFrom: \[\]\. Must name at least one source: .*nothing could reach the web pods/],
    [{ networkPolicies: { webFrom: [{ namespace: 'refarch' }] } }, /env: networkPolicies\.webFrom\[0\]\.namespace: "refarch"\. Must not be the environment's own namespace .*nothing could reach the web pods/],
    [{ networkPolicies: { ingressControllerNamespace: 'refarch' } }, /env: networkPolicies\.ingressControllerNamespace: "refarch"\. Must not be the environment's own namespace/],
    [{ networkPolicies: { webFrom: [{ namespace: 'x' }], ingressControllerNamespace: 'y' } }, /env: networkPolicies\.ingressControllerNamespace: "y"\. Conflicts with networkPolicies\.webFrom/],
    [{ networkPolicies: { webFrom: [{ namespace: 'x' }] }, web: { serviceType: 'NodePort' } }, /env: networkPolicies\.webFrom: .*Only applies with web\.serviceType "ClusterIP"/],
    [{ networkPolicies: { webFrom: [{ namespace: 'x', cidrs: ['10.0.0.0/8'] }] } }, /env: networkPolicies\.webFrom\[0\]: .*Needs exactly one of namespace/],
    [{ ingress: { controller: 'envoy-gateway' } }, /env: ingress\.controller: "envoy-gateway"\. Needs a controller that serves Ingress: Envoy Gateway serves none/],
    [{ ingress: { controller: 'cloud-provider-kind' } }, /env: ingress\.controller: "cloud-provider-kind"\. Needs the address range of kind's docker network/],
    [{ ingress: { controller: 'haproxy' } }, /env: ingress\.controller: "haproxy"\. Must be one of: "traefik"/],
    [{ gateway: { host: 'a.example.com' } }, /env: gateway\.host: "a\.example\.com"\. Only applies with gateway\.enabled true \(it is false\)/],
    [{ gateway: { enabled: true, tlsSecretName: 't', existingGateway: { namespace: 'g', name: 'g' } } }, /env: gateway\.tlsSecretName: "t"\. Conflicts with gateway\.existingGateway/],
    [{ gateway: { enabled: true, requestTimeout: '30s' } }, /env\/HttpRoute: requestTimeout: "30s"\. Needs a controller that implements HTTPRouteRequestTimeout: Traefik does not/],
  ])('refuses %j', (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});
