/**
 * Snapshot of every environment, plus the properties each environment promises.
 */
import { find, synthEnvironment, committedEnvironments, all } from './support';
import { environments, DEV_ONLY_DEFAULT_PASSWORD } from '../config/environments';

describe.each(Object.keys(committedEnvironments()))('environment %s', (name) => {
  test('matches the snapshot', () => {
    expect(synthEnvironment(name)).toMatchSnapshot();
  });
});

describe('dev', () => {
  const manifests = synthEnvironment('dev');

  test('runs 2 web replicas and 1 database replica, without an autoscaler', () => {
    expect(find(manifests, 'Deployment', 'guestbook').spec.replicas).toBe(2);
    expect(find(manifests, 'StatefulSet', 'postgres').spec.replicas).toBe(1);
    expect(all(manifests, 'HorizontalPodAutoscaler')).toHaveLength(0);
  });

  test('serves refarch.localtest.me over plain HTTP through ingress class nginx', () => {
    const ingress = find(manifests, 'Ingress', 'guestbook');
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.rules[0].host).toBe('refarch.localtest.me');
    expect(ingress.spec.tls).toBeUndefined();
  });

  test('renders the dev-only default password unless DB_PASSWORD is set', () => {
    const secret = find(manifests, 'Secret', 'guestbook-db-credentials');
    expect(Buffer.from(secret.data.password, 'base64').toString()).toBe(DEV_ONLY_DEFAULT_PASSWORD);
    expect(environments({ DB_PASSWORD: 's3cret-from-env' }).dev.credentials?.password).toBe('s3cret-from-env');
  });

  test('the password does not change between synths (no random generation)', () => {
    const again = find(synthEnvironment('dev'), 'Secret', 'guestbook-db-credentials');
    expect(again.data).toEqual(find(manifests, 'Secret', 'guestbook-db-credentials').data);
  });
});

describe('prod', () => {
  const manifests = synthEnvironment('prod');

  test('scales 3-10 web replicas with an autoscaling/v2 HPA and leaves replicas to it', () => {
    const hpa = find(manifests, 'HorizontalPodAutoscaler', 'guestbook');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(3);
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'guestbook' });
    expect(find(manifests, 'Deployment', 'guestbook').spec.replicas).toBeUndefined();
  });

  test('terminates TLS with a named Secret', () => {
    const ingress = find(manifests, 'Ingress', 'guestbook');
    expect(ingress.spec.tls).toEqual([{ hosts: ['guestbook.example.com'], secretName: 'guestbook-tls' }]);
  });

  test('renders no Secret at all, only references the out-of-band ones (credentials and the database TLS Secret)', () => {
    expect(all(manifests, 'Secret')).toHaveLength(0);
    for (const kind of ['Deployment', 'StatefulSet']) {
      const w = find(manifests, kind);
      expect(w.spec.template.spec.volumes).toContainEqual(expect.objectContaining({ secret: expect.objectContaining({ secretName: 'guestbook-db-credentials' }) }));
      expect(w.metadata.annotations?.['refarch.example.com/external-secrets']).toBe('guestbook-db-credentials,postgres-tls');
    }
  });

  test('is marked production: images from a named registry, pinned by digest; a password is refused', () => {
    expect(committedEnvironments().prod.production).toBe(true);
    for (const kind of ['Deployment', 'StatefulSet']) {
      expect(find(manifests, kind).spec.template.spec.containers[0].image).toMatch(/^[^/]*[.:][^/]*\/.+@sha256:[0-9a-f]{64}$/);
    }
    expect(() => synthEnvironment('prod', (p) => ({ ...p, credentials: { ...p.credentials, password: 'x' } }))).toThrow(/prod: credentials\.password/);
  });

  test('asks for more storage than dev', () => {
    const claim = (m: typeof manifests) => find(m, 'StatefulSet', 'postgres').spec.volumeClaimTemplates[0].spec.resources.requests.storage;
    expect(claim(manifests)).toBe('20Gi');
    expect(claim(synthEnvironment('dev'))).toBe('1Gi');
  });
});
