/**
 * Semantic comparison of the Helm and Kustomize renders with dist/: parse, match objects
 * by kind/namespace/name, compare field by field (scripts/review/semantic-diff.ts).
 * The one normalization: the config-hash annotation's value, which each tool computes
 * its own way (Kustomize not at all), is replaced by a placeholder.
 *
 *   node --import tsx bench/compare.ts [RENDER.yaml DIST.yaml]...   exit 1 on any difference
 */
import { K8sObject, parseManifests } from '../scripts/review/manifests';
import { FileDiff, diffManifests, formatText } from '../scripts/review/semantic-diff';
import * as fs from 'fs';

export const CONFIG_HASH_ANNOTATION = 'refarch.example.com/config-hash';

export function normalize(objects: readonly K8sObject[]): K8sObject[] {
  return objects.map((o) => {
    const c = JSON.parse(JSON.stringify(o));
    const annotations = c.spec?.template?.metadata?.annotations;
    if (annotations && CONFIG_HASH_ANNOTATION in annotations) annotations[CONFIG_HASH_ANNOTATION] = '<normalized>';
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
