/**
 * The committed dist/ is the snapshot of every environment (no second copy of its bytes
 * under __snapshots__/): a synth in memory must equal it. Then the properties each
 * environment promises.
 */
import * as fs from 'fs';
import * as path from 'path';
import { find, synthEnvironment, committedEnvironments, all } from './support';
import { environments, DEV_ONLY_DEFAULT_PASSWORD } from '../config/environments';
import { render } from '../scripts/synth';
import { MANIFEST_FILE } from '../scripts/synth/output';

const dist = path.resolve(__dirname, '..', 'dist');

describe('the committed dist/ is what a synth writes now (if this fails: `npm run generate`, review with `npm run diff`, commit)', () => {
  const { files } = render({ env: {} });

  test.each([...files.keys()])('dist/%s', (file) => {
    const committed = path.join(dist, file);
    // Compared as text: jest prints the differing lines.
    expect(fs.existsSync(committed) ? fs.readFileSync(committed, 'utf8') : `(no dist/${file})`).toBe(files.get(file));
  });

  test(`no other file in dist/, and ${MANIFEST_FILE} lists exactly the synthesized files`, () => {
    expect(fs.readdirSync(dist).sort()).toEqual([MANIFEST_FILE, ...files.keys()].sort());
    expect(JSON.parse(fs.readFileSync(path.join(dist, MANIFEST_FILE), 'utf8')).files).toEqual([...files.keys()].sort());
  });

  test('every committed environment is in dist/', () => {
    expect([...files.keys()].sort()).toEqual(Object.keys(committedEnvironments()).map((e) => `${e}.k8s.yaml`).sort());
  });
});

describe('dev', () => {
  const manifests = synthEnvironment('dev');

  test('runs 2 web replicas and 1 database replica, without an autoscaler', () => {
    expect(find(manifests, 'Deployment', 'guestbook').spec.replicas).toBe(2);
    expect(find(manifests, 'StatefulSet', 'postgres').spec.replicas).toBe(1);
    expect(all(manifests, 'HorizontalPodAutoscaler')).toHaveLength(0);
  });

  test('serves refarch.localtest.me over plain HTTP through an Ingress of class traefik, admitting Traefik\'s pods only', () => {
    const ingress = find(manifests, 'Ingress', 'guestbook');
    expect(ingress.spec.ingressClassName).toBe('traefik');
    expect(ingress.spec.rules[0].host).toBe('refarch.localtest.me');
    expect(ingress.spec.tls).toBeUndefined();
    expect(all(manifests, 'Gateway')).toHaveLength(0);
    expect(all(manifests, 'HTTPRoute')).toHaveLength(0);
    expect(find(manifests, 'NetworkPolicy', 'allow-web-ingress').spec.ingress[0].from).toEqual([{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'traefik' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'traefik' } },
    }]);
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

  test('is served through the Gateway API: TLS terminated at the Gateway\'s HTTPS listener with a named Secret, plain HTTP redirected; no Ingress', () => {
    expect(all(manifests, 'Ingress')).toHaveLength(0);
    const gateway = find(manifests, 'Gateway', 'guestbook');
    expect(gateway.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(gateway.spec.listeners.find((l: any) => l.name === 'https')).toMatchObject({
      protocol: 'HTTPS', hostname: 'guestbook.example.com', tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: 'guestbook-tls' }] },
      allowedRoutes: { namespaces: { from: 'Same' } },
    });
    const route = find(manifests, 'HTTPRoute', 'guestbook');
    expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'guestbook', sectionName: 'https' }]);
    expect(route.spec.hostnames).toEqual(['guestbook.example.com']);
    expect(route.spec.rules[0].backendRefs).toEqual([{ kind: 'Service', name: 'guestbook', port: 80 }]);
    const redirect = find(manifests, 'HTTPRoute', 'guestbook-https-redirect');
    expect(redirect.spec.parentRefs[0].sectionName).toBe('http');
    expect(redirect.spec.rules[0].filters).toEqual([{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }]);
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
