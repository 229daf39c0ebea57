import { WebBackend, WebIngress } from '../../lib/web-ingress';
import { WebTier } from '../../lib/web-tier';
import { find, synthIn } from '../support';

describe('WebIngress', () => {
  test('defaults: class traefik, refarch.localtest.me, / Prefix to service web port http, no TLS', () => {
    const ing = find(synthIn((c) => new WebIngress(c, 'ing')), 'Ingress', 'web');
    expect(ing.spec).toEqual({
      ingressClassName: 'traefik',
      rules: [{ host: 'refarch.localtest.me', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http' } } } }] } }],
    });
  });

  test('the backend is the WebTier\'s Service and port', () => {
    const m = synthIn((c) => new WebIngress(c, 'ing', { backend: new WebTier(c, 'web', { name: 'shop' }) }));
    expect(find(m, 'Ingress').spec.rules[0].http.paths[0].backend).toEqual({ service: { name: 'shop', port: { name: 'http' } } });
    expect(find(m, 'Service', 'shop').spec.ports[0].name).toBe('http');
  });

  test('class, host, path, a Service made elsewhere and TLS are applied', () => {
    const ing = find(synthIn((c) => new WebIngress(c, 'ing', {
      name: 'shop', namespace: 'shop', className: 'cloud-provider-kind', host: 'shop.example.com', path: '/api', pathType: 'Exact',
      backend: WebBackend.fromServiceName('shop-web', 'web'), tlsSecretName: 'shop-tls',
    })), 'Ingress', 'shop');
    expect(ing.metadata.namespace).toBe('shop');
    expect(ing.spec.ingressClassName).toBe('cloud-provider-kind');
    expect(ing.spec.tls).toEqual([{ hosts: ['shop.example.com'], secretName: 'shop-tls' }]);
    expect(ing.spec.rules[0]).toEqual({ host: 'shop.example.com', http: { paths: [{ path: '/api', pathType: 'Exact', backend: { service: { name: 'shop-web', port: { name: 'web' } } } }] } });
  });

  test.each([
    [{ host: 'https://shop.example.com' }, /host: "https:\/\/shop\.example\.com"\. Must be a fully qualified lowercase hostname/],
    [{ host: 'localhost' }, /host: "localhost"\. Must be a fully qualified lowercase hostname/],
    [{ host: '10.0.0.1' }, /host: "10\.0\.0\.1"\. Must be a hostname, not an IP address/],
    [{ host: '*.10.0.0.1' }, /host: "\*\.10\.0\.0\.1"\. Must be a hostname, not an IP address/],
    [{ host: '::1' }, /host: "::1"\. Must be a hostname, not an IP address/],
    [{ host: '[2001:db8::1]' }, /host: "\[2001:db8::1\]"\. Must be a hostname, not an IP address/],
    [{ host: '*.2001:db8::1' }, /host: "\*\.2001:db8::1"\. Must be a hostname, not an IP address/],
    [{ host: 'Shop.Example.com' }, /host: "Shop\.Example\.com"\. Must be a fully qualified lowercase hostname/],
    [{ path: 'api' }, /path: "api"\. Must be an absolute HTTP path/],
    [{ pathType: 'Regex' }, /pathType: "Regex"\. Must be one of: "Prefix", "Exact", "ImplementationSpecific"/],
    [{ tlsSecretName: 'TLS!' }, /tlsSecretName: "TLS!"\. Must be a DNS-1123 subdomain/],
    [{ backend: WebBackend.fromServiceName('Shop', 'http') }, /backend\.serviceName: "Shop"\. Must be a DNS-1123 label/],
    [{ backend: WebBackend.fromServiceName('shop', 'a-very-long-port-name') }, /backend\.servicePortName: "a-very-long-port-name"\. Must be a DNS-1123 label: 1-15/],
    [{ namespace: 'shop', backend: { namespace: 'other', serviceName: 'shop', servicePortName: 'http' } }, /backend: "other"\. Must be in the Ingress's namespace \("shop"\)/],
    [{ backend: 'shop' }, /backend: "shop"\. Must be a WebTier or WebBackend\.fromServiceName/],
  ])('rejects %j', (props, message) => {
    expect(() => synthIn((c) => new WebIngress(c, 'ing', props as any))).toThrow(message);
  });

  test('accepts a wildcard host', () => {
    expect(find(synthIn((c) => new WebIngress(c, 'ing', { host: '*.example.com' })), 'Ingress').spec.rules[0].host).toBe('*.example.com');
  });
});

test('without a namespace, the Ingress goes where its WebTier is', () => {
  const m = synthIn((c) => new WebIngress(c, 'ing', { backend: new WebTier(c, 'web', { namespace: 'shop' }) }));
  expect(find(m, 'Ingress').metadata.namespace).toBe('shop');
});
