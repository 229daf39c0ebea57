/**
 * Semantic comparison of the Helm and Kustomize renders with dist/: parse, match objects
 * by kind/namespace/name, compare field by field (scripts/review/semantic-diff.ts).
 * The one normalization: the values of the pod-template annotations that carry a digest of
 * what the pods read (config-hash, scripts-hash), which each tool computes its own way
 * (Kustomize not at all), are replaced by a placeholder. The annotations must be there.
 *
 *   node --import tsx bench/compare.ts [RENDER.yaml DIST.yaml]...   exit 1 on any difference
 */
import { K8sObject, parseManifests } from '../scripts/review/manifests';
import { FileDiff, diffManifests, formatText } from '../scripts/review/semantic-diff';
import * as fs from 'fs';

export const CONFIG_HASH_ANNOTATION = 'refarch.example.com/config-hash';
export const DIGEST_ANNOTATIONS = [CONFIG_HASH_ANNOTATION, 'refarch.example.com/scripts-hash'];

export function normalize(objects: readonly K8sObject[]): K8sObject[] {
  return objects.map((o) => {
    const c = JSON.parse(JSON.stringify(o));
    // Pod templates of workloads and of CronJobs' jobs.
    for (const template of [c.spec?.template, c.spec?.jobTemplate?.spec?.template]) {
      const annotations = template?.metadata?.annotations;
      for (const key of DIGEST_ANNOTATIONS) if (annotations && key in annotations) annotations[key] = '<normalized>';
    }
    return c;
  });
}

export function compareFiles(render: string, dist: string): FileDiff {
  const a = normalize(parseManifests(fs.readFileSync(dist, 'utf8'), dist));
  const b = normalize(parseManifests(fs.readFileSync(render, 'utf8'), render));
  return { name: `${dist} -> ${render}`, objects: diffManifests(a, b) };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args.length === 0 || args.length % 2) {
    process.stderr.write('usage: node --import tsx bench/compare.ts RENDER.yaml DIST.yaml [RENDER.yaml DIST.yaml]...\n');
    process.exit(2);
  }
  const diffs: FileDiff[] = [];
  for (let i = 0; i < args.length; i += 2) diffs.push(compareFiles(args[i], args[i + 1]));
  process.stdout.write(formatText(diffs));
  process.exitCode = diffs.some((d) => d.objects.length) ? 1 : 0;
}
