/**
 * End-to-end stage for prod: applies the prod environment the way the README tells a user
 * (Secrets created out of band, then dist/prod.k8s.yaml) on a multi-node cluster and proves
 * what prod promises: its Gateway API front door (TLS terminated at the Gateway's HTTPS
 * listener, an HTTPRoute to the web tier, plain HTTP redirected), spreading over nodes, the HPA scaling up,
 * a node drain and a node loss without losing the web tier, and the page in a real browser.
 *
 * kubectl and HTTP only (plus openssl for the certificates and, optionally, Chromium), so it
 * runs on any multi-node cluster with an ingress controller on 127.0.0.1 and metrics-server,
 * e.g. kind with docs/kind-cluster.yaml. Every wait is bounded; every request goes to
 * 127.0.0.1 (the ingress controller) with the prod host name, never to DNS.
 *
 * Settings (environment variables):
 *   E2E_PROD_WEB_IMAGE   web image with registry host and digest, present on the nodes (required)
 *   E2E_PROD_DB_IMAGE    PostgreSQL image with registry host and digest, present on the nodes (required)
 *   E2E_INGRESS_HTTP     host:port of the ingress controller's HTTP port (default 127.0.0.1:80)
 *   E2E_INGRESS_HTTPS    host:port of its HTTPS port (default 127.0.0.1:443)
 *   E2E_OUTPUT_DIR       where the CA, the report and the screenshots go (default $TMPDIR/refarch-e2e-prod)
 *   E2E_CHROMIUM         Chromium binary for the browser step (default: chromium on PATH; absent: skipped)
 *   E2E_NODE_LOSS        command that stops a node's kubelet, container runtime and pods; gets the
 *                        node name as its argument (the kind cluster's e2e/kind-node.sh sets it).
 *                        Unset: the node-loss step is skipped.
 *   E2E_NODE_HEAL        command that starts them again (argument: the node name)
 *   E2E_NODE_PARTITION   command that cuts a node off the cluster network, its processes running (argument: the node)
 *   E2E_NODE_RECONNECT   command that connects it again (argument: the node)
 *   E2E_NODE_PROBE_WRITES command that writes from inside a node to a pod's PostgreSQL (arguments: node, pod,
 *                        seconds, tag; see e2e/kind-node.sh probe-writes). The three unset: the partition step is skipped.
 *   E2E_HPA_TIMEOUT      seconds the load may run before the HPA must have scaled (default 240)
 *   E2E_KEEP             1 to leave the namespace in place afterwards
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as os from 'os';
import * as path from 'path';
import { writeFile } from '../scripts/safe-write';
import { getJson, kubectl, kubectlRaw, kubernetesApi, retry, sleep } from './kube';
import { databaseSteps } from './prod-database';
import { runDocCommands } from './doc-commands';
import { browseGuestbook } from './browser';
import { gatewayStatus } from './front-door';
import { Harness, Step } from './harness';

const ROOT = path.resolve(__dirname, '..');
const NS = 'refarch-prod';
const HOST = 'guestbook.example.com';
const WEB_SELECTOR = 'app.kubernetes.io/name=guestbook,app.kubernetes.io/instance=refarch-prod,app.kubernetes.io/component=web';
const OUT = process.env.E2E_OUTPUT_DIR ?? path.join(os.tmpdir(), 'refarch-e2e-prod');
const settings = {
  webImage: process.env.E2E_PROD_WEB_IMAGE ?? '',
  dbImage: process.env.E2E_PROD_DB_IMAGE ?? '',
  http: process.env.E2E_INGRESS_HTTP ?? '127.0.0.1:80',
  https: process.env.E2E_INGRESS_HTTPS ?? '127.0.0.1:443',
  nodeLoss: process.env.E2E_NODE_LOSS,
  nodeHeal: process.env.E2E_NODE_HEAL,
  nodePartition: process.env.E2E_NODE_PARTITION,
  nodeReconnect: process.env.E2E_NODE_RECONNECT,
  nodeProbeWrites: process.env.E2E_NODE_PROBE_WRITES,
  hpaTimeout: Number(process.env.E2E_HPA_TIMEOUT ?? 240),
};
// Why an optional step does not run (undefined: it runs), decided before any step runs.
const SKIP_NODE_LOSS = settings.nodeLoss && settings.nodeHeal ? undefined : 'needs E2E_NODE_LOSS and E2E_NODE_HEAL';

const harness = new Harness({
  label: 'e2e:prod', diagnose, cleanup, reportFile: path.join(OUT, 'report.json'), closingSuffix: ` (output: ${OUT})`,
});
const { timings } = harness;
const log = (msg: string): void => harness.log(msg);
const elapsed = (): string => harness.elapsed();
/** The stage's steps, declared in order by main() before any runs (Harness.run). */
const steps: Step[] = [];
const step = (title: string, run: Step['run'], opts: { skip?: string; fatal?: boolean } = {}): void => { steps.push({ title, run, ...opts }); };

function diagnose(): void {
  console.log('---- diagnostics ----');
  console.log(kubectlRaw(['get', 'nodes', '-o', 'wide']).stdout);
  console.log(kubectlRaw(['-n', NS, 'get', 'pods,hpa,pdb', '-o', 'wide']).stdout);
  console.log(kubectlRaw(['-n', NS, 'get', 'events', '--sort-by=.lastTimestamp']).stdout.split('\n').slice(-25).join('\n'));
  // Where a failed or slow request went: Traefik's access log (common format, ending with
  // the router, the pod it was sent to and the duration) names the pod and the time it took,
  // and the web pods' warnings say what the database answered them.
  const slow = kubectlRaw(['-n', 'traefik', 'logs', 'deployment/traefik', '--since=5m']).stdout.split('\n')
    .filter((l) => { const m = / (\d{3}) \d+ .* (\d+)ms$/.exec(l); return m !== null && (m[1] !== '200' || Number(m[2]) >= 1000); });
  console.log(`Traefik: ${slow.length} request(s) of the last 5 min not answered 200 or slower than 1 s${slow.length > 20 ? ' (the last 20)' : ''}`);
  for (const l of slow.slice(-20)) console.log(`  ${l}`);
  const warnings = kubectlRaw(['-n', NS, 'logs', '-l', WEB_SELECTOR, '--since=5m', '--prefix', '--tail=-1', '--max-log-requests=20']).stdout.split('\n')
    .filter((l) => /"level":"(WARN|ERROR)"/.test(l));
  console.log(`web pods: ${warnings.length} warning(s) of the last 5 min${warnings.length > 20 ? ' (the last 20)' : ''}`);
  for (const l of warnings.slice(-20)) console.log(`  ${l}`);
  console.log('---- end of diagnostics ----');
}

/** The control plane's NoSchedule taint, lifted while the stage runs (see main). */
const CONTROL_PLANE_TAINT = 'node-role.kubernetes.io/control-plane:NoSchedule';
const untainted: string[] = [];

function cleanup(): void {
  log('cleanup: uncordoning the nodes, deleting the namespace');
  for (const n of getJson(['get', 'nodes']).items) kubectlRaw(['uncordon', n.metadata.name]);
  for (const n of untainted) kubectlRaw(['taint', 'node', n, CONTROL_PLANE_TAINT, '--overwrite']);
  kubectlRaw(['delete', 'namespace', NS, '--ignore-not-found', '--wait=true', '--timeout=180s'], { timeoutSeconds: 200 });
}

/** Runs a command line in sh with `node` as $0 and `args` after it. */
function runOn(command: string, node: string, ...args: string[]): string {
  return run('sh', ['-c', `${command} "$0" "$@"`, node, ...args]);
}

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}${r.error ?? ''}`);
  return r.stdout;
}

/** The suite's own CA and a server certificate for the prod host (openssl, in OUT/tls). */
function makeCertificates(): { ca: string; crt: string; key: string } {
  const dir = path.join(OUT, 'tls');
  fs.mkdirSync(dir, { recursive: true });
  const p = (f: string) => path.join(dir, f);
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=refarch e2e CA',
    '-keyout', p('ca.key'), '-out', p('ca.crt'), '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${HOST}`, '-keyout', p('tls.key'), '-out', p('tls.csr')]);
  fs.writeFileSync(p('ext.cnf'), `subjectAltName=DNS:${HOST}\nextendedKeyUsage=serverAuth\n`);
  run('openssl', ['x509', '-req', '-in', p('tls.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '2',
    '-extfile', p('ext.cnf'), '-out', p('tls.crt')]);
  return { ca: p('ca.crt'), crt: p('tls.crt'), key: p('tls.key') };
}

/** The HPA's current CPU reading ({ averageUtilization, averageValue }), if it has one. */
const hpaCpu = (hpa: any): { averageUtilization?: number; averageValue?: string } | undefined => hpa.status.currentMetrics?.[0]?.resource?.current;

interface Reply { status: number; body: string; headers: http.IncomingHttpHeaders }

/** One request to the ingress controller on 127.0.0.1 for the prod host; 5 s timeout. */
function request(scheme: 'http' | 'https', method: string, urlPath: string, opts: { ca?: Buffer; body?: string; contentType?: string; agent?: http.Agent } = {}): Promise<Reply> {
  const [host, port] = (scheme === 'https' ? settings.https : settings.http).split(':');
  if (!/^127\./.test(host)) throw new Error(`the ingress address must be on 127.0.0.0/8, got ${host}`);
  const mod = scheme === 'https' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request({
      host, port: Number(port), method, path: urlPath, timeout: 5000, servername: HOST, ca: opts.ca, agent: opts.agent ?? false,
      headers: { Host: HOST, ...(opts.body ? { 'Content-Type': opts.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(opts.body) } : {}) },
    } as https.RequestOptions, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 5s')));
    req.on('error', reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

/**
 * A bounded request loop through the front door (the Gateway's HTTPS listener, the suite's CA): `count` GETs of
 * /api/entries, one every `intervalMs`, each with a 5 s timeout. Returns the counts and the
 * failures with their times; stop() ends it early.
 */
function requestLoop(ca: Buffer, count: number, intervalMs: number) {
  let stopped = false;
  const failures: string[] = [];
  let ok = 0;
  const done = (async () => {
    for (let i = 0; i < count && !stopped; i++) {
      const t = Date.now();
      try {
        const r = await request('https', 'GET', '/api/entries', { ca });
        if (r.status === 200) ok++;
        else failures.push(`${elapsed()}s HTTP ${r.status}`);
      } catch (err) {
        failures.push(`${elapsed()}s ${(err as Error).message}`);
      }
      const wait = intervalMs - (Date.now() - t);
      if (wait > 0) await sleep(wait / 1000);
    }
    return { ok, failed: failures.length, failures };
  })();
  return { done, stop: () => { stopped = true; } };
}

function webPods(): any[] {
  return getJson(['-n', NS, 'get', 'pods', '-l', WEB_SELECTOR]).items.filter((p: any) => !p.metadata.deletionTimestamp);
}
const isReady = (p: any) => (p.status.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');

/** Workers: nodes without the control-plane role (which runs the ingress controller here). */
function workerNodes(): string[] {
  return schedulableWorkers().filter((n) => !('node-role.kubernetes.io/control-plane' in (getJson(['get', 'node', n]).metadata.labels ?? {})));
}

/** The node of the database leader: the pod Patroni's Endpoints name. */
function leaderNode(): string {
  const leader = getJson(['-n', NS, 'get', 'endpoints', 'postgres']).metadata.annotations?.leader;
  if (!leader) throw new Error('the client Service postgres names no leader');
  return getJson(['-n', NS, 'get', 'pod', leader]).spec.nodeName;
}

function schedulableWorkers(): string[] {
  return getJson(['get', 'nodes']).items
    .filter((n: any) => !(n.spec.taints ?? []).some((t: any) => t.effect === 'NoSchedule') && !n.spec.unschedulable)
    .map((n: any) => n.metadata.name);
}

/**
 * Synthesizes prod with only the image overrides this cluster needs (`--stdout`: synth writes
 * no folder of its own, so OUT may be anywhere, even inside the repository) and keeps the
 * YAML as OUT/prod.k8s.yaml, the file that is applied.
 */
function synthProd(): string {
  const args = ['--import', 'tsx', 'scripts/synth.ts', '--env', 'prod', '--stdout',
    '--set', `prod.web.image=${settings.webImage}`, '--set', `prod.database.image=${settings.dbImage}`,
    // This cluster's API server, as docs/data-tier.md tells a user to find it.
    '--set', `prod.database.kubernetesApi=${JSON.stringify(kubernetesApi())}`];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0 || !r.stdout.includes('kind: Deployment')) throw new Error(`synth failed: ${r.stderr}${r.error ?? ''}`);
  const file = path.join(OUT, 'prod.k8s.yaml');
  writeFile(file, r.stdout);
  return file;
}

async function main(): Promise<void> {
  fs.mkdirSync(OUT, { recursive: true });
  if (!settings.webImage || !settings.dbImage) throw new Error('E2E_PROD_WEB_IMAGE and E2E_PROD_DB_IMAGE must name images on the nodes, with registry host and digest');
  log(`cluster: ${kubectl(['config', 'current-context']).trim()}; web ${settings.webImage}; db ${settings.dbImage}; output ${OUT}`);
  const certs = makeCertificates();
  const ca = fs.readFileSync(certs.ca);
  let manifest = '';

  step('the cluster has at least two schedulable nodes in different zones, and the metrics API answers', () => {
    const workers = schedulableWorkers();
    const zones = new Set(getJson(['get', 'nodes']).items.filter((n: any) => workers.includes(n.metadata.name))
      .map((n: any) => n.metadata.labels['topology.kubernetes.io/zone']));
    if (workers.length < 2 || zones.size < 2) throw new Error(`schedulable nodes ${workers.join(', ')} in zones ${[...zones].join(', ')}`);
    kubectl(['top', 'nodes']);
    return `${workers.join(', ')} in ${[...zones].join(', ')}; kubectl top works`;
  }, { fatal: true });

  step('three schedulable nodes in three zones for the three database members (kind\'s control plane admits pods for this stage)', () => {
    // kind runs one control plane and two workers; prod's three database members want three
    // nodes (a leader and a synchronous replica must survive the loss of any one). The
    // control plane's NoSchedule taint is lifted while the stage runs (restored in cleanup),
    // as kind's own single-node clusters run pods there; it is never the node lost or cut off.
    for (const n of getJson(['get', 'nodes']).items) {
      if ((n.spec.taints ?? []).some((t: any) => `${t.key}:${t.effect}` === CONTROL_PLANE_TAINT)) {
        kubectl(['taint', 'node', n.metadata.name, `${CONTROL_PLANE_TAINT}-`]);
        untainted.push(n.metadata.name);
      }
    }
    const nodes = schedulableWorkers();
    if (nodes.length < 3) throw new Error(`schedulable nodes: ${nodes.join(', ')}`);
    return `schedulable: ${nodes.join(', ')}${untainted.length ? ` (lifted ${CONTROL_PLANE_TAINT} on ${untainted.join(', ')})` : ''}`;
  }, { fatal: true });

  step('the Secrets are created out of band exactly as the documentation says (namespace, database passwords, the TLS certificate of the front door, database TLS)', () => {
    // docs/secrets.md: its commands as written, in the folder of the suite's front-door
    // certificate, which holds it as tls.crt/tls.key (the names the page uses).
    runDocCommands('`prod` renders **no** Secret. Create it before applying', path.dirname(certs.crt), 'docs/secrets.md');
    // README, "TLS to the database": its openssl and kubectl commands, in a folder of their own
    // (they write tls.crt/tls.key too).
    runDocCommands('## TLS to the database', path.join(OUT, 'readme-db-tls'), 'docs/data-tier.md');
    const secrets = getJson(['-n', NS, 'get', 'secrets']).items.map((s: any) => s.metadata.name).sort();
    const want = ['guestbook-db-credentials', 'guestbook-tls', 'postgres-tls'];
    const missing = want.filter((n) => !secrets.includes(n));
    if (missing.length > 0) throw new Error(`after the README's commands, missing Secrets: ${missing.join(', ')} (have ${secrets.join(', ')})`);
    const keys = Object.keys(getJson(['-n', NS, 'get', 'secret', 'guestbook-db-credentials']).data).sort();
    return `secrets ${secrets.join(', ')}; guestbook-db-credentials keys ${keys.join(', ')}`;
  }, { fatal: true });

  step('prod (with only the image overrides) applies with strict server-side validation and rolls out', async () => {
    manifest = synthProd();
    const t0 = Date.now();
    const r = kubectlRaw(['apply', '--server-side', '--field-manager=refarch-e2e', '--force-conflicts', '--validate=strict', '-f', manifest], { timeoutSeconds: 120 });
    if (r.status !== 0) throw new Error(`apply failed:\n${r.stderr}${r.stdout}`);
    const warnings = r.stderr.split('\n').filter((l) => /warning/i.test(l));
    if (warnings.length > 0) throw new Error(`apply printed warnings:\n${warnings.join('\n')}`);
    kubectl(['-n', NS, 'rollout', 'status', 'statefulset/postgres', '--timeout=300s'], { timeoutSeconds: 310 });
    kubectl(['-n', NS, 'rollout', 'status', 'deployment/guestbook', '--timeout=300s'], { timeoutSeconds: 310 });
    // The Deployment leaves replicas to the HPA, so it starts with one pod until the HPA's
    // first sync raises it to minReplicas: wait for that many Ready pods.
    const min = getJson(['-n', NS, 'get', 'hpa', 'guestbook']).spec.minReplicas;
    await retry(`${min} Ready web pods (the HPA's minReplicas)`, 180, 2, () => {
      const d = getJson(['-n', NS, 'get', 'deployment', 'guestbook']);
      return d.spec.replicas >= min && (d.status.readyReplicas ?? 0) >= d.spec.replicas && webPods().filter(isReady).length >= min ? true : undefined;
    });
    timings.applyToReadySeconds = (Date.now() - t0) / 1000;
    const pods = webPods();
    return `${pods.length} web pods Ready ${timings.applyToReadySeconds.toFixed(1)}s after apply (the HPA raised the Deployment from 1 to ${min})`;
  }, { fatal: true });

  step('the Gateway API front door: the Gateway Programmed, the HTTPRoutes Accepted with their refs resolved, no Ingress; TLS terminated at the Gateway\'s HTTPS listener verifies with the suite CA; HTTP redirects to HTTPS', async () => {
    const status = await retry('the Gateway Programmed and the HTTPRoutes Accepted', 90, 2, () => gatewayStatus(NS));
    const ingresses = getJson(['-n', NS, 'get', 'ingresses']).items.length;
    if (ingresses !== 0) throw new Error(`prod has ${ingresses} Ingress(es): its front door is the Gateway API alone`);
    log(`   ${status}`);
    const r = await retry('HTTPS 200 on /readyz', 90, 2, async () => {
      const x = await request('https', 'GET', '/readyz', { ca });
      return x.status === 200 ? x : undefined;
    });
    // A client that does not trust the suite CA must refuse the certificate.
    let refused = '';
    try { await request('https', 'GET', '/readyz'); } catch (err) { refused = (err as Error).message; }
    if (!refused) throw new Error('HTTPS without the suite CA was accepted: the Gateway\'s HTTPS listener does not serve the Secret guestbook-tls');
    const plain = await request('http', 'GET', '/api/entries');
    if (![301, 302, 307, 308].includes(plain.status) || !String(plain.headers.location ?? '').startsWith(`https://${HOST}`)) {
      throw new Error(`HTTP answered ${plain.status} (location ${plain.headers.location}), expected a redirect to https://${HOST}`);
    }
    return `HTTPS ${r.status} with the suite CA; without it: ${refused}; HTTP ${plain.status} -> ${plain.headers.location}`;
  });

  step('the web pods spread over the nodes (topology spread constraints honoured)', () => {
    const pods = webPods().filter(isReady);
    const perNode: Record<string, number> = {};
    for (const p of pods) perNode[p.spec.nodeName] = (perNode[p.spec.nodeName] ?? 0) + 1;
    const workers = schedulableWorkers();
    const counts = workers.map((n) => perNode[n] ?? 0);
    const skew = Math.max(...counts) - Math.min(...counts);
    if (Object.keys(perNode).length < 2 || skew > 1) throw new Error(`web pods per node: ${JSON.stringify(perNode)} (skew ${skew})`);
    return `per node ${JSON.stringify(perNode)}, skew ${skew}`;
  });

  step(`the HPA scales up under a bounded load and the new pods become Ready (within ${settings.hpaTimeout}s)`, async () => {
    const before = getJson(['-n', NS, 'get', 'hpa', 'guestbook']);
    const min = before.spec.minReplicas;
    const target = before.spec.metrics[0].resource.target.averageUtilization;
    // At rest first: metrics read, CPU under the target, the HPA at minReplicas. The web pods'
    // start-up CPU sometimes makes it add a pod before any load; it then scales back after its
    // 300 s scale-down window, so this waits up to 360 s (usually it is at rest at once).
    await retry(`the HPA at rest (CPU read and under ${target} %, ${min} replicas)`, 360, 5, () => {
      const h = getJson(['-n', NS, 'get', 'hpa', 'guestbook']);
      const u = hpaCpu(h)?.averageUtilization;
      return u !== undefined && u < target && h.status.desiredReplicas === min && h.status.currentReplicas === min ? true : undefined;
    });
    // A guestbook with a full page: the app lists the newest 100 entries, so each GET / reads
    // and renders 100 rows (an empty guestbook costs too little CPU per request for 24 clients
    // on a shared 2-core machine to reach the 70 % target). 100 POSTs, each bounded by 5 s.
    for (let i = 0; i < 100; i++) {
      const r = await request('https', 'POST', '/api/entries', { ca, body: JSON.stringify({ name: `load ${i}`, message: `entry ${i} `.repeat(40) }) });
      if (r.status !== 201) throw new Error(`seeding entry ${i}: HTTP ${r.status} ${r.body.slice(0, 200)}`);
    }
    // Load: many concurrent HTTPS requests through the Gateway, bounded in time and count, on
    // kept-alive connections as browsers and API clients send them: a TLS handshake per
    // request would spend this 2-core machine's CPU in the client and the ingress controller
    // instead of in the web pods the HPA measures.
    const agent = new https.Agent({ keepAlive: true, maxSockets: 24 });
    // The proof: more replicas than at rest (min), with CPU measured at or over the target.
    let peak = 0;
    const t0 = Date.now();
    const deadline = t0 + settings.hpaTimeout * 1000;
    let stop = false;
    let sent = 0;
    const worker = async () => {
      while (!stop && Date.now() < deadline && sent < 2_000_000) {
        sent++;
        try { await request('https', 'GET', '/', { ca, agent }); } catch { /* the HPA's reading is what counts */ }
      }
    };
    const workers = Array.from({ length: 24 }, worker);
    let scaled: any;
    try {
      scaled = await retry('the HPA to raise desiredReplicas and the new pods to be Ready', settings.hpaTimeout, 5, () => {
        const h = getJson(['-n', NS, 'get', 'hpa', 'guestbook']);
        const ready = webPods().filter(isReady).length;
        peak = Math.max(peak, hpaCpu(h)?.averageUtilization ?? 0);
        log(`   load ${Math.round((Date.now() - t0) / 1000)}s: ${sent} requests; HPA ${JSON.stringify(hpaCpu(h) ?? {})} desired ${h.status.desiredReplicas}, ready pods ${ready}`);
        return h.status.desiredReplicas > min && peak >= target && ready >= h.status.desiredReplicas ? { desired: h.status.desiredReplicas, ready } : undefined;
      });
    } finally {
      stop = true;
      await Promise.all(workers);
      agent.destroy();
    }
    timings.hpaScaleUpSeconds = (Date.now() - t0) / 1000;
    return `scaled ${min} -> ${scaled.desired}, all Ready, ${timings.hpaScaleUpSeconds.toFixed(0)}s after the load started (${sent} requests; CPU up to ${peak} % of requests, target ${target} %)`;
  });

  step('kubectl drain of a worker with web pods (not the database leader\'s node): PDBs honoured, zero failed requests through the Gateway', async () => {
    const dbNode = leaderNode();
    const candidates = workerNodes().filter((n) => n !== dbNode && webPods().some((p) => p.spec.nodeName === n));
    if (candidates.length === 0) throw new Error(`no worker with web pods besides the database leader's node ${dbNode}`);
    const node = candidates[0];
    const loop = requestLoop(ca, 1200, 100);
    await sleep(2);
    const t0 = Date.now();
    const r = kubectlRaw(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=240s'], { timeoutSeconds: 260 });
    timings.drainSeconds = (Date.now() - t0) / 1000;
    kubectl(['-n', NS, 'rollout', 'status', 'deployment/guestbook', '--timeout=180s'], { timeoutSeconds: 190 });
    await sleep(3);
    loop.stop();
    const res = await loop.done;
    kubectl(['uncordon', node]);
    if (r.status !== 0) throw new Error(`drain failed: ${r.stderr}`);
    const left = webPods().filter((p) => p.spec.nodeName === node);
    if (left.length > 0) throw new Error(`web pods still on ${node}: ${left.map((p) => p.metadata.name)}`);
    if (res.failed !== 0) throw new Error(`${res.failed} of ${res.ok + res.failed} requests failed: ${res.failures.slice(0, 5).join('; ')}`);
    return `drained ${node} in ${timings.drainSeconds.toFixed(1)}s; ${res.ok} requests, 0 failed`;
  });

  step('node loss: kubelet, container runtime and pods of a worker (not the database leader\'s) stopped while requests run; the web tier keeps serving', async () => {
    const dbNode = leaderNode();
    const node = workerNodes().find((n) => n !== dbNode);
    if (!node) throw new Error('no worker without the database leader');
    // Make sure the node carries web pods (after the drain it may not): restart the rollout.
    if (!webPods().some((p) => p.spec.nodeName === node)) {
      kubectl(['-n', NS, 'rollout', 'restart', 'deployment/guestbook']);
      kubectl(['-n', NS, 'rollout', 'status', 'deployment/guestbook', '--timeout=180s'], { timeoutSeconds: 190 });
    }
    const lost = webPods().filter((p) => p.spec.nodeName === node).map((p) => p.metadata.name);
    const loop = requestLoop(ca, 2400, 100);
    await sleep(2);
    const t0 = Date.now();
    runOn(settings.nodeLoss!, node);
    log(`   ${node} lost (web pods there: ${lost.join(', ') || 'none'})`);
    let notReadyAt = 0;
    let replacedAt = 0;
    try {
      await retry(`the lost pods to be replaced on other nodes`, 420, 5, () => {
        const n = getJson(['get', 'node', node]);
        const ready = n.status.conditions.find((c: any) => c.type === 'Ready')?.status;
        if (!notReadyAt && ready !== 'True') notReadyAt = Date.now();
        const elsewhere = webPods().filter((p) => p.spec.nodeName !== node && isReady(p)).length;
        const desired = getJson(['-n', NS, 'get', 'deployment', 'guestbook']).spec.replicas;
        const stillThere = webPods().filter((p) => p.spec.nodeName === node).length;
        if (elsewhere >= desired && stillThere === 0) { replacedAt = Date.now(); return true; }
        return undefined;
      });
    } finally {
      loop.stop();
    }
    const res = await loop.done;
    timings.nodeNotReadySeconds = notReadyAt ? (notReadyAt - t0) / 1000 : -1;
    timings.nodeLossReplacedSeconds = (replacedAt - t0) / 1000;
    timings.nodeLossFailedRequests = res.failed;
    // The node comes back: kubelet and runtime start, the node is Ready again.
    runOn(settings.nodeHeal!, node);
    await retry(`${node} Ready again`, 180, 3, () => getJson(['get', 'node', node]).status.conditions.find((c: any) => c.type === 'Ready')?.status === 'True' ? true : undefined);
    if (res.failed !== 0) throw new Error(`${res.failed} of ${res.ok + res.failed} requests through the Gateway failed while ${node} was lost: ${res.failures.slice(0, 5).join('; ')}`);
    return `${node}: NotReady after ${timings.nodeNotReadySeconds.toFixed(0)}s, web pods replaced after ${timings.nodeLossReplacedSeconds.toFixed(0)}s; ` +
      `${res.ok} requests ok, ${res.failed} failed (${res.failures.slice(0, 3).join('; ')}${res.failed > 3 ? '; ...' : ''}); node Ready again`;
  }, { skip: SKIP_NODE_LOSS });

  databaseSteps({
    ns: NS, harness, step,
    request: (method, urlPath, body) => request('https', method, urlPath, { ca, body }),
    nodeLoss: settings.nodeLoss, nodeHeal: settings.nodeHeal,
    nodePartition: settings.nodePartition, nodeReconnect: settings.nodeReconnect, nodeProbeWrites: settings.nodeProbeWrites,
    run: runOn,
  });

  const chromium = process.env.E2E_CHROMIUM ?? 'chromium';
  const SKIP_BROWSER = spawnSync(chromium, ['--version'], { encoding: 'utf8' }).status === 0 ? undefined : `${chromium} not found (E2E_CHROMIUM names another binary)`;
  step('a real browser (headless Chromium) opens the page through the Gateway, adds an entry with the form and sees it after a reload', async () => {
    const message = `from the browser ${Date.now()}`;
    const r = await browseGuestbook({ chromium, url: `https://${HOST}${settings.https.endsWith(':443') ? '' : `:${settings.https.split(':')[1]}`}/`, host: HOST, ingress: settings.https, caFile: certs.ca, certFile: certs.crt, outDir: OUT, name: 'e2e browser', message });
    return `entry listed after reload; screenshot ${r.screenshot}`;
  }, { skip: SKIP_BROWSER });
  await harness.run(steps);
}

main().catch((err) => harness.crashed(err));
