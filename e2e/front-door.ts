/**
 * The front door and the Service types on a real cluster, for the dev suite (suite.ts):
 *
 * - gatewayStatus(): the Gateway is Programmed and every HTTPRoute Accepted with its refs
 *   resolved, as the controller reports them (used by the prod stage too);
 * - migrateToHttpRoute(): switches a running environment from its Ingress to an HTTPRoute
 *   (both, then the HTTPRoute alone) while a bounded request loop runs through 127.0.0.1;
 * - nodePortReachesEveryNode(), loadBalancerAddress(): the web Service as NodePort and as
 *   LoadBalancer, requested from the host at each node's address and at the external address
 *   MetalLB assigns (both are the cluster's own addresses), with the seeds' stated limits.
 *
 * Every loop is bounded in count and time; every request goes to 127.0.0.1 or to the
 * cluster's node and load-balancer addresses.
 */
import * as http from 'http';
import { isIP } from 'net';
import { getJson, kubectl, kubectlRaw, retry, sleep } from './kube';

/** One GET with a Host header; 5 s timeout (as the prod stage's requests); a fresh connection each time (no keep-alive). */
export function get(address: string, port: number, host: string, urlPath: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: address, port, method: 'GET', path: urlPath, timeout: timeoutMs, agent: false, headers: { Host: host } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { data += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** The only addresses the suite may send requests to: loopback and the cluster's own range. */
export function checkTarget(address: string, clusterRange = /^198\.1[89]\./): void {
  if (isIP(address) !== 4 || !(/^127\./.test(address) || clusterRange.test(address))) {
    throw new Error(`refusing to send requests to ${address}: only 127.0.0.0/8 and the cluster's 198.18.0.0/15`);
  }
}

/**
 * A bounded request loop in the background: at most `count` GETs, one every `intervalMs`,
 * until stop(). Records each failure with its time since the start.
 */
export function requestLoop(target: { address: string; port: number; host: string; path: string }, count: number, intervalMs: number) {
  checkTarget(target.address);
  const t0 = Date.now();
  let stopped = false;
  let ok = 0;
  let slowestMs = 0;
  const failures: string[] = [];
  const done = (async () => {
    for (let i = 0; i < count && !stopped; i++) {
      const t = Date.now();
      try {
        const r = await get(target.address, target.port, target.host, target.path);
        slowestMs = Math.max(slowestMs, Date.now() - t);
        if (r.status === 200) ok++;
        else failures.push(`+${((t - t0) / 1000).toFixed(1)}s HTTP ${r.status}`);
      } catch (err) {
        failures.push(`+${((t - t0) / 1000).toFixed(1)}s ${(err as Error).message}`);
      }
      const wait = intervalMs - (Date.now() - t);
      if (wait > 0) await sleep(wait / 1000);
    }
    return { ok, failed: failures.length, failures, seconds: (Date.now() - t0) / 1000, slowestMs };
  })();
  return { done, stop: () => { stopped = true; }, okSoFar: () => ok };
}

const condition = (conditions: any[] | undefined, type: string) => (conditions ?? []).find((c: any) => c.type === type);

/**
 * Throws unless the namespace's Gateways are Programmed (each listener too) and every
 * HTTPRoute is Accepted with ResolvedRefs by each of its parents. Returns a summary.
 */
export function gatewayStatus(namespace: string): string {
  const gateways = getJson(['-n', namespace, 'get', 'gateways.gateway.networking.k8s.io']).items;
  const routes = getJson(['-n', namespace, 'get', 'httproutes.gateway.networking.k8s.io']).items;
  if (routes.length === 0) throw new Error(`no HTTPRoute in ${namespace}`);
  const parts: string[] = [];
  for (const g of gateways) {
    const programmed = condition(g.status?.conditions, 'Programmed');
    if (programmed?.status !== 'True') throw new Error(`Gateway ${g.metadata.name} not Programmed: ${JSON.stringify(programmed ?? g.status ?? {})}`);
    for (const l of g.status?.listeners ?? []) {
      const lp = condition(l.conditions, 'Programmed');
      if (lp?.status !== 'True') throw new Error(`Gateway ${g.metadata.name} listener ${l.name} not Programmed: ${JSON.stringify(lp ?? l)}`);
    }
    parts.push(`Gateway ${g.metadata.name} Programmed (${(g.status.listeners ?? []).map((l: any) => `${l.name}: ${l.attachedRoutes} route(s)`).join(', ')}; address ${(g.status.addresses ?? []).map((a: any) => a.value).join(', ') || 'none'})`);
  }
  for (const r of routes) {
    const parents = r.status?.parents ?? [];
    if (parents.length !== (r.spec.parentRefs ?? []).length) throw new Error(`HTTPRoute ${r.metadata.name}: status for ${parents.length} of ${(r.spec.parentRefs ?? []).length} parents`);
    for (const p of parents) {
      for (const type of ['Accepted', 'ResolvedRefs']) {
        const c = condition(p.conditions, type);
        if (c?.status !== 'True') throw new Error(`HTTPRoute ${r.metadata.name} on ${p.parentRef.name}/${p.parentRef.sectionName ?? '*'}: ${type} ${JSON.stringify(c ?? p)}`);
      }
    }
    parts.push(`HTTPRoute ${r.metadata.name} Accepted, ResolvedRefs (by ${[...new Set(parents.map((p: any) => p.controllerName))].join(', ')})`);
  }
  return parts.join('; ');
}

/** What migrateToHttpRoute needs from the suite. */
export interface MigrationContext {
  readonly namespace: string;
  /** Name of the Ingress, Gateway and HTTPRoute. */
  readonly name: string;
  readonly host: string;
  /** host:port of the front door on 127.0.0.1. */
  readonly frontDoor: string;
  /** Synthesizes the environment with these extra --set arguments; returns the manifest file. */
  readonly synth: (dir: string, extra: string[]) => string;
  /** Server-side applies a manifest file (fails on warnings). */
  readonly apply: (file: string) => void;
  readonly workDir: string;
  readonly log: (msg: string) => void;
}

/** The --set arguments of an environment on the Gateway API front door alone. */
export const GATEWAY_ONLY = ['--set', 'dev.gateway.enabled=true', '--set', 'dev.ingress.enabled=false'];

/**
 * The migration of docs/front-door.md, on the running environment, while one request every
 * 50 ms goes to the front door: apply Ingress and HTTPRoute together, wait until the
 * controller has accepted the HTTPRoute, apply the HTTPRoute alone and delete the Ingress
 * (server-side apply does not prune), and keep the loop running a while on the HTTPRoute
 * alone. Every request must succeed.
 */
export async function migrateToHttpRoute(ctx: MigrationContext): Promise<string> {
  const [address, port] = ctx.frontDoor.split(':');
  const loop = requestLoop({ address, port: Number(port ?? 80), host: ctx.host, path: '/readyz' }, 3000, 50);
  try {
    await sleep(2);
    ctx.apply(ctx.synth(`${ctx.workDir}/both`, ['--set', 'dev.gateway.enabled=true']));
    const accepted = await retry('the Gateway Programmed and the HTTPRoute Accepted', 90, 1, () => gatewayStatus(ctx.namespace));
    ctx.log(`   both front doors: ${accepted}`);
    await sleep(3);
    ctx.apply(ctx.synth(`${ctx.workDir}/gateway`, GATEWAY_ONLY));
    kubectl(['-n', ctx.namespace, 'delete', 'ingress', ctx.name, '--wait=true', '--timeout=60s'], { timeoutSeconds: 70 });
    const before = loop.okSoFar();
    ctx.log('   Ingress deleted: the HTTPRoute alone serves the host now');
    await sleep(8);
    const after = loop.okSoFar() - before;
    loop.stop();
    const r = await loop.done;
    const left = getJson(['-n', ctx.namespace, 'get', 'ingresses']).items.length;
    if (left !== 0) throw new Error(`${left} Ingress(es) left in ${ctx.namespace}`);
    if (r.failed !== 0) throw new Error(`${r.failed} of ${r.ok + r.failed} requests failed during the switch: ${r.failures.slice(0, 5).join('; ')}`);
    if (after < 100) throw new Error(`only ${after} requests after the Ingress was deleted`);
    return `${r.ok + r.failed} requests in ${r.seconds.toFixed(1)}s (${after} after the Ingress was deleted), 0 failed, slowest ${r.slowestMs} ms; ${gatewayStatus(ctx.namespace)}`;
  } finally {
    loop.stop();
    await loop.done.catch(() => undefined);
  }
}

/** The nodes' InternalIPs by name, and whether each runs a ready pod matching `selector` in `namespace`. */
export function nodesAndPods(namespace: string, selector: string): Array<{ name: string; ip: string; webPods: number }> {
  const pods = getJson(['-n', namespace, 'get', 'pods', '-l', selector]).items.filter((p: any) => !p.metadata.deletionTimestamp);
  return getJson(['get', 'nodes']).items.map((n: any) => ({
    name: n.metadata.name,
    ip: n.status.addresses.find((a: any) => a.type === 'InternalIP').address,
    webPods: pods.filter((p: any) => p.spec.nodeName === n.metadata.name).length,
  }));
}

/**
 * The web Service as NodePort: a request to every node's address at the node port reaches
 * the app, also on a node that runs no web pod (kube-proxy forwards to one elsewhere). The
 * seeds' limit: a node port belongs to one Service, on every node; the API server refuses a
 * second Service asking for it.
 */
export async function nodePortReachesEveryNode(ctx: { namespace: string; service: string; selector: string; host: string; otherNamespace: string }): Promise<string> {
  const svc = await retry('the NodePort to be allocated', 30, 1, () => {
    const s = getJson(['-n', ctx.namespace, 'get', 'service', ctx.service]);
    return s.spec.type === 'NodePort' && s.spec.ports[0].nodePort ? s : undefined;
  });
  if (svc.spec.ports.length !== 1) throw new Error(`expected one port, got ${svc.spec.ports.length}`);
  const nodePort: number = svc.spec.ports[0].nodePort;
  if (nodePort < 30000 || nodePort > 32767) throw new Error(`node port ${nodePort} outside 30000-32767`);
  const nodes = nodesAndPods(ctx.namespace, ctx.selector);
  const results: string[] = [];
  for (const node of nodes) {
    checkTarget(node.ip);
    const r = await retry(`GET http://${node.ip}:${nodePort}/readyz`, 30, 1, async () => {
      const x = await get(node.ip, nodePort, ctx.host, '/readyz');
      if (x.status !== 200) throw new Error(`HTTP ${x.status}`);
      return x;
    });
    // Then a short bounded run: every one must answer.
    const loop = requestLoop({ address: node.ip, port: nodePort, host: ctx.host, path: '/readyz' }, 20, 50);
    const res = await loop.done;
    if (res.failed !== 0) throw new Error(`${node.name} (${node.ip}:${nodePort}): ${res.failed} of 20 failed: ${res.failures.slice(0, 3).join('; ')}`);
    results.push(`${node.name} ${node.ip}:${nodePort} (${node.webPods} web pod(s)) ${r.status}, 20/20`);
  }
  if (nodes.length > 1 && !nodes.some((n) => n.webPods === 0)) throw new Error(`every node runs a web pod: ${JSON.stringify(nodes)}; none shows forwarding from a node without one`);
  // One Service per node port: a second Service asking for the same port is refused.
  const clash = kubectlRaw(['-n', ctx.otherNamespace, 'create', 'service', 'nodeport', 'refarch-e2e-port-clash', '--tcp=80:8080', `--node-port=${nodePort}`, '--dry-run=server', '-o', 'name']);
  if (clash.status === 0 || !/already allocated/.test(clash.stderr)) throw new Error(`a second Service could ask for node port ${nodePort}: ${clash.stdout}${clash.stderr}`);
  return `node port ${nodePort} on ${nodes.length} nodes: ${results.join('; ')}; a second Service asking for ${nodePort}: "${clash.stderr.trim().split('\n').pop()!.replace(/^.*: /, '')}"`;
}

/**
 * The web Service as LoadBalancer: an external address from the load-balancer
 * implementation's pool (`range`), and requests to it reach the app. The seeds' limit: one
 * address per LoadBalancer Service, so a second one takes another address of the pool.
 */
export async function loadBalancerAddress(ctx: {
  namespace: string; service: string; host: string; inRange: (ip: string) => boolean; range: string; otherNamespace: string;
}): Promise<string> {
  const t0 = Date.now();
  const ip = await retry('an external address for the LoadBalancer Service', 90, 1, () => {
    const s = getJson(['-n', ctx.namespace, 'get', 'service', ctx.service]);
    return s.spec.type === 'LoadBalancer' ? s.status?.loadBalancer?.ingress?.[0]?.ip as string | undefined : undefined;
  });
  const assignSeconds = (Date.now() - t0) / 1000;
  if (!ctx.inRange(ip)) throw new Error(`address ${ip} is outside the pool ${ctx.range}`);
  checkTarget(ip);
  const port: number = getJson(['-n', ctx.namespace, 'get', 'service', ctx.service]).spec.ports[0].port;
  await retry(`GET http://${ip}:${port}/readyz`, 60, 1, async () => {
    const x = await get(ip, port, ctx.host, '/readyz');
    if (x.status !== 200) throw new Error(`HTTP ${x.status}`);
    return x;
  });
  const loop = requestLoop({ address: ip, port, host: ctx.host, path: '/api/entries' }, 100, 50);
  const res = await loop.done;
  if (res.failed !== 0) throw new Error(`${res.failed} of 100 requests to ${ip}:${port} failed: ${res.failures.slice(0, 3).join('; ')}`);
  // One address per LoadBalancer Service: a second one gets its own.
  const name = 'refarch-e2e-second-lb';
  kubectl(['-n', ctx.otherNamespace, 'create', 'service', 'loadbalancer', name, '--tcp=80:8080']);
  try {
    const second = await retry('an address for a second LoadBalancer Service', 60, 1, () =>
      getJson(['-n', ctx.otherNamespace, 'get', 'service', name]).status?.loadBalancer?.ingress?.[0]?.ip as string | undefined);
    if (second === ip || !ctx.inRange(second)) throw new Error(`the second LoadBalancer Service got ${second} (first ${ip}, pool ${ctx.range})`);
    return `external address ${ip} (pool ${ctx.range}) assigned in ${assignSeconds.toFixed(1)}s; 100 requests to http://${ip}:${port}/api/entries, 0 failed (slowest ${res.slowestMs} ms); `
      + `a second LoadBalancer Service got its own address ${second}`;
  } finally {
    kubectlRaw(['-n', ctx.otherNamespace, 'delete', 'service', name, '--ignore-not-found']);
  }
}
