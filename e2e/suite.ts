/**
 * End-to-end suite: proves the dev environment works on a real cluster.
 *
 * Runs against whatever KUBECONFIG points at (kind, minikube or the local cluster of
 * cluster/). Every wait is bounded; every request goes to 127.0.0.1 (the ingress) or
 * to the cluster's own service and pod addresses (from a client pod).
 *
 * Settings (environment variables):
 *   E2E_WEB_IMAGE        web image to synthesize with        (default: refarch-guestbook:0.1.0)
 *   E2E_DB_IMAGE         database image of the single instance (default: the dev environment's)
 *   E2E_DB_PATRONI_IMAGE database image with Patroni, for the data tier (required unless E2E_DATA_TIER=0)
 *   E2E_WEB_IMAGE_NEXT   another tag of a locally present web image, for the upgrade check
 *   E2E_DB_IMAGE_NEXT    a second build of the database image (both unset: check skipped); with
 *                        the data tier, a second build of the Patroni image
 *   E2E_INGRESS_NAMESPACE namespace of the front door's controller (default: traefik); the
 *                        suite runs its "edge" client pod there, with E2E_INGRESS_POD_LABELS
 *                        (default: app.kubernetes.io/name=traefik), the only pods the web
 *                        pods admit
 *   E2E_SERVICE_TYPES    1 to also prove the web Service as NodePort (every node's address)
 *                        and as LoadBalancer (needs a load-balancer implementation whose pool
 *                        is E2E_LB_RANGE, e.g. 198.19.100.224/28); e2e:kind sets both
 *   E2E_CLIENT_IMAGE     busybox-like image for the client pods (default: busybox:1.36.1)
 *   E2E_INGRESS_ADDR     host:port where the ingress controller listens (default: 127.0.0.1:80)
 *   E2E_ETCD_GET         command that prints the raw etcd value of a key given as its
 *                        argument; enables the etcd encryption check (the local cluster sets it)
 *   E2E_READY_TIMEOUT    seconds allowed for apply-to-all-Ready (default: 300)
 *   E2E_DATA_TIER        0 to apply plain dev (one database pod, no TLS, no backups) and skip
 *                        the data-tier checks; by default plain dev runs first, then dev is
 *                        re-synthesized with 2 Patroni members (the single instance upgraded in
 *                        place), TLS (CA and certificate made here with openssl) and backups
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
import { runDocCommands } from './doc-commands';
import { GATEWAY_ONLY, loadBalancerAddress, migrateToHttpRoute, nodePortReachesEveryNode } from './front-door';
import { Harness, Step } from './harness';
import { getJson, kubectl, kubectlRaw, kubernetesApi, retry, sleep } from './kube';

const ROOT = path.resolve(__dirname, '..');
const NS = 'refarch-dev';
const CLIENT_NS = 'refarch-e2e';
const INGRESS_NS = process.env.E2E_INGRESS_NAMESPACE ?? 'traefik';
const INGRESS_POD_LABELS = Object.fromEntries((process.env.E2E_INGRESS_POD_LABELS ?? 'app.kubernetes.io/name=traefik').split(',').filter(Boolean).map((kv) => kv.split('=')));
const SERVICE_TYPES = process.env.E2E_SERVICE_TYPES === '1';
const LB_RANGE = process.env.E2E_LB_RANGE;
/** --set arguments of the front door the environment is on; the HTTPRoute's after the migration step. */
let frontDoorSets: string[] = [];
/** The extra --set arguments of the manifest applied last, so a later step changes only what it means to. */
let appliedSets: string[] = [];
/** The client pod in the ingress controller's namespace: the only source the web pods admit. */
const EDGE = 'refarch-e2e-edge';
const HOST = 'refarch.localtest.me';
const WEB_SELECTOR = 'app.kubernetes.io/name=guestbook,app.kubernetes.io/instance=refarch-dev,app.kubernetes.io/component=web';
const CHANGED_TITLE = 'Guestbook (e2e config change)';
const PASSWORD = process.env.E2E_DB_PASSWORD ?? 'e2e-only-password-7f3a';
const REPLICATION_PASSWORD = 'e2e-only-replication-password-5c1d';
const SUPERUSER_PASSWORD = 'e2e-only-superuser-password-9b2e';
const DATA_TIER = process.env.E2E_DATA_TIER !== '0';
const TLS_SECRET = 'postgres-tls';
// The e2e's dev: streaming replication, TLS and backups on (the --set values are JSON).
const DATA_TIER_SETTINGS = DATA_TIER ? [
  '--set', 'dev.database.replicas=2',
  '--set', `dev.credentials.replicationPassword=${REPLICATION_PASSWORD}`,
  '--set', `dev.credentials.superuserPassword=${SUPERUSER_PASSWORD}`,
  '--set', `dev.database.tls={"secretName":"${TLS_SECRET}"}`,
  '--set', 'dev.database.backup={"keep":2}',
] : [];
const settings = {
  webImage: process.env.E2E_WEB_IMAGE ?? 'refarch-guestbook:0.1.0',
  dbImage: process.env.E2E_DB_IMAGE,
  dbPatroniImage: process.env.E2E_DB_PATRONI_IMAGE,
  webImageNext: process.env.E2E_WEB_IMAGE_NEXT || undefined,
  dbImageNext: process.env.E2E_DB_IMAGE_NEXT || undefined,
  clientImage: process.env.E2E_CLIENT_IMAGE ?? 'busybox:1.36.1',
  ingressAddr: process.env.E2E_INGRESS_ADDR ?? '127.0.0.1:80',
  etcdGet: process.env.E2E_ETCD_GET,
  readyTimeout: Number(process.env.E2E_READY_TIMEOUT ?? 300),
};
// Why an optional step does not run in this configuration (undefined: it runs). Decided
// before any step runs, so the plan the suite prints is the whole run.
const SKIP_DATA_TIER = DATA_TIER ? undefined : 'E2E_DATA_TIER=0 (plain dev: one database pod, no TLS, no backups)';
const SKIP_UPGRADE = settings.webImageNext || settings.dbImageNext ? undefined : 'needs E2E_WEB_IMAGE_NEXT and/or E2E_DB_IMAGE_NEXT';
const SKIP_SERVICE_TYPES = SERVICE_TYPES ? undefined : 'needs E2E_SERVICE_TYPES=1 and a load-balancer implementation (E2E_LB_RANGE)';
const SKIP_ETCD = settings.etcdGet ? undefined : 'needs E2E_ETCD_GET (a command that prints the raw etcd value of a key)';

const harness = new Harness({ label: 'e2e', diagnose, cleanup, reportFile: process.env.E2E_REPORT });
const { timings } = harness;
const log = (msg: string): void => harness.log(msg);
/** The suite's steps, declared in order by main() before any runs (Harness.run). */
const steps: Step[] = [];
const step = (title: string, run: Step['run'], opts: { skip?: string; fatal?: boolean } = {}): void => { steps.push({ title, run, ...opts }); };

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

function cleanup(): void {
  log('cleanup: deleting the e2e namespaces');
  kubectlRaw(['-n', INGRESS_NS, 'delete', 'pod', EDGE, '--ignore-not-found', '--wait=false']);
  kubectlRaw(['delete', 'namespace', NS, CLIENT_NS, '--ignore-not-found', '--wait=true', '--timeout=120s'], { timeoutSeconds: 150 });
}

/** Synthesizes dev with the suite's image overrides; returns the manifest path. */
function synth(outdir: string, extra: string[] = [], plain = false): string {
  const args = ['--import', 'tsx', 'scripts/synth.ts', '--env', 'dev', '--out', outdir, '--set', `dev.web.image=${settings.webImage}`];
  if (DATA_TIER && !plain) {
    if (!settings.dbPatroniImage) throw new Error('E2E_DB_PATRONI_IMAGE must name the Patroni image (or E2E_DATA_TIER=0)');
    args.push(...DATA_TIER_SETTINGS, '--set', `dev.database.image=${settings.dbPatroniImage}`, '--set', `dev.database.kubernetesApi=${JSON.stringify(kubernetesApi())}`);
  } else if (settings.dbImage) {
    args.push('--set', `dev.database.image=${settings.dbImage}`);
  }
  args.push(...frontDoorSets, ...extra); // later --set assignments win
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
function viaIngress(method: string, urlPath: string, body?: string): Promise<{ status: number; body: string; version?: string }> {
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
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data, version: res.headers['x-app-version'] as string | undefined }));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out after 5s')));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

async function ingressUntil(urlPath: string, want: number, timeoutSeconds: number): Promise<{ status: number; body: string; version?: string }> {
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

/**
 * A CA and a server certificate for the database, made with openssl as a user would,
 * stored as the kubernetes.io/tls Secret (plus ca.crt) the database reads.
 */
function createTlsSecret(work: string): string {
  const dir = path.join(work, 'tls');
  fs.mkdirSync(dir);
  // Plus every member's own name, by which the Patroni members clone and stream from each other.
  const names = [...['postgres', 'postgres-read'].flatMap((n) => [n, `${n}.${NS}`, `${n}.${NS}.svc`, `${n}.${NS}.svc.cluster.local`]), `*.postgres-headless.${NS}.svc.cluster.local`];
  fs.writeFileSync(path.join(dir, 'san.ext'), `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\n`);
  const openssl = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}${r.error?.message ?? ''}`);
  };
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=refarch e2e CA', '-keyout', 'ca.key', '-out', 'ca.crt']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=postgres.${NS}.svc.cluster.local`, '-keyout', 'tls.key', '-out', 'tls.csr']);
  openssl(['x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'san.ext', '-out', 'tls.crt']);
  const secret = kubectl(['-n', NS, 'create', 'secret', 'generic', TLS_SECRET, '--type=kubernetes.io/tls',
    ...['tls.crt', 'tls.key', 'ca.crt'].map((f) => `--from-file=${f}=${path.join(dir, f)}`), '--dry-run=client', '-o', 'json']);
  kubectl(['apply', '-f', '-'], { input: secret });
  return `${names.length} names in the certificate`;
}

/**
 * A pod with psql that has the backup pods' labels, so the NetworkPolicies let it reach
 * the primary and the standbys (and nothing else) the way the backup Job does.
 */
function startPsqlClient(labels: Record<string, string>, image: string): void {
  kubectl(['apply', '-f', '-'], { input: JSON.stringify({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'psql-client', namespace: NS, labels: { ...labels, 'app.kubernetes.io/component': 'e2e-client' } },
    spec: {
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 1,
      securityContext: { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{
        name: 'psql', image, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'],
        env: [{ name: 'PGPASSWORD', value: PASSWORD }, { name: 'PGCONNECT_TIMEOUT', value: '5' }],
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
        resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
        volumeMounts: [{ name: 'ca', mountPath: '/etc/e2e-ca', readOnly: true }, { name: 'tmp', mountPath: '/tmp' }],
      }],
      volumes: [
        { name: 'ca', secret: { secretName: TLS_SECRET, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { name: 'tmp', emptyDir: { sizeLimit: '16Mi' } },
      ],
    },
  }) });
  kubectl(['-n', NS, 'wait', '--for=condition=Ready', 'pod/psql-client', '--timeout=120s'], { timeoutSeconds: 130 });
}

/** The web pods that are not being deleted. */
function liveWebPods(): any[] {
  return getJson(['-n', NS, 'get', 'pods', '-l', WEB_SELECTOR]).items.filter((p: any) => !p.metadata.deletionTimestamp);
}

/** The image a pod's first container runs, by digest (the kubelet's imageID), e.g. sha256:ab12... */
function imageDigest(pod: any): string {
  const id: string | undefined = pod.status?.containerStatuses?.[0]?.imageID;
  const m = id ? /sha256:[0-9a-f]{64}/.exec(id) : null;
  if (!m) throw new Error(`${pod.metadata.name}: no image digest in its status (imageID ${id})`);
  return m[0];
}

/** psql from the client pod through a Service (postgres or postgres-read), TLS verify-full. */
function psql(service: string, sql: string, sslmode = 'verify-full') {
  const conn = `host=${service}.${NS}.svc.cluster.local port=5432 dbname=guestbook user=guestbook sslmode=${sslmode} sslrootcert=/etc/e2e-ca/ca.crt`;
  return kubectlRaw(['-n', NS, 'exec', 'psql-client', '--', 'psql', conn, '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', sql], { timeoutSeconds: 30 });
}

function psqlValue(service: string, sql: string): string {
  const r = psql(service, sql);
  if (r.status !== 0) throw new Error(`psql via ${service}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** On the primary: "<standbys> <all streaming with replay = current WAL position>". */
const REPLICATION_STATE = "SELECT count(*) || ' ' || coalesce(bool_and(state = 'streaming' AND replay_lsn = pg_current_wal_lsn()), false) FROM pg_stat_replication";

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-e2e-'));
  log(`cluster: ${kubectl(['config', 'current-context']).trim()} (${JSON.parse(kubectl(['version', '-o', 'json'])).serverVersion.gitVersion})`);
  log(`web image ${settings.webImage}, db image ${settings.dbImage ?? '(dev default)'}, client image ${settings.clientImage}, ingress ${settings.ingressAddr}`);
  const manifest = synth(path.join(work, 'dist'));
  const objects = parseAllDocuments(fs.readFileSync(manifest, 'utf8')).map((d) => d.toJS());
  const configMap = objects.find((o) => o.kind === 'ConfigMap');
  let upgradedEntry = '';

  step('first, dev as committed: a single instance of the official image contract, which takes an entry (to be upgraded in place next)', async () => {
    const plain = synth(path.join(work, 'plain'), [], true);
    const t0 = Date.now();
    apply(plain);
    waitRollout('statefulset', 'postgres', settings.readyTimeout);
    waitRollout('deployment', 'guestbook', settings.readyTimeout);
    upgradedEntry = `single-instance-${Date.now()}`;
    const post = await retry('an entry accepted by the single instance', 90, 2, async () => {
      const r = await viaIngress('POST', '/api/entries', JSON.stringify({ name: 'e2e', message: upgradedEntry }));
      return r.status === 201 ? r : undefined;
    });
    timings.singleInstanceReadySeconds = (Date.now() - t0) / 1000;
    return `postgres-0 (${getJson(['-n', NS, 'get', 'pod', 'postgres-0']).spec.containers[0].image}) Ready; entry ${JSON.parse(post.body).id} stored`;
  }, { fatal: true, skip: SKIP_DATA_TIER });

  step('dist/ applies with strict server-side validation and no warnings; the namespace enforces restricted', () => {
    const t0 = Date.now();
    if (DATA_TIER) {
      // The namespace first, then the database's TLS Secret, so no pod waits for its volume.
      kubectl(['apply', '--server-side', '--field-manager=refarch-e2e', '-f', '-'], { input: JSON.stringify(objects.find((o) => o.kind === 'Namespace')) });
      log(`   TLS Secret ${TLS_SECRET}: ${createTlsSecret(work)}`);
      // The upgrade of the single instance to Patroni, as docs/data-tier.md says: first its
      // commands (the selector-made Endpoints of Service postgres go), then the apply.
      runDocCommands('### Upgrading a single instance to Patroni', path.join(work, 'upgrade'), 'docs/data-tier.md', NS);
      log('   ran the commands of docs/data-tier.md, "Upgrading a single instance to Patroni" (Service and Endpoints postgres deleted)');
    }
    apply(manifest);
    timings.applySeconds = (Date.now() - t0) / 1000;
    const labels = getJson(['get', 'namespace', NS]).metadata.labels;
    if (labels['pod-security.kubernetes.io/enforce'] !== 'restricted') throw new Error(`namespace labels: ${JSON.stringify(labels)}`);
    return `${objects.length} objects`;
  }, { fatal: true });

  step(`the web Deployment and database StatefulSet roll out to Ready within ${settings.readyTimeout}s; PVCs are Bound; every pod was admitted`, () => {
    const t0 = Date.now();
    waitRollout('statefulset', 'postgres', settings.readyTimeout);
    const remaining = Math.max(30, settings.readyTimeout - (Date.now() - t0) / 1000);
    waitRollout('deployment', 'guestbook', Math.round(remaining));
    timings.applyToAllReadySeconds = (Date.now() - t0) / 1000 + (timings.applySeconds ?? 0);
    // The database's claims; the backup claim binds at the first backup (WaitForFirstConsumer).
    const pvcs = getJson(['-n', NS, 'get', 'pvc']).items.filter((p: any) => p.metadata.name.startsWith('data-'));
    const unbound = pvcs.filter((p: any) => p.status.phase !== 'Bound');
    if (pvcs.length === 0 || unbound.length > 0) throw new Error(`PVCs not Bound: ${pvcs.map((p: any) => `${p.metadata.name}=${p.status.phase}`).join(', ')}`);
    const forbidden = getJson(['-n', NS, 'get', 'events', '--field-selector', 'reason=FailedCreate']).items;
    if (forbidden.length > 0) throw new Error(`pods were refused: ${forbidden.map((e: any) => e.message).join('; ')}`);
    return `all Ready ${timings.applyToAllReadySeconds.toFixed(1)}s after apply; PVCs ${pvcs.map((p: any) => p.metadata.name).join(', ')} Bound`;
  }, { fatal: true });

  step('client pods for in-cluster requests start (restricted pod security)', () => {
    kubectl(['apply', '-f', '-'], { input: JSON.stringify({
      apiVersion: 'v1', kind: 'Namespace',
      metadata: { name: CLIENT_NS, labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'app.kubernetes.io/part-of': 'refarch-e2e' } },
    }) });
    startClient('client', CLIENT_NS);
    startClient('listener', CLIENT_NS, { 'app.kubernetes.io/name': 'listener' }, true);
    // The web pods admit only the ingress controller's namespace: in-cluster requests to them come from there.
    startClient(EDGE, INGRESS_NS, INGRESS_POD_LABELS);
  }, { fatal: true });

  step('the web Service\'s EndpointSlices list exactly the ready web pods; the Ingress routes the dev host to the app (200)', async () => {
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

  step('the running environment switches from its Ingress to a Gateway API HTTPRoute (both, then the HTTPRoute alone) while a bounded request loop runs through the front door: zero failed requests', async () => {
    const t0 = Date.now();
    const detail = await migrateToHttpRoute({
      namespace: NS, name: 'guestbook', host: HOST, frontDoor: settings.ingressAddr, workDir: work, log,
      synth: (dir, extra) => synth(dir, extra), apply: (file) => { apply(file); },
    });
    // From here on the suite runs through the HTTPRoute.
    frontDoorSets = GATEWAY_ONLY;
    timings.ingressToHttpRouteSeconds = (Date.now() - t0) / 1000;
    return detail;
  }, { fatal: true });

  step('config injection: every web pod holds the ConfigMap values and the Secret value, read from a mounted file; no pod has the password in its env', () => {
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
    // (The suite's own psql-client pod is test equipment, not part of the architecture.)
    const live = getJson(['-n', NS, 'get', 'pods']).items
      .filter((p: any) => !p.metadata.deletionTimestamp && p.metadata.labels?.['app.kubernetes.io/component'] !== 'e2e-client');
    for (const pod of live) {
      for (const c of pod.spec.containers) {
        const secretEnv = (c.env ?? []).filter((e: any) => e.valueFrom?.secretKeyRef || /PASSWORD$/.test(e.name));
        if (secretEnv.length > 0 || (c.envFrom ?? []).some((e: any) => e.secretRef)) throw new Error(`${pod.metadata.name}: Secret in env: ${JSON.stringify(secretEnv)}`);
        const secretOf = new Map((pod.spec.volumes ?? []).filter((v: any) => v.secret).map((v: any) => [v.name, v.secret.secretName]));
        const mounts = (c.volumeMounts ?? []).filter((m: any) => secretOf.has(m.name));
        // One mount of the credentials Secret; with the data tier also the replication password
        // (database pods) and the TLS Secret or its CA: every one read-only.
        const credentialMounts = mounts.filter((m: any) => secretOf.get(m.name) === 'guestbook-db-credentials');
        const wantCredentialMounts = 1;
        if (credentialMounts.length !== wantCredentialMounts || mounts.some((m: any) => !m.readOnly)) {
          throw new Error(`${pod.metadata.name}: expected ${wantCredentialMounts} read-only mount(s) of the credentials Secret and only read-only Secret mounts, got ${JSON.stringify(mounts)}`);
        }
      }
    }
    return `${pods.length} web pods report the password's SHA-256; ${live.length} pods read it from a read-only file, none from env`;
  });

  step('a guestbook entry survives deleting the database pod (same PVC)', async () => {
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

  step('data tier: the single instance was upgraded in place: its entry is there, served by the Patroni leader, and the new member cloned it', async () => {
    const list = await ingressUntil('/api/entries', 200, 90);
    if (!list.body.includes(upgradedEntry)) throw new Error(`the single instance's entry ${upgradedEntry} is missing: ${list.body.slice(0, 300)}`);
    const roles = getJson(['-n', NS, 'get', 'pods', '-l', 'app.kubernetes.io/component=database']).items
      .map((p: any) => `${p.metadata.name}=${p.metadata.labels['refarch.example.com/role']}`).sort();
    if (roles.length !== 2 || !roles.some((r: string) => r.endsWith('=primary')) || !roles.some((r: string) => r.endsWith('=replica'))) throw new Error(`roles: ${roles}`);
    return `entry ${upgradedEntry} served; ${roles.join(', ')}`;
  }, { skip: SKIP_DATA_TIER });

  step('data tier: after the primary was recreated, the standby resumes streaming (replication lag back to 0)', async () => {
    const t0 = Date.now();
    const cron = objects.find((o) => o.kind === 'CronJob' && o.metadata.name === 'postgres-backup');
    const podLabels = cron.spec.jobTemplate.spec.template.metadata.labels;
    const dbImage = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'postgres').spec.template.spec.containers[0].image;
    startPsqlClient({ 'app.kubernetes.io/name': podLabels['app.kubernetes.io/name'], 'app.kubernetes.io/instance': podLabels['app.kubernetes.io/instance'] }, dbImage);
    // A write, so "caught up" means the standby replayed something after the restart. Retried
    // (bounded): a fresh connection to the `postgres` Service was once refused right after the
    // previous step's pod deletion, while the Service's endpoints followed the leader lock
    // (a CI run of 2026-12-07); how long the first write took is reported.
    const leaderWrite = await retry('the leader behind `postgres` to take a write', 30, 1, () => psqlValue('postgres', 'SELECT txid_current()'));
    const firstWriteSeconds = (Date.now() - t0) / 1000;
    await retry('the standby to stream with zero lag', 90, 1, () => {
      const v = psqlValue('postgres', REPLICATION_STATE);
      if (v !== '1 true') throw new Error(`pg_stat_replication: ${v} (want "1 true")`);
      return v;
    });
    timings.standbyResumeSeconds = (Date.now() - t0) / 1000;
    return `first write (txid ${leaderWrite}) through postgres after ${firstWriteSeconds.toFixed(1)}s; pg_stat_replication: 1 standby streaming, replay = current WAL position (${timings.standbyResumeSeconds.toFixed(1)}s)`;
  }, { skip: SKIP_DATA_TIER });

  step('deleting a web pod while a bounded request loop runs through the Service: zero failed requests', async () => {
    const pods = readyWebPods();
    const loop = startRequestLoop(150);
    await sleep(3);
    kubectl(['-n', NS, 'delete', 'pod', pods[0].name, '--wait=false']);
    const { ok, failed } = await loop;
    waitRollout('deployment', 'guestbook', 120);
    if (failed !== 0 || ok !== 150) throw new Error(`${ok} ok, ${failed} failed`);
    return `${ok} requests, 0 failed; deleted ${pods[0].name}`;
  });

  step('a ConfigMap change, re-synthesized and re-applied, rolls the web pods with zero failed requests', async () => {
    const oldHashes = new Set(readyWebPods().map((p) => p.hash));
    const title = CHANGED_TITLE;
    appliedSets = ['--set', `dev.web.title=${title}`];
    const changed = synth(path.join(work, 'changed'), appliedSets);
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

  step(`upgrade to other builds (web ${settings.webImageNext ?? 'unchanged'}, database ${settings.dbImageNext ?? 'unchanged'}): accepted without Forbidden, rolled out, each pod on a different image digest than before, the web pods serving the new build's version, earlier entries intact`, async () => {
    const message = `before-upgrade-${Date.now()}`;
    const post = await viaIngress('POST', '/api/entries', JSON.stringify({ name: 'e2e', message }));
    if (post.status !== 201) throw new Error(`POST /api/entries -> ${post.status} ${post.body}`);
    const versionBefore = post.version;
    const volumeBefore = getJson(['-n', NS, 'get', 'pvc', 'data-postgres-0']).spec.volumeName;
    // What the pods run now, by digest: a second tag of the same image would upgrade nothing.
    const dbDigestBefore = imageDigest(getJson(['-n', NS, 'get', 'pod', 'postgres-0']));
    const webDigestsBefore = new Set(liveWebPods().map(imageDigest));
    // Same title as the config change before, so only the images differ.
    const extra = ['--set', `dev.web.title=${CHANGED_TITLE}`];
    if (settings.webImageNext) extra.push('--set', `dev.web.image=${settings.webImageNext}`);
    if (settings.dbImageNext) extra.push('--set', `dev.database.image=${settings.dbImageNext}`);
    appliedSets = extra;
    const upgraded = synth(path.join(work, 'upgraded'), extra);
    const t0 = Date.now();
    apply(upgraded); // a change to an immutable StatefulSet field fails here with "Forbidden"
    waitRollout('statefulset', 'postgres', 300); // ready = leader, or a replica streaming again
    waitRollout('deployment', 'guestbook', 300);
    timings.upgradeSeconds = (Date.now() - t0) / 1000;
    const db = getJson(['-n', NS, 'get', 'pod', 'postgres-0']);
    const dbImage = db.spec.containers[0].image;
    const done: string[] = [];
    if (settings.dbImageNext) {
      if (dbImage !== settings.dbImageNext) throw new Error(`postgres-0 runs ${dbImage}, expected ${settings.dbImageNext}`);
      const after = imageDigest(db);
      if (after === dbDigestBefore) throw new Error(`E2E_DB_IMAGE_NEXT ${settings.dbImageNext} is the same image as before (${after}): the upgrade must cross two builds`);
      done.push(`postgres-0 ${dbDigestBefore} -> ${after}`);
    }
    const web = liveWebPods();
    const webImages = [...new Set(web.map((p: any) => p.spec.containers[0].image))];
    if (settings.webImageNext) {
      if (webImages.length !== 1 || webImages[0] !== settings.webImageNext) throw new Error(`web pods run ${webImages}, expected ${settings.webImageNext}`);
      const same = web.map(imageDigest).filter((d: string) => webDigestsBefore.has(d));
      if (same.length > 0) throw new Error(`E2E_WEB_IMAGE_NEXT ${settings.webImageNext} is the same image as before (${same[0]}): the upgrade must cross two builds`);
      done.push(`web ${[...webDigestsBefore].join(', ')} -> ${[...new Set(web.map(imageDigest))].join(', ')}`);
    }
    const volumeAfter = getJson(['-n', NS, 'get', 'pvc', 'data-postgres-0']).spec.volumeName;
    if (volumeAfter !== volumeBefore) throw new Error(`PVC volume changed: ${volumeBefore} -> ${volumeAfter}`);
    const list = await ingressUntil('/api/entries', 200, 90);
    if (!list.body.includes(message)) throw new Error(`entry ${message} missing after the upgrade: ${list.body.slice(0, 300)}`);
    let versionAfter = versionBefore;
    if (settings.webImageNext) {
      // The old pods answer until their shutdown delay ends: wait (bounded) until the
      // Ingress serves the new build only, 10 responses in a row.
      let last = '';
      versionAfter = await retry('the Ingress to serve only the new build (X-App-Version)', 60, 1, async () => {
        const seen: string[] = [];
        for (let i = 0; i < 10; i++) seen.push(String((await viaIngress('GET', '/readyz')).version));
        last = seen.join(', ');
        return seen.every((v) => v === seen[0] && v !== 'undefined' && v !== versionBefore) ? seen[0] : undefined;
      }).catch(() => { throw new Error(`the Ingress still serves the old build after 60 s (X-App-Version of 10 responses: ${last}; before: ${versionBefore})`); });
    }
    return `rolled out in ${timings.upgradeSeconds.toFixed(1)}s; ${done.join('; ')}; app version ${versionBefore} -> ${versionAfter}; entry intact on ${volumeAfter}`;
  }, { skip: SKIP_UPGRADE });

  step(`NetworkPolicy: ingress -> web, web -> database and DNS from the web pods work; pods in other namespaces no longer reach the web port; DNS goes only to the cluster DNS`, async () => {
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

  step('data tier: a row written through the app is on postgres-read within 5 s; a write through postgres-read is refused', async () => {
    const message = `replicated-${Date.now()}`;
    const post = await viaIngress('POST', '/api/entries', JSON.stringify({ name: 'e2e', message }));
    if (post.status !== 201) throw new Error(`POST /api/entries -> ${post.status} ${post.body}`);
    const t0 = Date.now();
    let seen = '';
    while (Date.now() - t0 < 5000) {
      seen = psqlValue('postgres-read', `SELECT count(*) FROM entries WHERE message = '${message}'`);
      if (seen === '1') break;
      await sleep(0.2);
    }
    const lagMs = Date.now() - t0;
    if (seen !== '1') throw new Error(`entry ${message} not on postgres-read after 5 s (count ${seen})`);
    timings.readYourWriteOnStandbyMs = lagMs;
    const write = psql('postgres-read', "INSERT INTO entries (name, message) VALUES ('e2e', 'must be refused')");
    if (write.status === 0 || !/read-only transaction/.test(write.stderr)) throw new Error(`write through postgres-read: status ${write.status}: ${write.stderr}${write.stdout}`);
    const inRecovery = psqlValue('postgres-read', 'SELECT pg_is_in_recovery()');
    if (inRecovery !== 't') throw new Error(`postgres-read answered from a server not in recovery (${inRecovery})`);
    return `seen on the standby after ${lagMs} ms; write refused: ${write.stderr.trim().split('\n')[0]}`;
  }, { skip: SKIP_DATA_TIER });

  step('data tier: TLS: pg_stat_ssl shows every app and replication connection encrypted; a plain-text connection is refused', async () => {
    await ingressUntil('/api/entries', 200, 30); // the app holds at least one connection
    const rows = psqlValue('postgres', "SELECT a.backend_type || ':' || coalesce(a.application_name, '') || ':' || s.ssl || ':' || coalesce(s.version, '') FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.backend_type = 'walsender' OR a.application_name = 'guestbook' ORDER BY 1")
      .split('\n').filter((l) => l.length > 0);
    const app = rows.filter((r) => r.startsWith('client backend:guestbook:'));
    const replication = rows.filter((r) => r.startsWith('walsender:'));
    if (app.length === 0 || replication.length !== 1) throw new Error(`want >= 1 app and 1 replication connection, got: ${rows.join(', ')}`);
    const plain = rows.filter((r) => !/:true:TLS/.test(r));
    if (plain.length > 0) throw new Error(`unencrypted connections: ${plain.join(', ')}`);
    const r = psql('postgres', 'SELECT 1', 'disable');
    if (r.status === 0 || !/no encryption|pg_hba\.conf rejects/.test(r.stderr)) throw new Error(`a plain-text connection was not refused: ${r.stderr}${r.stdout}`);
    return `${app.length} app + ${replication.length} replication connection(s), all ${app[0].split(':')[3]}; plain text refused`;
  }, { skip: SKIP_DATA_TIER });

  step('data tier: deleting the replica\'s pod never interrupts writes through the app (bounded loop, zero failures)', async () => {
    const t0 = Date.now();
    const replica = getJson(['-n', NS, 'get', 'pods', '-l', 'refarch.example.com/role=replica']).items[0]?.metadata.name;
    if (!replica) throw new Error('no pod is labelled refarch.example.com/role=replica');
    const marker = `standby-delete-${Date.now()}`;
    const count = 60;
    let failed = 0;
    const failures: string[] = [];
    const writes = (async () => {
      for (let i = 0; i < count; i++) {
        try {
          const r = await viaIngress('POST', '/api/entries', JSON.stringify({ name: 'e2e', message: `${marker}-${i}` }));
          if (r.status !== 201) { failed++; failures.push(`HTTP ${r.status}`); }
        } catch (err) { failed++; failures.push((err as Error).message); }
        await sleep(0.1);
      }
    })();
    await sleep(1);
    kubectl(['-n', NS, 'delete', 'pod', replica, '--wait=false']);
    await writes;
    if (failed !== 0) throw new Error(`${failed} of ${count} writes failed: ${failures.slice(0, 5).join('; ')}`);
    await retry(`${replica} to be Ready again`, 120, 1, () => {
      const p = getJson(['-n', NS, 'get', 'pod', replica]);
      return !p.metadata.deletionTimestamp && (p.status.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
    });
    const onStandby = await retry('every write to reach the recreated standby', 30, 1, () => {
      const n = psqlValue('postgres-read', `SELECT count(*) FROM entries WHERE message LIKE '${marker}-%'`);
      return n === String(count) ? n : undefined;
    });
    timings.standbyDeleteSeconds = (Date.now() - t0) / 1000;
    return `${count} writes, 0 failed while ${replica} was deleted; the recreated replica has all ${onStandby}`;
  }, { skip: SKIP_DATA_TIER });

  step('data tier: backup now (Job from the CronJob), drop the table, restore with scripts/restore-database.sh: the entries are back', async () => {
    const t0 = Date.now();
    const marker = `backed-up-${Date.now()}`;
    for (let i = 0; i < 3; i++) {
      const r = await viaIngress('POST', '/api/entries', JSON.stringify({ name: 'e2e', message: `${marker}-${i}` }));
      if (r.status !== 201) throw new Error(`POST /api/entries -> ${r.status} ${r.body}`);
    }
    // The backup reads from the standby through postgres-read: wait until the standby
    // recreated by the previous step is Ready (an endpoint of the Service) and has the entries.
    waitRollout('statefulset', 'postgres', 120);
    await retry('the entries on the standby', 10, 0.5, () => (psqlValue('postgres-read', `SELECT count(*) FROM entries WHERE message LIKE '${marker}-%'`) === '3' ? true : undefined));
    const job = `e2e-backup-${Date.now()}`;
    kubectl(['-n', NS, 'create', 'job', job, '--from=cronjob/postgres-backup']);
    const done = kubectlRaw(['-n', NS, 'wait', '--for=condition=complete', `job/${job}`, '--timeout=120s'], { timeoutSeconds: 130 });
    const logs = kubectlRaw(['-n', NS, 'logs', `job/${job}`]).stdout;
    if (done.status !== 0) throw new Error(`backup Job ${job} did not complete: ${done.stderr}\n${logs}`);
    const dump = /backup: done: (\S+\.dump)/.exec(logs)?.[1];
    if (!dump) throw new Error(`no dump name in the backup log:\n${logs}`);
    const backupSeconds = (Date.now() - t0) / 1000;

    psqlValue('postgres', 'DROP TABLE entries');
    const gone = await viaIngress('GET', '/api/entries');
    if (gone.status === 200 && gone.body.includes(marker)) throw new Error('the entries are still served after DROP TABLE');

    const restore = spawnSync('bash', ['scripts/restore-database.sh', NS, dump], {
      cwd: ROOT, encoding: 'utf8', timeout: 200_000, env: { ...process.env, RESTORE_TIMEOUT: '150' },
    });
    if (restore.status !== 0) throw new Error(`restore-database.sh failed (${restore.status}):\n${restore.stdout}${restore.stderr}`);
    if (!/: OK$/m.test(restore.stdout)) throw new Error(`the restore log shows no checksum check:\n${restore.stdout}`);
    const back = await retry('the entries to be served again', 30, 1, async () => {
      const r = await viaIngress('GET', '/api/entries');
      return r.status === 200 && [0, 1, 2].every((i) => r.body.includes(`${marker}-${i}`)) ? r : undefined;
    });
    timings.backupRestoreSeconds = (Date.now() - t0) / 1000;
    return `dump ${dump} in ${backupSeconds.toFixed(1)}s; table dropped (GET -> ${gone.status}); restored, 3 entries back (HTTP ${back.status}) after ${timings.backupRestoreSeconds.toFixed(1)}s in all`;
  }, { skip: SKIP_DATA_TIER });

  step('NodePort: a request to every node\'s address at the node port reaches the app, also on a node without a web pod; the node port is this Service\'s alone', async () => {
    // Only the Service's type (and the web port's policy, which NodePort opens to the nodes) changes.
    apply(synth(path.join(work, 'nodeport'), [...appliedSets, '--set', 'dev.web.serviceType=NodePort']));
    return nodePortReachesEveryNode({ namespace: NS, service: 'guestbook', selector: WEB_SELECTOR, host: HOST, otherNamespace: CLIENT_NS });
  }, { skip: SKIP_SERVICE_TYPES });
  step(`LoadBalancer: an external address from the load balancer's pool (${LB_RANGE ?? 'E2E_LB_RANGE unset'}) reaches the app; a second LoadBalancer Service gets another address`, async () => {
    if (!LB_RANGE) throw new Error('E2E_SERVICE_TYPES=1 needs E2E_LB_RANGE, the load balancer\'s address pool (CIDR)');
    apply(synth(path.join(work, 'loadbalancer'), [...appliedSets, '--set', 'dev.web.serviceType=LoadBalancer']));
    return loadBalancerAddress({ namespace: NS, service: 'guestbook', host: HOST, inRange: (ip) => ipInCidr(ip, LB_RANGE), range: LB_RANGE, otherNamespace: CLIENT_NS });
  }, { skip: SKIP_SERVICE_TYPES });

  step('the database password is not stored in plain text in etcd', () => {
    const key = `/registry/secrets/${NS}/guestbook-db-credentials`;
    const r = spawnSync('sh', ['-c', `${settings.etcdGet} "$0"`, key], { encoding: 'latin1', timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
    if (r.status !== 0 || r.stdout.length === 0) throw new Error(`reading ${key} failed: ${r.stderr}`);
    if (r.stdout.includes(PASSWORD) || r.stdout.includes(Buffer.from(PASSWORD).toString('base64'))) throw new Error('password found in etcd data');
    const prefix = /k8s:enc:[a-z0-9]+:v1:[^:]+:/.exec(r.stdout);
    if (!prefix) throw new Error(`value is not encrypted (no k8s:enc: prefix): ${r.stdout.slice(0, 80)}`);
    return `stored as ${prefix[0]}... (${r.stdout.length} bytes)`;
  }, { skip: SKIP_ETCD });
  await harness.run(steps);
}

/** Whether an IPv4 address is inside a CIDR. */
function ipInCidr(ip: string, cidr: string): boolean {
  const num = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const [net, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(num(ip) / size) === Math.floor(num(net) / size);
}

main().catch((err) => harness.crashed(err));
