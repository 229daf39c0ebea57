/**
 * End-to-end suite: proves the dev environment works on a real cluster.
 *
 * Runs against whatever KUBECONFIG points at (kind, minikube or the local cluster of
 * cluster/). Every wait is bounded; every request goes to 127.0.0.1 (the ingress) or
 * to the cluster's own service and pod addresses (from a client pod).
 *
 * Settings (environment variables):
 *   E2E_WEB_IMAGE        web image to synthesize with        (default: refarch-guestbook:0.1.0)
 *   E2E_DB_IMAGE         database image                      (default: the dev environment's)
 *   E2E_WEB_IMAGE_NEXT   another tag of a locally present web image, for the upgrade check
 *   E2E_DB_IMAGE_NEXT    another tag of a locally present database image (both unset: check skipped)
 *   E2E_INGRESS_NAMESPACE namespace of the ingress controller (default: ingress-nginx); the
 *                        suite runs its "edge" client pod there, the only namespace the
 *                        web pods admit
 *   E2E_CLIENT_IMAGE     busybox-like image for the client pods (default: busybox:1.36.1)
 *   E2E_INGRESS_ADDR     host:port where the ingress controller listens (default: 127.0.0.1:80)
 *   E2E_ETCD_GET         command that prints the raw etcd value of a key given as its
 *                        argument; enables the etcd encryption check (the local cluster sets it)
 *   E2E_READY_TIMEOUT    seconds allowed for apply-to-all-Ready (default: 300)
 *   E2E_KEEP             1 to leave the namespaces in place afterwards
 *   E2E_REPORT           file to write the measured timings to, as JSON
 */
import { spawn, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { getJson, kubectl, kubectlRaw, retry, sleep } from './kube';

const ROOT = path.resolve(__dirname, '..');
const NS = 'refarch-dev';
const CLIENT_NS = 'refarch-e2e';
const INGRESS_NS = process.env.E2E_INGRESS_NAMESPACE ?? 'ingress-nginx';
/** The client pod in the ingress controller's namespace: the only source the web pods admit. */
const EDGE = 'refarch-e2e-edge';
const HOST = 'refarch.localtest.me';
const WEB_SELECTOR = 'app.kubernetes.io/name=guestbook,app.kubernetes.io/instance=refarch-dev,app.kubernetes.io/component=web';
const CHANGED_TITLE = 'Guestbook (e2e config change)';
const PASSWORD = process.env.E2E_DB_PASSWORD ?? 'e2e-only-password-7f3a';
const settings = {
  webImage: process.env.E2E_WEB_IMAGE ?? 'refarch-guestbook:0.1.0',
  dbImage: process.env.E2E_DB_IMAGE,
  webImageNext: process.env.E2E_WEB_IMAGE_NEXT || undefined,
  dbImageNext: process.env.E2E_DB_IMAGE_NEXT || undefined,
  clientImage: process.env.E2E_CLIENT_IMAGE ?? 'busybox:1.36.1',
  ingressAddr: process.env.E2E_INGRESS_ADDR ?? '127.0.0.1:80',
  etcdGet: process.env.E2E_ETCD_GET,
  readyTimeout: Number(process.env.E2E_READY_TIMEOUT ?? 300),
};

const started = Date.now();
const elapsed = () => ((Date.now() - started) / 1000).toFixed(1);
const timings: Record<string, number> = {};
const results: Array<{ step: string; ok: boolean; detail: string }> = [];
let stepNo = 0;

function log(msg: string): void {
  console.log(`[${elapsed().padStart(6)}s] ${msg}`);
}

/** Runs one numbered check; a failure prints diagnostics and is recorded, the suite goes on where it can. */
async function step(title: string, body: () => Promise<string | void> | string | void, opts: { fatal?: boolean } = {}): Promise<boolean> {
  stepNo++;
  const t0 = Date.now();
  log(`${stepNo}. ${title}`);
  try {
    const detail = (await body()) ?? '';
    const secs = (Date.now() - t0) / 1000;
    log(`   ok (${secs.toFixed(1)}s)${detail ? `: ${detail}` : ''}`);
    results.push({ step: `${stepNo}. ${title}`, ok: true, detail: String(detail) });
    return true;
  } catch (err) {
    log(`   FAILED: ${(err as Error).message}`);
    results.push({ step: `${stepNo}. ${title}`, ok: false, detail: (err as Error).message });
    diagnose();
    if (opts.fatal) finish();
    return false;
  }
}

/** What a person needs when something is not ready: events, describe, logs. */
function diagnose(): void {
  console.log('---- diagnostics ----');
  for (const ns of [NS, CLIENT_NS]) {
    console.log(kubectlRaw(['-n', ns, 'get', 'events', '--sort-by=.lastTimestamp']).stdout.split('\n').slice(-25).join('\n'));
    const pods = kubectlRaw(['-n', ns, 'get', 'pods', '-o', 'json']);
    if (pods.status !== 0) continue;
    for (const pod of JSON.parse(pods.stdout).items) {
      const ready = (pod.status.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
      if (ready) continue;
      console.log(kubectlRaw(['-n', ns, 'describe', 'pod', pod.metadata.name]).stdout.split('\n').slice(-40).join('\n'));
      console.log(kubectlRaw(['-n', ns, 'logs', pod.metadata.name, '--all-containers', '--tail=40']).stdout);
    }
  }
  console.log('---- end of diagnostics ----');
}

function finish(): never {
  const failed = results.filter((r) => !r.ok);
  if (process.env.E2E_KEEP !== '1') cleanup();
  console.log('\nSummary');
  for (const r of results) console.log(`  ${r.ok ? 'PASS' : 'FAIL'}  ${r.step}`);
  console.log(`Timings (s): ${JSON.stringify(timings)}`);
  if (process.env.E2E_REPORT) fs.writeFileSync(process.env.E2E_REPORT, JSON.stringify({ timings, results }, null, 2));
  console.log(`e2e: ${results.length - failed.length} passed, ${failed.length} failed`);
  process.exit(failed.length === 0 ? 0 : 1);
}

function cleanup(): void {
  log('cleanup: deleting the e2e namespaces');
  kubectlRaw(['-n', INGRESS_NS, 'delete', 'pod', EDGE, '--ignore-not-found', '--wait=false']);
  kubectlRaw(['delete', 'namespace', NS, CLIENT_NS, '--ignore-not-found', '--wait=true', '--timeout=120s'], { timeoutSeconds: 150 });
}

/** Synthesizes dev with the suite's image overrides; returns the manifest path. */
function synth(outdir: string, extra: string[] = []): string {
  const args = ['--import', 'tsx', 'scripts/synth.ts', '--env', 'dev', '--out', outdir, '--set', `dev.web.image=${settings.webImage}`];
  if (settings.dbImage) args.push('--set', `dev.database.image=${settings.dbImage}`);
  args.push(...extra); // later --set assignments win
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, DB_PASSWORD: PASSWORD }, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`synth failed: ${r.stderr}`);
  return path.join(outdir, 'dev.k8s.yaml');
}

/** Server-side apply with strict field validation; fails on any warning. */
function apply(file: string): string {
  const r = kubectlRaw(['apply', '--server-side', '--field-manager=refarch-e2e', '--force-conflicts', '--validate=strict', '-f', file], { timeoutSeconds: 120 });
  const warnings = r.stderr.split('\n').filter((l) => /warning/i.test(l));
  if (r.status !== 0) throw new Error(`apply failed:\n${r.stderr}${r.stdout}`);
  if (warnings.length > 0) throw new Error(`apply printed warnings:\n${warnings.join('\n')}`);
  return r.stdout;
}

/** GET/POST through the ingress on 127.0.0.1, with the dev Host header. Bounded by a 5 s timeout. */
function viaIngress(method: string, urlPath: string, body?: string): Promise<{ status: number; body: string }> {
  const [host, port] = settings.ingressAddr.split(':');
  if (!/^127\.|^localhost$/.test(host)) throw new Error(`E2E_INGRESS_ADDR must be on 127.0.0.0/8, got ${host}`);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host, port: Number(port ?? 80), method, path: urlPath, timeout: 5000,
      headers: { 'Host': HOST, 'Content-Type': 'application/json', ...(body ? { 'Content-Length': Buffer.byteLength(body) } : {}) },
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

async function ingressUntil(urlPath: string, want: number, timeoutSeconds: number): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = '';
  for (let i = 0; i < timeoutSeconds && Date.now() < deadline; i++) {
    try {
      const r = await viaIngress('GET', urlPath);
      if (r.status === want) return r;
      last = `HTTP ${r.status}: ${r.body.slice(0, 200)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(1);
  }
  throw new Error(`GET http://${HOST}${urlPath} via ${settings.ingressAddr} did not return ${want} within ${timeoutSeconds}s (last: ${last})`);
}

/**
 * A restricted-compliant busybox pod to make requests from inside the cluster, or with
 * `listener`, one that serves HTTP on 8080 and 53 (TCP) as a target for connection checks
 * (port 53 without root through the safe sysctl CoreDNS uses too).
 */
function clientPodManifest(name: string, namespace: string, labels: Record<string, string>, listener = false): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/part-of': 'refarch-e2e', ...labels } },
    spec: {
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 1,
      securityContext: {
        runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' },
        ...(listener ? { sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] } : {}),
      },
      containers: [{
        name: 'client', image: settings.clientImage, imagePullPolicy: 'IfNotPresent',
        command: listener ? ['sh', '-c', 'httpd -p 8080 -h /var/www && exec httpd -f -p 53 -h /var/www'] : ['sleep', '3600'],
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
        resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '200m', memory: '64Mi' } },
      }],
    },
  });
}

function startClient(name: string, namespace: string, labels: Record<string, string> = {}, listener = false): void {
  kubectl(['apply', '-f', '-'], { input: clientPodManifest(name, namespace, labels, listener) });
  kubectl(['-n', namespace, 'wait', '--for=condition=Ready', `pod/${name}`, '--timeout=120s'], { timeoutSeconds: 130 });
}

/** Runs a shell snippet in a client pod. */
function inClient(name: string, namespace: string, script: string, timeoutSeconds = 60) {
  return kubectlRaw(['-n', namespace, 'exec', name, '--', 'sh', '-c', script], { timeoutSeconds });
}

/**
 * Starts a bounded request loop through the web Service from the client pod, in the
 * background: `count` GETs of /api/entries, one every 100 ms, 2 s timeout each.
 * Resolves with the counts; killed if it overruns its worst case.
 */
function startRequestLoop(count: number): Promise<{ ok: number; failed: number }> {
  const url = `http://guestbook.${NS}.svc.cluster.local/api/entries`;
  const script = `ok=0; failed=0; i=0; while [ $i -lt ${count} ]; do i=$((i+1)); if wget -q -T 2 -O /dev/null ${url}; then ok=$((ok+1)); else failed=$((failed+1)); fi; sleep 0.1; done; echo "ok=$ok failed=$failed"`;
  const proc = spawn(process.env.KUBECTL ?? 'kubectl', ['-n', INGRESS_NS, 'exec', EDGE, '--', 'sh', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const killer = setTimeout(() => proc.kill('SIGKILL'), (count * 2.2 + 30) * 1000);
  return new Promise((resolve, reject) => proc.on('close', () => {
    clearTimeout(killer);
    const m = /ok=(\d+) failed=(\d+)/.exec(out);
    if (m) resolve({ ok: Number(m[1]), failed: Number(m[2]) });
    else reject(new Error(`request loop gave no result: ${out}`));
  }));
}

function readyWebPods(): Array<{ name: string; ip: string; hash: string }> {
  const pods = getJson(['-n', NS, 'get', 'pods', '-l', WEB_SELECTOR]).items;
  return pods
    .filter((p: any) => !p.metadata.deletionTimestamp && (p.status.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'))
    .map((p: any) => ({ name: p.metadata.name, ip: p.status.podIP, hash: p.metadata.annotations['refarch.example.com/config-hash'] }));
}

function waitRollout(kind: string, name: string, timeoutSeconds: number): void {
  kubectl(['-n', NS, 'rollout', 'status', `${kind}/${name}`, `--timeout=${timeoutSeconds}s`], { timeoutSeconds: timeoutSeconds + 10 });
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-e2e-'));
  log(`cluster: ${kubectl(['config', 'current-context']).trim()} (${JSON.parse(kubectl(['version', '-o', 'json'])).serverVersion.gitVersion})`);
  log(`web image ${settings.webImage}, db image ${settings.dbImage ?? '(dev default)'}, client image ${settings.clientImage}, ingress ${settings.ingressAddr}`);
  const manifest = synth(path.join(work, 'dist'));
  const objects = parseAllDocuments(fs.readFileSync(manifest, 'utf8')).map((d) => d.toJS());
  const configMap = objects.find((o) => o.kind === 'ConfigMap');

  await step('dist/ applies with strict server-side validation and no warnings; the namespace enforces restricted', () => {
    const t0 = Date.now();
    apply(manifest);
    timings.applySeconds = (Date.now() - t0) / 1000;
    const labels = getJson(['get', 'namespace', NS]).metadata.labels;
    if (labels['pod-security.kubernetes.io/enforce'] !== 'restricted') throw new Error(`namespace labels: ${JSON.stringify(labels)}`);
    return `${objects.length} objects`;
  }, { fatal: true });

  await step(`the web Deployment and database StatefulSet roll out to Ready within ${settings.readyTimeout}s; PVCs are Bound; every pod was admitted`, () => {
    const t0 = Date.now();
    waitRollout('statefulset', 'postgres', settings.readyTimeout);
    const remaining = Math.max(30, settings.readyTimeout - (Date.now() - t0) / 1000);
    waitRollout('deployment', 'guestbook', Math.round(remaining));
    timings.applyToAllReadySeconds = (Date.now() - t0) / 1000 + (timings.applySeconds ?? 0);
    const pvcs = getJson(['-n', NS, 'get', 'pvc']).items;
    const unbound = pvcs.filter((p: any) => p.status.phase !== 'Bound');
    if (pvcs.length === 0 || unbound.length > 0) throw new Error(`PVCs not Bound: ${pvcs.map((p: any) => `${p.metadata.name}=${p.status.phase}`).join(', ')}`);
    const forbidden = getJson(['-n', NS, 'get', 'events', '--field-selector', 'reason=FailedCreate']).items;
    if (forbidden.length > 0) throw new Error(`pods were refused: ${forbidden.map((e: any) => e.message).join('; ')}`);
    return `all Ready ${timings.applyToAllReadySeconds.toFixed(1)}s after apply; PVCs ${pvcs.map((p: any) => p.metadata.name).join(', ')} Bound`;
  }, { fatal: true });

  await step('client pods for in-cluster requests start (restricted pod security)', () => {
    kubectl(['apply', '-f', '-'], { input: JSON.stringify({
      apiVersion: 'v1', kind: 'Namespace',
      metadata: { name: CLIENT_NS, labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'app.kubernetes.io/part-of': 'refarch-e2e' } },
    }) });
    startClient('client', CLIENT_NS);
    startClient('listener', CLIENT_NS, { 'app.kubernetes.io/name': 'listener' }, true);
    // The web pods admit only the ingress controller's namespace: in-cluster requests to them come from there.
    startClient(EDGE, INGRESS_NS);
  }, { fatal: true });

  await step('the web Service\'s EndpointSlices list exactly the ready web pods; the Ingress routes the dev host to the app (200)', async () => {
    const detail = await retry('EndpointSlices to match the ready pods', 30, 1, () => {
      const slices = getJson(['-n', NS, 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=guestbook']).items;
      const ready = slices.flatMap((s: any) => (s.endpoints ?? []).filter((e: any) => e.conditions?.ready).flatMap((e: any) => e.addresses)).sort();
      const pods = readyWebPods().map((p) => p.ip).sort();
      if (JSON.stringify(ready) !== JSON.stringify(pods) || pods.length !== 2) throw new Error(`slices ${ready} vs ready pods ${pods}`);
      return `endpoints ${ready.join(', ')}`;
    });
    const r = await ingressUntil('/readyz', 200, 90);
    return `${detail}; ingress /readyz -> 200 ${r.body.trim()}`;
  });

  await step('config injection: every web pod holds the ConfigMap values and the Secret value, read from a mounted file; no pod has the password in its env', () => {
    const expected = {
      dbHost: configMap.data.DB_HOST, dbPort: configMap.data.DB_PORT, dbName: configMap.data.DB_NAME, dbUser: configMap.data.DB_USER,
      logLevel: configMap.data.LOG_LEVEL, appTitle: configMap.data.APP_TITLE, appEnv: configMap.data.APP_ENV,
      passwordSha256: createHash('sha256').update(PASSWORD).digest('hex'),
    };
    const pods = readyWebPods();
    for (const pod of pods) {
      const r = inClient(EDGE, INGRESS_NS, `wget -q -T 3 -O - http://${pod.ip}:8080/api/config`);
      if (r.status !== 0) throw new Error(`GET /api/config from ${pod.name}: ${r.stderr}`);
      const got = JSON.parse(r.stdout);
      for (const [k, v] of Object.entries(expected)) {
        if (got[k] !== v) throw new Error(`${pod.name}: ${k} = ${JSON.stringify(got[k])}, expected ${JSON.stringify(v)}`);
      }
    }
    // The live pods, as admitted: Secret values only as read-only files, never as env vars.
    // (The app authenticating at all proves PostgreSQL took its password from its file too.)
    const live = getJson(['-n', NS, 'get', 'pods']).items.filter((p: any) => !p.metadata.deletionTimestamp);
    for (const pod of live) {
      for (const c of pod.spec.containers) {
        const secretEnv = (c.env ?? []).filter((e: any) => e.valueFrom?.secretKeyRef || /PASSWORD$/.test(e.name));
        if (secretEnv.length > 0 || (c.envFrom ?? []).some((e: any) => e.secretRef)) throw new Error(`${pod.metadata.name}: Secret in env: ${JSON.stringify(secretEnv)}`);
        const secretVolumes = new Set((pod.spec.volumes ?? []).filter((v: any) => v.secret).map((v: any) => v.name));
        const mounts = (c.volumeMounts ?? []).filter((m: any) => secretVolumes.has(m.name));
        if (mounts.length !== 1 || !mounts[0].readOnly) throw new Error(`${pod.metadata.name}: expected one read-only Secret mount, got ${JSON.stringify(mounts)}`);
      }
    }
    return `${pods.length} web pods report the password's SHA-256; ${live.length} pods read it from a read-only file, none from env`;
  });

  await step('a guestbook entry survives deleting the database pod (same PVC)', async () => {
    const message = `persisted-${Date.now()}`;
    const post = await viaIngress('POST', '/api/entries', JSON.stringify({ name: 'e2e', message }));
    if (post.status !== 201) throw new Error(`POST /api/entries -> ${post.status} ${post.body}`);
    const before = getJson(['-n', NS, 'get', 'pod', 'postgres-0']);
    const volumeBefore = getJson(['-n', NS, 'get', 'pvc', 'data-postgres-0']).spec.volumeName;
    kubectl(['-n', NS, 'delete', 'pod', 'postgres-0', '--wait=true', '--timeout=120s'], { timeoutSeconds: 130 });
    await retry('postgres-0 to be recreated', 60, 1, () => {
      const p = getJson(['-n', NS, 'get', 'pod', 'postgres-0']);
      return p.metadata.uid !== before.metadata.uid ? true : undefined;
    });
    kubectl(['-n', NS, 'wait', '--for=condition=Ready', 'pod/postgres-0', '--timeout=180s'], { timeoutSeconds: 190 });
    const volumeAfter = getJson(['-n', NS, 'get', 'pvc', 'data-postgres-0']).spec.volumeName;
    if (volumeAfter !== volumeBefore) throw new Error(`PVC volume changed: ${volumeBefore} -> ${volumeAfter}`);
    const list = await ingressUntil('/api/entries', 200, 90);
    if (!list.body.includes(message)) throw new Error(`entry ${message} missing after restart: ${list.body.slice(0, 300)}`);
    waitRollout('deployment', 'guestbook', 120);
    return `entry found; volume ${volumeAfter}`;
  });

  await step('deleting a web pod while a bounded request loop runs through the Service: zero failed requests', async () => {
    const pods = readyWebPods();
    const loop = startRequestLoop(150);
    await sleep(3);
    kubectl(['-n', NS, 'delete', 'pod', pods[0].name, '--wait=false']);
    const { ok, failed } = await loop;
    waitRollout('deployment', 'guestbook', 120);
    if (failed !== 0 || ok !== 150) throw new Error(`${ok} ok, ${failed} failed`);
    return `${ok} requests, 0 failed; deleted ${pods[0].name}`;
  });

  await step('a ConfigMap change, re-synthesized and re-applied, rolls the web pods with zero failed requests', async () => {
    const oldHashes = new Set(readyWebPods().map((p) => p.hash));
    const title = CHANGED_TITLE;
    const changed = synth(path.join(work, 'changed'), ['--set', `dev.web.title=${title}`]);
    const loop = startRequestLoop(400);
    await sleep(2);
    apply(changed);
    waitRollout('deployment', 'guestbook', 180);
    const { ok, failed } = await loop;
    const pods = readyWebPods();
    const newHashes = new Set(pods.map((p) => p.hash));
    if ([...newHashes].some((h) => oldHashes.has(h))) throw new Error(`config-hash did not change: ${[...oldHashes]} -> ${[...newHashes]}`);
    for (const pod of pods) {
      const got = JSON.parse(inClient(EDGE, INGRESS_NS, `wget -q -T 3 -O - http://${pod.ip}:8080/api/config`).stdout);
      if (got.appTitle !== title) throw new Error(`${pod.name} still has title ${got.appTitle}`);
    }
    if (failed !== 0 || ok !== 400) throw new Error(`${ok} ok, ${failed} failed during the rollout`);
    return `hash ${[...oldHashes]} -> ${[...newHashes]}; ${ok} requests, 0 failed`;
  });

  if (settings.webImageNext || settings.dbImageNext) {
    await step(`upgrade to other image tags (web ${settings.webImageNext ?? 'unchanged'}, database ${settings.dbImageNext ?? 'unchanged'}): accepted without Forbidden, rolled out, earlier entries intact`, async () => {
      const message = `before-upgrade-${Date.now()}`;
      const post = await viaIngress('POST', '/api/entries', JSON.stringify({ name: 'e2e', message }));
      if (post.status !== 201) throw new Error(`POST /api/entries -> ${post.status} ${post.body}`);
      const volumeBefore = getJson(['-n', NS, 'get', 'pvc', 'data-postgres-0']).spec.volumeName;
      // Same title as the config change before, so only the images differ.
      const extra = ['--set', `dev.web.title=${CHANGED_TITLE}`];
      if (settings.webImageNext) extra.push('--set', `dev.web.image=${settings.webImageNext}`);
      if (settings.dbImageNext) extra.push('--set', `dev.database.image=${settings.dbImageNext}`);
      const upgraded = synth(path.join(work, 'upgraded'), extra);
      const t0 = Date.now();
      apply(upgraded); // a change to an immutable StatefulSet field fails here with "Forbidden"
      waitRollout('statefulset', 'postgres', 300);
      waitRollout('deployment', 'guestbook', 300);
      timings.upgradeSeconds = (Date.now() - t0) / 1000;
      const dbImage = getJson(['-n', NS, 'get', 'pod', 'postgres-0']).spec.containers[0].image;
      if (settings.dbImageNext && dbImage !== settings.dbImageNext) throw new Error(`postgres-0 runs ${dbImage}, expected ${settings.dbImageNext}`);
      const webImages = [...new Set(getJson(['-n', NS, 'get', 'pods', '-l', WEB_SELECTOR]).items
        .filter((p: any) => !p.metadata.deletionTimestamp).map((p: any) => p.spec.containers[0].image))];
      if (settings.webImageNext && (webImages.length !== 1 || webImages[0] !== settings.webImageNext)) throw new Error(`web pods run ${webImages}, expected ${settings.webImageNext}`);
      const volumeAfter = getJson(['-n', NS, 'get', 'pvc', 'data-postgres-0']).spec.volumeName;
      if (volumeAfter !== volumeBefore) throw new Error(`PVC volume changed: ${volumeBefore} -> ${volumeAfter}`);
      const list = await ingressUntil('/api/entries', 200, 90);
      if (!list.body.includes(message)) throw new Error(`entry ${message} missing after the upgrade: ${list.body.slice(0, 300)}`);
      return `rolled out in ${timings.upgradeSeconds.toFixed(1)}s; postgres-0 ${dbImage}, web ${webImages.join(', ')}; entry intact on ${volumeAfter}`;
    });
  } else {
    log('(upgrade check needs E2E_WEB_IMAGE_NEXT and/or E2E_DB_IMAGE_NEXT: skipped)');
  }

  await step(`NetworkPolicy: ingress -> web, web -> database and DNS from the web pods work; pods in other namespaces no longer reach the web port; DNS goes only to the cluster DNS`, async () => {
    const dbIp = getJson(['-n', NS, 'get', 'pod', 'postgres-0']).status.podIP;
    const listenerIp = getJson(['-n', CLIENT_NS, 'get', 'pod', 'listener']).status.podIP;
    const applied = Date.parse(getJson(['-n', NS, 'get', 'networkpolicy', 'allow-dns-egress']).metadata.creationTimestamp);
    const can = (pod: string, ns: string, target: string) => inClient(pod, ns, `nc -z -w 3 ${target}`).status === 0;
    // ingress -> web: through the ingress controller (a pod in its own namespace).
    const viaIngressOk = await ingressUntil('/readyz', 200, 30);
    // web -> database, and DNS: /readyz runs SELECT 1 against DB_HOST, a cluster DNS name.
    // Every web pod was created after the policies, so each resolved it under allow-dns-egress.
    const web = readyWebPods();
    for (const pod of web) {
      const created = Date.parse(getJson(['-n', NS, 'get', 'pod', pod.name]).metadata.creationTimestamp);
      if (created <= applied) throw new Error(`${pod.name} predates the policies; cannot prove its DNS`);
      const r = inClient(EDGE, INGRESS_NS, `wget -q -T 3 -O - http://${pod.ip}:8080/readyz`);
      if (r.status !== 0) throw new Error(`${pod.name} /readyz from ${INGRESS_NS} failed: ${r.stderr}`);
    }
    // Positive control: the outside client can connect at all (a pod in its own namespace, both ports).
    for (const port of [8080, 53]) {
      if (!can('client', CLIENT_NS, `${listenerIp} ${port}`)) throw new Error(`control: ${CLIENT_NS}/client cannot reach ${CLIENT_NS}/listener:${port}`);
    }
    // Another namespace: neither the web port nor the database.
    for (const pod of web) {
      if (can('client', CLIENT_NS, `${pod.ip} 8080`)) throw new Error(`${CLIENT_NS}/client reached ${pod.name} (${pod.ip}:8080) directly`);
    }
    if (can('client', CLIENT_NS, `${dbIp} 5432`)) throw new Error(`${CLIENT_NS}/client reached ${dbIp}:5432`);
    // Inside the namespace without the web labels: DNS resolves, but port 53 elsewhere,
    // the database and any other address are refused.
    startClient('intruder', NS, { 'app.kubernetes.io/name': 'intruder' });
    try {
      const lookup = inClient('intruder', NS, `nslookup postgres.${NS}.svc.cluster.local`);
      const svcIp = getJson(['-n', NS, 'get', 'service', 'postgres']).spec.clusterIP;
      // Judged by the answer, not the exit status: busybox nslookup also asks for AAAA records.
      if (!lookup.stdout.includes(svcIp)) throw new Error(`DNS from ${NS} failed: ${lookup.stdout}${lookup.stderr}`);
      if (can('intruder', NS, `${listenerIp} 53`)) throw new Error(`${NS}/intruder reached port 53 of a pod that is not the cluster DNS`);
      if (can('intruder', NS, `${listenerIp} 8080`)) throw new Error(`${NS}/intruder reached ${CLIENT_NS}/listener:8080`);
      if (can('intruder', NS, `${dbIp} 5432`)) throw new Error(`an unlabelled pod in ${NS} reached ${dbIp}:5432`);
    } finally {
      kubectlRaw(['-n', NS, 'delete', 'pod', 'intruder', '--wait=false']);
    }
    return `ingress /readyz ${viaIngressOk.status}; ${web.length} new web pods ready via DNS name + db; ${CLIENT_NS}/client -> listener:8080,53 ok, -> web:8080 blocked, -> db blocked; ${NS}/intruder: DNS ok, listener:53 blocked, listener:8080 blocked, db blocked`;
  });

  if (settings.etcdGet) {
    await step('the database password is not stored in plain text in etcd', () => {
      const key = `/registry/secrets/${NS}/guestbook-db-credentials`;
      const r = spawnSync('sh', ['-c', `${settings.etcdGet} "$0"`, key], { encoding: 'latin1', timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
      if (r.status !== 0 || r.stdout.length === 0) throw new Error(`reading ${key} failed: ${r.stderr}`);
      if (r.stdout.includes(PASSWORD) || r.stdout.includes(Buffer.from(PASSWORD).toString('base64'))) throw new Error('password found in etcd data');
      const prefix = /k8s:enc:[a-z0-9]+:v1:[^:]+:/.exec(r.stdout);
      if (!prefix) throw new Error(`value is not encrypted (no k8s:enc: prefix): ${r.stdout.slice(0, 80)}`);
      return `stored as ${prefix[0]}... (${r.stdout.length} bytes)`;
    });
  } else {
    log('(etcd encryption-at-rest check needs E2E_ETCD_GET: skipped on this cluster)');
  }
  finish();
}

main().catch((err) => {
  console.error(err);
  results.push({ step: 'suite', ok: false, detail: String(err) });
  finish();
});
