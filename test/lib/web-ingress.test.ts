import { WebIngress } from '../../lib/web-ingress';
import { find, synthIn } from '../support';

describe('WebIngress', () => {
  test('defaults: class nginx, refarch.localtest.me, / Prefix to service web port http, no TLS', () => {
    const ing = find(synthIn((c) => new WebIngress(c, 'ing')), 'Ingress', 'web');
    expect(ing.spec).toEqual({
      ingressClassName: 'nginx',
      rules: [{ host: 'refarch.localtest.me', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http' } } } }] } }],
    });
  });

  test('class, host, path, backend and TLS are applied', () => {
    const ing = find(synthIn((c) => new WebIngress(c, 'ing', {
      name: 'shop', namespace: 'shop', className: 'traefik', host: 'shop.example.com', path: '/api', pathType: 'Exact',
      serviceName: 'shop-web', servicePortName: 'web', tlsSecretName: 'shop-tls',
    })), 'Ingress', 'shop');
    expect(ing.metadata.namespace).toBe('shop');
    expect(ing.spec.ingressClassName).toBe('traefik');
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
  ])('rejects %j', (props, message) => {
    expect(() => synthIn((c) => new WebIngress(c, 'ing', props as any))).toThrow(message);
  });

  test('accepts a wildcard host', () => {
    expect(find(synthIn((c) => new WebIngress(c, 'ing', { host: '*.example.com' })), 'Ingress').spec.rules[0].host).toBe('*.example.com');
  });
});
