/**
 * End-to-end stage for the external-database mode (`database.mode: external`) on a real
 * cluster: PostgreSQL runs outside it (E2E_EXTERNAL_DB, on kind `e2e/external-db.sh`: a
 * container on the kind docker network with a fixed address, no host port), `dev` is
 * synthesized with the external settings a user would write (the server's DNS name, its
 * CA, sslmode verify-full, egress only to its address and port), and entries are written
 * and read through the Ingress. The server's DNS name is answered by a CoreDNS zone the
 * stage adds for its run: the stand-in for the real DNS record a managed database has.
 *
 * Settings (environment variables):
 *   E2E_EXTERNAL_DB       command managing the server: `start DIR`, `psql SQL`, `try CONNINFO`, `route CIDR VIA...`, `decoy`, `stop`
 *                         (required; e2e/kind.sh sets `bash e2e/external-db.sh`)
 *   E2E_EXTERNAL_DB_IP    the server's address (default 198.19.100.200); E2E_EXTERNAL_DECOY_IP another
 *                         listener on the same port that the web pods must not reach (default 198.19.100.201)
 *   E2E_WEB_IMAGE         web image on the nodes (default refarch-guestbook:0.1.0)
 *   E2E_CLIENT_IMAGE      busybox image on the nodes for the client pod and the egress check
 *   E2E_INGRESS_ADDR      the ingress controller (default 127.0.0.1:80)
 *   E2E_OUTPUT_DIR        CA, certificates, report (default $TMPDIR/refarch-e2e-external)
 *   E2E_KEEP              1 leaves the namespaces, the DNS zone and the server
 */
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { Harness, Step } from './harness';
import { getJson, kubectl, kubectlRaw, retry, sleep } from './kube';

const ROOT = path.resolve(__dirname, '..');
const NS = 'refarch-dev';
const CLIENT_NS = 'refarch-e2e-external';
const HOST = 'refarch.localtest.me';
/** The server's name: `.test` is reserved (RFC 6761), so it can never resolve anywhere else. */
const DB_NAME = 'db.refarch-external.test';
const DNS_ZONE = 'refarch-external.test';
const CA_SECRET = 'external-db-ca';
const OUT = process.env.E2E_OUTPUT_DIR ?? path.join(os.tmpdir(), 'refarch-e2e-external');
const settings = {
  db: process.env.E2E_EXTERNAL_DB ?? '',
  dbIp: process.env.E2E_EXTERNAL_DB_IP ?? '198.19.100.200',
  decoyIp: process.env.E2E_EXTERNAL_DECOY_IP ?? '198.19.100.201',
  webImage: process.env.E2E_WEB_IMAGE ?? 'refarch-guestbook:0.1.0',
  clientImage: process.env.E2E_CLIENT_IMAGE ?? 'busybox:1.36.1',
  ingress: process.env.E2E_INGRESS_ADDR ?? '127.0.0.1:80',
};
const PASSWORD = crypto.randomBytes(18).toString('base64url');

const harness = new Harness({ label: 'e2e:external', diagnose, cleanup, reportFile: path.join(OUT, 'report.json'), closingSuffix: ` (output: ${OUT})` });
const log = (msg: string): void => harness.log(msg);
const steps: Step[] = [];
const step = (title: string, run: Step['run'], opts: { skip?: string; fatal?: boolean } = {}): void => { steps.push({ title, run, ...opts }); };
let corefileBefore: string | undefined;

function diagnose(): void {
  console.log('---- diagnostics ----');
  console.log(kubectlRaw(['-n', NS, 'get', 'pods,svc,networkpolicies', '-o', 'wide']).stdout);
  console.log(kubectlRaw(['-n', NS, 'get', 'events', '--sort-by=.lastTimestamp']).stdout.split('\n').slice(-20).join('\n'));
  for (const p of webPods()) console.log(kubectlRaw(['-n', NS, 'logs', p, '--tail=15']).stdout);
  console.log('---- end of diagnostics ----');
}

function cleanup(): void {
  log('cleanup: namespaces, the DNS zone, the external server');
  kubectlRaw(['delete', 'namespace', NS, CLIENT_NS, '--ignore-not-found', '--wait=true', '--timeout=180s'], { timeoutSeconds: 200 });
  if (corefileBefore !== undefined) setCorefile(corefileBefore);
  if (settings.db) db(['stop'], true);
}

/** Runs the server's command (E2E_EXTERNAL_DB) with arguments; throws on failure unless `soft`. */
function db(args: string[], soft = false): { status: number; out: string } {
  const r = spawnSync('sh', ['-c', `${settings.db} "$@"`, 'external-db', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.status !== 0 && !soft) throw new Error(`${settings.db} ${args.join(' ')} failed (${r.status}): ${out}`);
  return { status: r.status ?? 1, out };
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: env ?? process.env, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}${r.error ?? ''}`);
  return r.stdout;
}

/** A CA and a server certificate for the server's DNS name (openssl), with the password, in OUT/server. */
function makeServerFiles(): string {
  const dir = path.join(OUT, 'server');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const p = (f: string) => path.join(dir, f);
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=refarch e2e external database CA',
    '-keyout', path.join(OUT, 'ca.key'), '-out', p('ca.crt'), '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${DB_NAME}`, '-keyout', p('server.key'), '-out', path.join(OUT, 'server.csr')]);
  fs.writeFileSync(path.join(OUT, 'ext.cnf'), `subjectAltName=DNS:${DB_NAME}\nextendedKeyUsage=serverAuth\n`);
  run('openssl', ['x509', '-req', '-in', path.join(OUT, 'server.csr'), '-CA', p('ca.crt'), '-CAkey', path.join(OUT, 'ca.key'), '-CAcreateserial',
    '-days', '2', '-extfile', path.join(OUT, 'ext.cnf'), '-out', p('server.crt')]);
  fs.writeFileSync(p('password'), PASSWORD, { mode: 0o600 });
  return dir;
}

function getCorefile(): string { return getJson(['-n', 'kube-system', 'get', 'configmap', 'coredns']).data.Corefile; }
function setCorefile(corefile: string): void {
  kubectl(['-n', 'kube-system', 'patch', 'configmap', 'coredns', '--type=merge', '-p', JSON.stringify({ data: { Corefile: corefile } })]);
}

/** GET/POST through the Ingress on 127.0.0.1 with the dev host; 5 s timeout. */
function viaIngress(method: string, urlPath: string, body?: string): Promise<{ status: number; body: string }> {
  const [host, port] = settings.ingress.split(':');
  if (!/^127\./.test(host)) throw new Error(`E2E_INGRESS_ADDR must be on 127.0.0.0/8, got ${host}`);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host, port: Number(port ?? 80), method, path: urlPath, timeout: 5000,
      headers: { Host: HOST, 'Content-Type': 'application/json', ...(body ? { 'Content-Length': Buffer.byteLength(body) } : {}) },
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

const webPods = (): string[] => (kubectlRaw(['-n', NS, 'get', 'pods', '-l', 'app.kubernetes.io/component=web', '-o', 'jsonpath={.items[*].metadata.name}']).stdout.trim().split(/\s+/).filter(Boolean));

/** A restricted busybox pod in CLIENT_NS (no NetworkPolicy there): the positive controls. */
function startClient(): void {
  kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: CLIENT_NS, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } }) });
  kubectl(['apply', '-f', '-'], { input: JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', namespace: CLIENT_NS },
    spec: {
      automountServiceAccountToken: false, terminationGracePeriodSeconds: 1,
      securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{
        name: 'client', image: settings.clientImage, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'],
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
        resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '200m', memory: '64Mi' } },
      }],
    },
  }) });
  kubectl(['-n', CLIENT_NS, 'wait', '--for=condition=Ready', 'pod/client', '--timeout=120s'], { timeoutSeconds: 130 });
}
const inClient = (script: string) => kubectlRaw(['-n', CLIENT_NS, 'exec', 'client', '--', 'sh', '-c', script], { timeoutSeconds: 30 });

/**
 * Runs `script` in an ephemeral container of a web pod: it shares the pod's network
 * namespace, so the web pods' NetworkPolicies apply to it exactly (the app's own image
 * has no shell). Returns its output once it has terminated.
 */
async function inWebPod(pod: string, name: string, script: string): Promise<string> {
  const custom = path.join(OUT, `${name}.json`);
  fs.writeFileSync(custom, JSON.stringify({
    securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
  }));
  kubectl(['-n', NS, 'debug', pod, `--container=${name}`, `--image=${settings.clientImage}`, '--image-pull-policy=IfNotPresent', '--profile=restricted',
    `--custom=${custom}`, '--', 'sh', '-c', script]);
  await retry(`ephemeral container ${name} in ${pod} to finish`, 60, 1, () => {
    const s = (getJson(['-n', NS, 'get', 'pod', pod]).status.ephemeralContainerStatuses ?? []).find((c: any) => c.name === name);
    return s?.state?.terminated ? true : undefined;
  });
  return kubectl(['-n', NS, 'logs', pod, '-c', name]).trim();
}

async function main(): Promise<void> {
  fs.mkdirSync(OUT, { recursive: true });
  if (!settings.db) throw new Error('E2E_EXTERNAL_DB must name the command that manages the external server (e2e/kind.sh sets bash e2e/external-db.sh)');
  const tag = `external-${Date.now()}`;

  step(`PostgreSQL outside the cluster at ${settings.dbIp}:5432 (TLS with a certificate for ${DB_NAME}; plain text and a wrong host name refused)`, () => {
    const dir = makeServerFiles();
    db(['stop'], true); // a leftover of an aborted run
    const started = db(['start', dir]).out;
    // Pods keep their addresses on the way out: the server routes each node's pod range back
    // through that node, as a cloud network routes VPC-native pod addresses.
    const routes = getJson(['get', 'nodes']).items.flatMap((n: any) => [n.spec.podCIDR, n.status.addresses.find((a: any) => a.type === 'InternalIP').address]);
    db(['route', ...routes]);
    // libpq's own checks from the server's container: the name verifies, the bare address does not.
    const byName = db(['try', `host=${DB_NAME} hostaddr=${settings.dbIp} dbname=guestbook user=guestbook password=${PASSWORD} sslmode=verify-full sslrootcert=/etc/refarch-external/ca.crt`]);
    if (byName.status !== 0 || byName.out !== 't') throw new Error(`verify-full by name failed: ${byName.out}`);
    const byIp = db(['try', `host=${settings.dbIp} dbname=guestbook user=guestbook password=${PASSWORD} sslmode=verify-full sslrootcert=/etc/refarch-external/ca.crt`], true);
    if (byIp.status === 0 || !/does not match host name/.test(byIp.out)) throw new Error(`verify-full by address was not refused for the name: ${byIp.out}`);
    const plain = db(['try', `host=${settings.dbIp} dbname=guestbook user=guestbook password=${PASSWORD} sslmode=disable`], true);
    if (plain.status === 0 || !/no encryption|pg_hba/.test(plain.out)) throw new Error(`a plain-text connection was not refused: ${plain.out}`);
    return `${started.split('\n').find((l) => l.startsWith('[external-db]')) ?? started}; verify-full by name ok; by address refused (${byIp.out.split('\n').pop()}); plain text refused`;
  }, { fatal: true });

  step(`DNS stand-in: a CoreDNS zone ${DNS_ZONE} (template plugin) answers ${DB_NAME} with ${settings.dbIp} inside the cluster`, async () => {
    corefileBefore = getCorefile();
    // The cluster's CoreDNS build has the template plugin (not hosts): an A record for the
    // name, no AAAA (NOERROR, no answer), NXDOMAIN for any other name of the zone.
    const re = `^${DB_NAME.replace(/\./g, '\\.')}\\.$`;
    const zone = [
      `${DNS_ZONE}:53 {`, '    errors',
      `    template IN A ${DNS_ZONE} {`, `        match ${re}`, `        answer "{{ .Name }} 60 IN A ${settings.dbIp}"`, '        fallthrough', '    }',
      `    template ANY ANY ${DNS_ZONE} {`, `        match ${re}`, '        rcode NOERROR', '        fallthrough', '    }',
      `    template ANY ANY ${DNS_ZONE} {`, '        rcode NXDOMAIN', '    }', '}', ''].join('\n');
    if (!corefileBefore.includes(`${DNS_ZONE}:53`)) setCorefile(`${corefileBefore.trimEnd()}\n${zone}`);
    startClient();
    // The ConfigMap reaches the CoreDNS pods within the kubelet's sync period; `reload` then re-reads it.
    const t0 = Date.now();
    await retry(`${DB_NAME} to resolve from a pod`, 180, 3, () => {
      const r = inClient(`nslookup ${DB_NAME}`);
      return r.status === 0 && r.stdout.includes(settings.dbIp) ? true : undefined;
    });
    return `resolved from a pod ${((Date.now() - t0) / 1000).toFixed(0)} s after the Corefile change`;
  }, { fatal: true });

  step('dev with database.mode external (externalHost, the server\'s CA, verify-full, egress only to its address) applies and rolls out', async () => {
    kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }) });
    kubectl(['-n', NS, 'create', 'secret', 'generic', CA_SECRET, `--from-file=ca.crt=${path.join(OUT, 'server', 'ca.crt')}`]);
    const args = ['--import', 'tsx', 'scripts/synth.ts', '--env', 'dev', '--stdout', '--set', `dev.web.image=${settings.webImage}`,
      // dev's in-cluster settings do not apply to an external server (the chart refuses them): unset.
      '--set', 'dev.database.image=null', '--set', 'dev.database.storage=null',
      '--set', 'dev.database.mode="external"', '--set', `dev.database.externalHost="${DB_NAME}"`,
      '--set', `dev.database.externalCidrs=["${settings.dbIp}/32"]`, '--set', `dev.database.externalCaSecretName="${CA_SECRET}"`];
    const manifest = run(process.execPath, args, { ...process.env, DB_PASSWORD: PASSWORD });
    if (/kind: StatefulSet/.test(manifest)) throw new Error('the external mode rendered a StatefulSet');
    const file = path.join(OUT, 'dev-external.k8s.yaml');
    fs.writeFileSync(file, manifest);
    const r = kubectlRaw(['apply', '--server-side', '--field-manager=refarch-e2e', '--force-conflicts', '--validate=strict', '-f', file], { timeoutSeconds: 120 });
    if (r.status !== 0) throw new Error(`apply failed:\n${r.stderr}${r.stdout}`);
    if (/warning/i.test(r.stderr)) throw new Error(`apply printed warnings:\n${r.stderr}`);
    kubectl(['-n', NS, 'rollout', 'status', 'deployment/guestbook', '--timeout=180s'], { timeoutSeconds: 190 });
    const cm = getJson(['-n', NS, 'get', 'configmap', 'guestbook-config']).data;
    const svc = getJson(['-n', NS, 'get', 'service', 'postgres']).spec;
    if (cm.DB_HOST !== DB_NAME || cm.DB_SSLMODE !== 'verify-full' || !cm.DB_SSLROOTCERT) throw new Error(`app settings ${JSON.stringify(cm)}`);
    return `DB_HOST ${cm.DB_HOST}, DB_SSLMODE ${cm.DB_SSLMODE}, DB_SSLROOTCERT ${cm.DB_SSLROOTCERT}; Service postgres: ExternalName ${svc.externalName}`;
  }, { fatal: true });

  step('entries written and read through the Ingress land on the external server; every app connection is TLS', async () => {
    await retry('the Ingress to answer /readyz with 200', 120, 2, async () => ((await viaIngress('GET', '/readyz').catch(() => undefined))?.status === 200 ? true : undefined));
    for (let i = 0; i < 5; i++) {
      const r = await viaIngress('POST', '/api/entries', JSON.stringify({ name: 'e2e external', message: `${tag}-${i}` }));
      if (r.status !== 201) throw new Error(`write ${i}: HTTP ${r.status} ${r.body.slice(0, 200)}`);
    }
    const list = await viaIngress('GET', '/api/entries');
    const shown = (JSON.parse(list.body).entries as any[]).filter((e) => String(e.message).startsWith(tag)).length;
    if (list.status !== 200 || shown !== 5) throw new Error(`read back ${shown} of 5 entries (HTTP ${list.status})`);
    const stored = db(['psql', `SELECT count(*) FROM entries WHERE message LIKE '${tag}-%'`]).out;
    if (stored !== '5') throw new Error(`the external server has ${stored} of the 5 entries`);
    const ssl = db(['psql', "SELECT count(*) FILTER (WHERE s.ssl) || '/' || count(*) || ' ' || coalesce(min(s.version), '-') FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.application_name = 'guestbook'"]).out;
    const [tlsCount, total] = ssl.split(' ')[0].split('/');
    if (Number(total) === 0 || tlsCount !== total) throw new Error(`app connections with TLS: ${ssl}`);
    const clients = db(['psql', "SELECT string_agg(DISTINCT host(client_addr), ',') FROM pg_stat_activity WHERE application_name = 'guestbook'"]).out;
    return `5 written and listed through the Ingress, 5 on the external server; app connections with TLS ${ssl} (from ${clients})`;
  });

  step(`egress: the web pods reach ${settings.dbIp}:5432 and not another address on that port (the positive control, outside the policies, reaches both)`, async () => {
    db(['decoy']);
    const nc = (ip: string) => `if nc -z -w 3 ${ip} 5432 2>/dev/null; then echo ${ip}=open; else echo ${ip}=blocked; fi`;
    await retry('the decoy to answer the control pod', 30, 2, () => (/=open/.test(inClient(nc(settings.decoyIp)).stdout) ? true : undefined));
    const control = inClient(`${nc(settings.dbIp)}; ${nc(settings.decoyIp)}`).stdout.trim().split('\n').join(' ');
    if (control !== `${settings.dbIp}=open ${settings.decoyIp}=open`) throw new Error(`control pod: ${control}`);
    const pod = webPods()[0];
    const web = (await inWebPod(pod, `egress-${Date.now() % 100000}`, `${nc(settings.dbIp)}; ${nc(settings.decoyIp)}`)).split('\n').join(' ');
    if (web !== `${settings.dbIp}=open ${settings.decoyIp}=blocked`) throw new Error(`from web pod ${pod}: ${web}`);
    return `control pod: ${control}; web pod ${pod}: ${web}`;
  });

  step('the app\'s pool recovers when the external server drops every connection (it reconnects with verify-full)', async () => {
    const id = db(['psql', 'SELECT pg_postmaster_start_time()']).out;
    db(['psql', "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'guestbook'"]);
    await sleep(1);
    const r = await retry('a write through the Ingress after the app\'s connections were cut', 60, 2, async () => {
      const x = await viaIngress('POST', '/api/entries', JSON.stringify({ name: 'e2e external', message: `${tag}-after` })).catch(() => undefined);
      return x?.status === 201 ? x : undefined;
    });
    return `server up since ${id}; connections terminated, next write HTTP ${r.status}`;
  });

  await harness.run(steps);
}

main().catch((err) => harness.crashed(err));
