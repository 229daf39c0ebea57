/**
 * A short, stable digest of configuration data for a pod-template annotation.
 *
 * Kubernetes does not restart pods when a ConfigMap or Secret they read as
 * environment variables changes. Putting a digest of that data into the pod template
 * makes every change a template change, so the Deployment rolls out new pods.
 */
import { createHash } from 'crypto';

/** The annotation key that carries the digest. */
export const CONFIG_HASH_ANNOTATION = 'refarch.example.com/config-hash';

/** sha256 over the data maps, with keys sorted so the digest does not depend on insertion order. */
export function configHash(...dataMaps: Array<Record<string, string>>): string {
  const hash = createHash('sha256');
  for (const data of dataMaps) {
    for (const [key, value] of Object.entries(data).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      hash.update(key).update('\0').update(value).update('\0');
    }
    hash.update('\x01');
  }
  return hash.digest('hex').slice(0, 16);
}
