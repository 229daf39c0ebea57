/**
 * scripts/synth/render.ts runs the policy rules and the secret check on the objects it
 * writes as YAML, not on that YAML parsed back (a fifth of a synth's time). That is only
 * sound while reading the written YAML back gives the same objects: checked here for every
 * environment and variant, with the policy plugin's own reader (js-yaml, YAML 1.2) and with
 * `yaml` (YAML 1.1, cdk8s's); test/upstream-oracle.test.ts checks kubectl's reader.
 */
import * as jsYaml from 'js-yaml';
import { parseAllDocuments } from 'yaml';
import { compose, newApp } from '../main';
import { parseManifestText } from '../plugins/refarch-policy';
import { manifestYaml } from '../scripts/synth/yaml';
import { render } from '../scripts/synth/render';
import { committedEnvironments, variantEnvironments } from './support';

const sets: Array<[string, Record<string, any>]> = [['committed', committedEnvironments()], ['variants', variantEnvironments()]];

test.each(sets)('%s environments: the written YAML reads back as exactly the objects the checks saw', (_name, definitions) => {
  const app = compose(newApp(), JSON.parse(JSON.stringify(definitions)));
  expect(app.charts.length).toBe(Object.keys(definitions).length);
  for (const chart of app.charts) {
    const objects = chart.toJson();
    const text = manifestYaml(...objects);
    expect(parseManifestText(text, chart.node.id)).toStrictEqual(objects);
    expect(jsYaml.loadAll(text)).toStrictEqual(objects);
    expect(parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS())).toStrictEqual(objects);
  }
});

test.each(sets)('%s environments: render() writes that same YAML', (_name, definitions) => {
  const rendered = render({ definitions, env: {} });
  const app = compose(newApp(), JSON.parse(JSON.stringify(definitions)));
  expect([...rendered.files.keys()]).toEqual(app.charts.map((c) => `${c.node.id}.k8s.yaml`));
  for (const chart of app.charts) expect(rendered.files.get(`${chart.node.id}.k8s.yaml`)).toBe(manifestYaml(...chart.toJson()));
});
