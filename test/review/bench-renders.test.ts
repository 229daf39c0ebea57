/**
 * The Helm chart and the Kustomize overlays in bench/ render the same objects as dist/.
 * Their renders by the real binaries are committed (bench/rendered/, refreshed by
 * `npm run bench:render`, re-checked by `npm run bench`), so this runs offline. The script
 * files the chart and the overlays ship are written by the bench when it renders (not
 * committed); the renders carry their text, so comparing them with dist/ checks them too.
 */
import * as fs from 'fs';
import * as path from 'path';
import { compareFiles, normalize } from '../../bench/compare';
import { parseManifests } from '../../scripts/review/manifests';
import { diffManifests, formatText } from '../../scripts/review/semantic-diff';

const root = path.resolve(__dirname, '..', '..');
const envs = fs.readdirSync(path.join(root, 'dist')).filter((f) => f.endsWith('.k8s.yaml')).map((f) => f.replace('.k8s.yaml', '')).sort();

describe.each(['helm', 'kustomize'])('%s', (tool) => {
  test.each(envs)(`bench/rendered/${tool}-%s.yaml has the objects of dist/ (if this fails after a construct change, update bench/ as bench/README.md says)`, (env) => {
    const diff = compareFiles(path.join(root, 'bench', 'rendered', `${tool}-${env}.yaml`), path.join(root, 'dist', `${env}.k8s.yaml`));
    // The readable diff as the message: the test shows what the chart or overlay must change.
    expect(formatText([diff])).toBe('No differences.\n');
  });
});

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
