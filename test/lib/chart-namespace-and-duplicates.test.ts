/**
 * Constructs behave in other people's charts: they take the Chart's namespace when not
 * given one, and two objects with the same identity anywhere in the app fail synth.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { AppConfig } from '../../lib/app-config';
import { ExternalDatabase } from '../../lib/external-database';
import { NetworkPolicies } from '../../lib/network-policies';
import { PostgresDatabase } from '../../lib/postgres-database';
import { RestrictedNamespace } from '../../lib/namespace';
import { WebIngress } from '../../lib/web-ingress';
import { WebTier } from '../../lib/web-tier';
import { Manifest } from '../support';

const synthAll = (app: App) => app.charts.flatMap((c) => Testing.synth(c) as Manifest[]);
// newApp() leaves a folder in $TMPDIR per call; Testing.synth never writes to outdir.
const newApp = () => new App({ outdir: path.join(os.tmpdir(), 'refarch-test-never-written') });
/** app.synth() writes its outdir (even when validation then fails): a temporary one, removed again. */
function appSynth(app: (outdir: string) => App): void {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-dup-'));
  try {
    app(outdir).synth();
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

describe('namespace', () => {
  test('without a namespace prop, every construct uses its Chart\'s namespace', () => {
    const app = newApp();
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    const config = new AppConfig(chart, 'config', { settings: { DB_USER: 'app', DB_NAME: 'app' }, secretStringData: { password: 'x' } });
    const web = new WebTier(chart, 'web', { config, secretEnv: { DB_PASSWORD: 'password' } });
    new WebIngress(chart, 'ingress', { backend: web });
    const db = new PostgresDatabase(chart, 'db', { config });
    new ExternalDatabase(chart, 'ext', { host: 'db.example.com', name: 'ext-db' });
    new NetworkPolicies(chart, 'netpol').allow(web, db, db.ports.postgresql);
    const manifests = Testing.synth(chart) as Manifest[];
    expect(manifests.length).toBeGreaterThan(10);
    expect(manifests.map((m) => `${m.kind}/${m.metadata.name}: ${m.metadata.namespace}`).filter((s) => !s.endsWith(': shop'))).toEqual([]);
  });

  test('RestrictedNamespace is named after the Chart\'s namespace unless given a name; default "refarch"', () => {
    const app = newApp();
    new RestrictedNamespace(new Chart(app, 'shop', { namespace: 'shop' }), 'ns');
    new RestrictedNamespace(new Chart(app, 'plain'), 'ns');
    new RestrictedNamespace(new Chart(app, 'named', { namespace: 'shop2' }), 'ns', { name: 'mine' });
    expect(synthAll(app).map((m) => m.metadata.name)).toEqual(['shop', 'refarch', 'mine']);
    expect(() => new RestrictedNamespace(new Chart(newApp(), 'sys', { namespace: 'kube-system' }), 'ns')).toThrow(/sys\/ns: name: "kube-system"\. Must not be a namespace the cluster owns/);
  });

  test('the namespace prop wins over the Chart\'s; with neither it is "default"', () => {
    const app = newApp();
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    new WebTier(chart, 'web', { namespace: 'other' });
    const plain = new Chart(app, 'plain');
    new WebTier(plain, 'web');
    expect(new Set((Testing.synth(chart) as Manifest[]).map((m) => m.metadata.namespace))).toEqual(new Set(['other']));
    expect(new Set((Testing.synth(plain) as Manifest[]).map((m) => m.metadata.namespace))).toEqual(new Set(['default']));
  });

  test('an invalid Chart namespace is reported on the construct\'s namespace field', () => {
    const chart = new Chart(newApp(), 'shop', { namespace: 'Shop' });
    expect(() => new WebTier(chart, 'web')).toThrow(/Invalid shop\/web: namespace: "Shop"\. Must be a DNS-1123 label/);
  });
});

describe('duplicate objects', () => {
  test('two WebTiers of the same name in one chart fail synth, naming both construct paths', () => {
    const app = newApp();
    const chart = new Chart(app, 'shop');
    new WebTier(chart, 'a', { name: 'web' });
    new WebTier(chart, 'b', { name: 'web' });
    expect(() => Testing.synth(chart)).toThrow(/Duplicate object: Deployment default\/web \(apps API group\) is defined by both "shop\/a\/Deployment" and "shop\/b\/Deployment"/);
    // Every object of the pair is reported, not only the first.
    expect(() => Testing.synth(chart)).toThrow(/Duplicate object: Service default\/web .*"shop\/a\/Service" and "shop\/b\/Service"/);
  });

  test('two charts with the same namespace collide too, also through app.synth()', () => {
    expect(() => appSynth((outdir) => {
      const app = new App({ outdir });
      new WebTier(new Chart(app, 'one', { namespace: 'shop' }), 'web');
      new WebTier(new Chart(app, 'two', { namespace: 'shop' }), 'web');
      return app;
    })).toThrow(/Duplicate object: Deployment shop\/web .*"one\/web\/Deployment" and "two\/web\/Deployment"/);
  });

  test('the same names in different namespaces are fine', () => {
    const app = newApp();
    new WebTier(new Chart(app, 'one', { namespace: 'shop' }), 'web');
    new WebTier(new Chart(app, 'two', { namespace: 'shop-staging' }), 'web');
    expect(synthAll(app).filter((m) => m.kind === 'Deployment')).toHaveLength(2);
  });

  test('an ApiObject made by the user counts', () => {
    const app = newApp();
    const chart = new Chart(app, 'shop', { namespace: 'shop' });
    new WebTier(chart, 'web', { name: 'web' });
    new ApiObject(chart, 'mine', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' } });
    expect(() => Testing.synth(chart)).toThrow(/Duplicate object: Service shop\/web \(core API group\) is defined by both "shop\/web\/Service" and "shop\/mine"/);
  });

  test('another version of the same API group is the same object', () => {
    const app = newApp();
    const chart = new Chart(app, 'shop');
    new WebTier(chart, 'web', { name: 'web' });
    new ApiObject(chart, 'old', { apiVersion: 'apps/v1beta2', kind: 'Deployment', metadata: { name: 'web' } });
    expect(() => Testing.synth(chart)).toThrow(/Duplicate object: Deployment default\/web \(apps API group\)/);
  });

  test('cluster-scoped objects collide whatever namespace their charts have', () => {
    expect(() => appSynth((outdir) => {
      const app = new App({ outdir });
      new RestrictedNamespace(new Chart(app, 'one'), 'ns', { name: 'shop' });
      new RestrictedNamespace(new Chart(app, 'two', { namespace: 'elsewhere' }), 'ns', { name: 'shop' });
      return app;
    })).toThrow(/Duplicate object: Namespace shop \(core API group\) is defined by both "one\/ns\/Resource" and "two\/ns\/Resource"/);
  });

  test('the check is registered once per app, however many constructs ask', () => {
    const app = newApp();
    const chart = new Chart(app, 'shop');
    new WebTier(chart, 'a', { name: 'web' });
    new WebTier(chart, 'b', { name: 'web' });
    new WebTier(chart, 'c', { name: 'other' });
    let message = '';
    try { Testing.synth(chart); } catch (e) { message = (e as Error).message; }
    expect(message.match(/Duplicate object: Deployment default\/web /g)).toHaveLength(1);
  });
});
