/**
 * The comparison behind the Helm/Kustomize equivalence (bench/compare.ts), on dist/ itself:
 * it sees real differences and ignores only the digest annotations' values. The equivalence
 * itself needs the real helm and kustomize binaries, so it is not here but in
 * `npm run bench:render` (a CI step) and `npm run bench`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { normalize } from '../../bench/compare';
import { parseManifests } from '../../scripts/review/manifests';
import { diffManifests, formatText } from '../../scripts/review/semantic-diff';

const root = path.resolve(__dirname, '..', '..');

test('the comparison sees real differences: a changed field, a missing object, and only the digest annotations\' values are ignored', () => {
  const dist = fs.readFileSync(path.join(root, 'dist', 'dev.k8s.yaml'), 'utf8');
  const objs = parseManifests(dist, 'dev');
  const changed = parseManifests(dist.replace('image: refarch-guestbook:0.1.0', 'image: other:1').replace(/(config-hash: )\w+/g, '$1ffff'), 'x');
  const diff = formatText([{ name: 'x', objects: diffManifests(normalize(objs), normalize(changed.slice(1))) }]);
  expect(diff).toContain('- Namespace refarch-dev: removed');
  expect(diff).toContain('containers[web].image: refarch-guestbook:0.1.0 -> other:1');
  expect(diff).not.toContain('config-hash');
  // ...but the annotation itself must be there.
  const noAnnotation = parseManifests(dist.replace(/\n\s+refarch\.example\.com\/config-hash: \w+/g, ''), 'y');
  expect(formatText([{ name: 'y', objects: diffManifests(normalize(objs), normalize(noAnnotation)) }])).toMatch(/annotations: \{"refarch\.example\.com\/config-hash":"<normalized>"\} -> null/);
});

test('the scripts digest of workloads and CronJob pods is ignored as a value, not as an annotation', () => {
  const prod = fs.readFileSync(path.join(root, 'dist', 'prod.k8s.yaml'), 'utf8');
  expect(prod).toMatch(/jobTemplate:[\s\S]*scripts-hash: \w+/);
  const objs = parseManifests(prod, 'prod');
  const otherValue = parseManifests(prod.replace(/(scripts-hash: )\w+/g, '$1ffff'), 'x');
  expect(formatText([{ name: 'x', objects: diffManifests(normalize(objs), normalize(otherValue)) }])).toBe('No differences.\n');
  const without = parseManifests(prod.replace(/\n\s+refarch\.example\.com\/scripts-hash: \w+/g, ''), 'y');
  const diff = formatText([{ name: 'y', objects: diffManifests(normalize(objs), normalize(without)) }]);
  expect(diff).toContain('CronJob refarch-prod/postgres-backup: spec.jobTemplate.spec.template.metadata.annotations: {"refarch.example.com/scripts-hash":"<normalized>"} -> null');
  expect(diff).toContain('StatefulSet refarch-prod/postgres: spec.template.metadata.annotations["refarch.example.com/scripts-hash"]: removed');
});
