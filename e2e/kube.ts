/**
 * Thin, bounded wrappers around kubectl for the end-to-end suite.
 *
 * kubectl is the one client every target cluster (kind, minikube, the local cluster)
 * has, and its `wait` / `rollout status` do the polling; every call here has a timeout.
 */
import { spawnSync } from 'child_process';

export interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs kubectl with a hard timeout; never throws. */
export function kubectlRaw(args: string[], opts: { input?: string; timeoutSeconds?: number } = {}): RunResult {
  const timeout = (opts.timeoutSeconds ?? 60) * 1000;
  const r = spawnSync(process.env.KUBECTL ?? 'kubectl', args, { input: opts.input, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });
  const timedOut = r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
  return {
    status: r.status ?? (timedOut ? 124 : 1),
    stdout: r.stdout ?? '',
    stderr: (r.stderr ?? '') + (r.error ? `\n${timedOut ? `kubectl timed out after ${timeout / 1000}s` : r.error.message}` : ''),
  };
}

/** Runs kubectl and throws with its output on a non-zero exit. */
export function kubectl(args: string[], opts: { input?: string; timeoutSeconds?: number } = {}): string {
  const r = kubectlRaw(args, opts);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.status}):\n${r.stderr.trim()}\n${r.stdout.trim()}`);
  return r.stdout;
}

/** kubectl get ... -o json, parsed. */
export function getJson<T = any>(args: string[]): T {
  return JSON.parse(kubectl([...args, '-o', 'json']));
}

export function sleep(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

/**
 * Retries `check` every `intervalSeconds` until it returns a value or `timeoutSeconds`
 * pass; bounded in both count and time. Throws the last error on timeout.
 */
export async function retry<T>(what: string, timeoutSeconds: number, intervalSeconds: number, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const maxAttempts = Math.ceil(timeoutSeconds / intervalSeconds) + 1;
  let last: unknown;
  for (let attempt = 0; attempt < maxAttempts && Date.now() <= deadline; attempt++) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await sleep(intervalSeconds);
  }
  throw new Error(`timed out after ${timeoutSeconds}s waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/**
 * Where this cluster's API server is, as Patroni's egress policy must name it: the
 * endpoints of Service `kubernetes` (the command docs/data-tier.md gives users).
 */
export function kubernetesApi(): { cidrs: string[]; port: number } {
  const slices = getJson(['-n', 'default', 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=kubernetes']).items;
  const cidrs = [...new Set<string>(slices.flatMap((s: any) => (s.endpoints ?? []).flatMap((e: any) => e.addresses)))].map((a) => `${a}/${a.includes(':') ? 128 : 32}`);
  const port = slices[0]?.ports?.find((p: any) => p.name === 'https')?.port;
  if (cidrs.length === 0 || !port) throw new Error(`no endpoints of Service kubernetes: ${JSON.stringify(slices)}`);
  return { cidrs, port };
}
