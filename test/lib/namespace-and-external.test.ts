import { ExternalDatabase } from '../../lib/external-database';
import { RestrictedNamespace } from '../../lib/namespace';
import { find, synthIn } from '../support';

describe('RestrictedNamespace', () => {
  test('defaults: refarch, enforce/audit/warn restricted pinned to v1.27', () => {
    const ns = find(synthIn((c) => new RestrictedNamespace(c, 'ns')), 'Namespace', 'refarch');
    expect(ns.metadata.labels).toEqual({
      'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.27',
      'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/audit-version': 'v1.27',
      'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/warn-version': 'v1.27',
    });
  });

  test('name, level, version and extra labels are applied; PSS labels cannot be overridden by labels', () => {
    const ns = find(synthIn((c) => new RestrictedNamespace(c, 'ns', {
      name: 'shop', enforce: 'baseline', enforceVersion: 'latest', labels: { team: 'a', 'pod-security.kubernetes.io/enforce': 'privileged' },
    })), 'Namespace', 'shop');
    expect(ns.metadata.labels).toMatchObject({ 'team': 'a', 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/enforce-version': 'latest', 'pod-security.kubernetes.io/warn': 'restricted' });
  });

  test.each([
    [{ name: 'Shop' }, /name: "Shop"\. Must be a DNS-1123 label/],
    [{ enforce: 'strict' }, /enforce: "strict"\. Must be one of: "restricted", "baseline", "privileged"/],
    [{ enforceVersion: '1.27' }, /enforceVersion: "1\.27"\. Must be one of: "latest", "v1\.<minor>"/],
    [{ name: 'default' }, /name: "default"\. Must not be a namespace the cluster owns/],
    [{ name: 'kube-system' }, /name: "kube-system"\. Must not be a namespace the cluster owns/],
    [{ name: 'kube-public' }, /name: "kube-public"\. Must not be a namespace the cluster owns/],
    [{ name: 'kube-node-lease' }, /name: "kube-node-lease"\. Must not be a namespace the cluster owns/],
    [{ name: 'kube-anything' }, /name: "kube-anything"\. Must not be a namespace the cluster owns/],
    [{ name: '' }, /name: ""\. Must be a DNS-1123 label/],
  ])('rejects %j', (props, message) => {
    expect(() => synthIn((c) => new RestrictedNamespace(c, 'ns', props as any))).toThrow(message);
  });
});

describe('ExternalDatabase', () => {
  test('an ExternalName Service aliasing the external host', () => {
    const svc = find(synthIn((c) => new ExternalDatabase(c, 'db', { host: 'db.example.com' })), 'Service', 'postgres');
    expect(svc.spec).toEqual({ type: 'ExternalName', externalName: 'db.example.com', ports: [{ name: 'postgresql', port: 5432, protocol: 'TCP' }] });
  });

  test('name, namespace and port are applied', () => {
    const svc = find(synthIn((c) => new ExternalDatabase(c, 'db', { host: 'x.example.com', name: 'orders-db', namespace: 'shop', port: 6432 })), 'Service', 'orders-db');
    expect(svc.metadata.namespace).toBe('shop');
    expect(svc.spec.ports[0].port).toBe(6432);
  });

  test.each([
    [{ host: '10.0.0.5' }, /host: "10\.0\.0\.5"\. Must be a DNS name: an ExternalName Service cannot point at an IP address/],
    [{ host: 'not a host' }, /host: "not a host"\. Must be a DNS name for an ExternalName Service/],
    [{ host: 'db.example.com', port: 99999 }, /port: 99999\. Must be an integer from 1 to 65535/],
  ])('rejects %j', (props, message) => {
    expect(() => synthIn((c) => new ExternalDatabase(c, 'db', props as any))).toThrow(message);
  });
});
