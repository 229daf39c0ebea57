/**
 * End-to-end stage for many applications (issue 19): examples/many-apps/chart.ts on a real
 * cluster. `shop` and `blog` share the namespace `apps`, `wiki` runs its web tier in
 * `team-b` and its database in `team-b-data`. Proves that the applications both serve
 * through the front door from their own databases, and that the NetworkPolicies keep
 * them apart: a pod with app A's labels cannot open app B's database port, while it opens
 * its own.
 *
 * Runs against whatever KUBECONFIG points at; `E2E_KIND_STAGES=many-apps npm run e2e:kind`
 * runs it on the kind cluster with the locally built images. Every wait is bounded; every
 * request goes to 127.0.0.1 (the front door) or, from a client pod, to the cluster's own
 * Service addresses.
 *
 * Settings (environment variables):
 *   E2E_WEB_IMAGE        web image of all three apps (the guestbook)      (required)
 *   E2E_DB_IMAGE         PostgreSQL image of the single-instance databases (required)
 *   E2E_CLIENT_IMAGE     busybox-like image with nc for the client pods     (default: busybox:1.36.1)
 *   E2E_INGRESS_ADDR     host:port of the front door                        (default: 127.0.0.1:80)
 *   E2E_READY_TIMEOUT    seconds allowed for the rollouts                   (default: 300)
 *   E2E_KEEP             1 to leave the namespaces in place afterwards
 *   E2E_REPORT           file to write the results to, as JSON
 */
import { App } from 'cdk8s';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { ManyAppsChart } from '../examples/many-apps/chart';
import { Harness, Step } from './harness';
import { getJson, kubectl, kubectlRaw, sleep } from './kube';

const settings = {
  webImage: process.env.E2E_WEB_IMAGE,
  dbImage: process.env.E2E_DB_IMAGE,
  clientImage: process.env.E2E_CLIENT_IMAGE ?? 'busybox:1.36.1',
  ingressAddr: process.env.E2E_INGRESS_ADDR ?? '127.0.0.1:80',
  readyTimeout: Number(process.env.E2E_READY_TIMEOUT ?? 300),
};
const NAMESPACES = ['apps', 'team-b', 'team-b-data'];
const PASSWORDS: Record<string, string> = { shop: 'e2e-only-shop-4d1a', blog: 'e2e-only-blog-8c2f', wiki: 'e2e-only-wiki-1e7b' };
const APPS = [
  { name: 'shop', namespace: 'apps', dbNamespace: 'apps', host: 'shop.example.com' },
  { name: 'blog', namespace: 'apps', dbNamespace: 'apps', host: 'blog.example.com' },
  { name: 'wiki', namespace: 'team-b', dbNamespace: 'team-b-data', host: 'wiki.example.com' },
];

const harness = new Harness({ label: 'e2e:many-apps', diagnose, cleanup, reportFile: process.env.E2E_REPORT });
const steps: Step[] = [];
const step = (title: string, run: Step['run'], opts: { fatal?: boolean } = {}): void => { steps.push({ title, run, ...opts }); };

function diagnose(): void {
  console.log('---- diagnostics ----');
  for (const ns of NAMESPACES) {
    console.log(kubectlRaw(['-n', ns, 'get', 'events', '--sort-by=.lastTimestamp']).stdout.split('\n').slice(-20).join('\n'));
    const pods = kubectlRaw(['-n', ns, 'get', 'pods', '-o', 'json']);
    if (pods.status !== 0) continue;
    for (const pod of JSON.parse(pods.stdout).items) {
      if ((pod.status.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True')) continue;
      console.log(kubectlRaw(['-n', ns, 'describe', 'pod', pod.metadata.name]).stdout.split('\n').slice(-30).join('\n'));
      console.log(kubectlRaw(['-n', ns, 'logs', pod.metadata.name, '--all-containers', '--tail=30']).stdout);
    }
  }
  console.log('---- end of diagnostics ----');
}

function cleanup(): void {
  harness.log('cleanup: deleting the namespaces of the three applications');
  kubectlRaw(['delete', 'namespace', ...NAMESPACES, '--ignore-not-found', '--wait=true', '--timeout=120s'], { timeoutSeconds: 150 });
}

/** A GET through the front door on 127.0.0.1 with `host` as the Host header; 5 s timeout. */
function viaFrontDoor(host: string, urlPath: string, method = 'GET', body?: string): Promise<{ status: number; body: string }> {
  const [addr, port] = settings.ingressAddr.split(':');
  if (addr === undefined || !/^127\.|^localhost$/.test(addr)) throw new Error(`E2E_INGRESS_ADDR must be on 127.0.0.0/8, got ${addr}`);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: addr, port: Number(port ?? 80), method, path: urlPath, timeout: 5000,
      headers: { Host: host, 'Content-Type': 'application/json', ...(body ? { 'Content-Length': Buffer.byteLength(body) } : {}) },
    }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out after 5s')));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/** Polls GET `urlPath` at `host` until it answers `want`: at most `timeoutSeconds` tries, one a second. */
async function frontDoorUntil(host: string, urlPath: string, want: number, timeoutSeconds: number): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = '';
  for (let i = 0; i < timeoutSeconds && Date.now() < deadline; i++) {
    try {
      const r = await viaFrontDoor(host, urlPath);
      if (r.status === want) return r;
      last = `HTTP ${r.status}: ${r.body.slice(0, 200)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(1);
  }
  throw new Error(`GET http://${host}${urlPath} via ${settings.ingressAddr} did not return ${want} within ${timeoutSeconds}s (last: ${last})`);
}

/** A restricted busybox pod carrying `labels`, to open connections as the pods with those labels would. */
function startClient(name: string, namespace: string, labels: Record<string, string>): void {
  kubectl(['apply', '-f', '-'], { input: JSON.stringify({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: {
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 1,
      securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{
        name: 'client', image: settings.clientImage, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'],
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
        resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '200m', memory: '64Mi' } },
      }],
    },
  }) });
  kubectl(['-n', namespace, 'wait', '--for=condition=Ready', `pod/${name}`, '--timeout=120s'], { timeoutSeconds: 130 });
}

/** Whether the client pod opens a TCP connection to `host` `port` within 3 s. */
function opens(pod: string, namespace: string, host: string, port: number): boolean {
  return kubectlRaw(['-n', namespace, 'exec', pod, '--', 'nc', '-z', '-w', '3', host, String(port)], { timeoutSeconds: 30 }).status === 0;
}

async function main(): Promise<void> {
  if (!settings.webImage || !settings.dbImage) throw new Error('E2E_WEB_IMAGE and E2E_DB_IMAGE must name the local guestbook and PostgreSQL images');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-e2e-many-apps-'));
  harness.log(`cluster: ${kubectl(['config', 'current-context']).trim()}; web image ${settings.webImage}, db image ${settings.dbImage}`);
  // Single-instance databases here: the Patroni data tier has its own suite (e2e/suite.ts, e2e/prod.ts).
  const app = new App({ outdir: path.join(work, 'dist') });
  new ManyAppsChart(app, 'many-apps', { webImage: settings.webImage, databaseImage: settings.dbImage, blogDatabaseReplicas: 1 });
  const manifest = path.join(work, 'many-apps.k8s.yaml');
  fs.writeFileSync(manifest, app.synthYaml());

  step('the three applications apply with strict server-side validation; their Secrets are created as the guide says', () => {
    const r = kubectlRaw(['apply', '--server-side', '--field-manager=refarch-e2e', '--validate=strict', '-f', manifest], { timeoutSeconds: 120 });
    if (r.status !== 0) throw new Error(`apply failed:\n${r.stderr}${r.stdout}`);
    const warnings = r.stderr.split('\n').filter((l) => /warning/i.test(l));
    if (warnings.length > 0) throw new Error(`apply printed warnings:\n${warnings.join('\n')}`);
    const secrets: Array<[string, string, string]> = [
      ['apps', 'shop-db-credentials', PASSWORDS.shop!], ['apps', 'blog-db-credentials', PASSWORDS.blog!],
      ['team-b-data', 'wiki-db-credentials', PASSWORDS.wiki!], ['team-b', 'wiki-credentials', PASSWORDS.wiki!],
    ];
    for (const [ns, name, password] of secrets) {
      const secret = kubectl(['-n', ns, 'create', 'secret', 'generic', name, `--from-literal=password=${password}`, '--dry-run=client', '-o', 'json']);
      kubectl(['apply', '-f', '-'], { input: secret });
    }
    return `${r.stdout.trim().split('\n').length} objects, ${secrets.length} Secrets`;
  }, { fatal: true });

  step(`every database and web tier rolls out within ${settings.readyTimeout}s`, () => {
    const started = Date.now();
    for (const a of APPS) {
      kubectl(['-n', a.dbNamespace, 'rollout', 'status', `statefulset/${a.name}-db`, `--timeout=${settings.readyTimeout}s`], { timeoutSeconds: settings.readyTimeout + 10 });
      kubectl(['-n', a.namespace, 'rollout', 'status', `deployment/${a.name}`, `--timeout=${settings.readyTimeout}s`], { timeoutSeconds: settings.readyTimeout + 10 });
    }
    return `ready in ${((Date.now() - started) / 1000).toFixed(1)} s`;
  }, { fatal: true });

  step('both applications of one namespace (and the third) serve through the front door, each from its own database', async () => {
    const details: string[] = [];
    for (const a of APPS) {
      await frontDoorUntil(a.host, '/readyz', 200, 90);
      const marker = `many-apps-${a.name}-${Date.now()}`;
      const post = await viaFrontDoor(a.host, '/api/entries', 'POST', JSON.stringify({ name: 'e2e', message: marker }));
      if (post.status !== 201 && post.status !== 200) throw new Error(`POST to ${a.host}: HTTP ${post.status} ${post.body.slice(0, 200)}`);
      details.push(`${a.host} ${post.status}`);
    }
    // Each application's entries are in its own database only.
    const entries = async (host: string) => (await frontDoorUntil(host, '/api/entries', 200, 30)).body;
    const shop = await entries('shop.example.com');
    const blog = await entries('blog.example.com');
    if (!shop.includes('many-apps-shop-') || shop.includes('many-apps-blog-')) throw new Error(`shop's entries are not shop's alone: ${shop.slice(0, 300)}`);
    if (!blog.includes('many-apps-blog-') || blog.includes('many-apps-shop-')) throw new Error(`blog's entries are not blog's alone: ${blog.slice(0, 300)}`);
    return `${details.join(', ')}; shop and blog each read only their own entries`;
  });

  step('NetworkPolicy: a pod with app A\'s labels opens A\'s database port, not B\'s (same namespace) nor C\'s (another namespace)', () => {
    const labelsOf = (ns: string, deployment: string) => getJson(['-n', ns, 'get', 'deployment', deployment]).spec.selector.matchLabels as Record<string, string>;
    // Client pods that the policies take for the web pods of shop and blog (they select by these labels).
    startClient('as-shop', 'apps', labelsOf('apps', 'shop'));
    startClient('as-blog', 'apps', labelsOf('apps', 'blog'));
    const host = (db: string, ns: string) => `${db}.${ns}.svc.cluster.local`;
    const results = {
      'shop -> shop-db': opens('as-shop', 'apps', host('shop-db', 'apps'), 5432),
      'blog -> blog-db': opens('as-blog', 'apps', host('blog-db', 'apps'), 5432),
      'shop -> blog-db': opens('as-shop', 'apps', host('blog-db', 'apps'), 5432),
      'blog -> shop-db': opens('as-blog', 'apps', host('shop-db', 'apps'), 5432),
      'shop -> wiki-db': opens('as-shop', 'apps', host('wiki-db', 'team-b-data'), 5432),
    };
    kubectlRaw(['-n', 'apps', 'delete', 'pod', 'as-shop', 'as-blog', '--wait=false']);
    const expected = { 'shop -> shop-db': true, 'blog -> blog-db': true, 'shop -> blog-db': false, 'blog -> shop-db': false, 'shop -> wiki-db': false };
    if (JSON.stringify(results) !== JSON.stringify(expected)) throw new Error(`connections: ${JSON.stringify(results)}, expected ${JSON.stringify(expected)}`);
    return Object.entries(results).map(([k, v]) => `${k} ${v ? 'open' : 'blocked'}`).join(', ');
  });

  await harness.run(steps);
}

main().catch((err) => harness.crashed(err));
