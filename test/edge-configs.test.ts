/**
 * Property test: every generated edge configuration either fails synth (the settings schema's
 * error naming the setting, or a construct's ValidationError that names a field, its value and
 * what is allowed), or produces
 * manifests that the strict schema validator accepts for every captured minor (1.27
 * and 1.35). The same configurations are dry-run against a real API server by
 * schemas/dry-run-generated.sh.
 *
 * FC_SEED and FC_RUNS explore further: FC_SEED=$RANDOM FC_RUNS=5000 npx jest test/edge-configs
 */
import * as fc from 'fast-check';
import { supportedMinors } from '../schema-check/schemas';
import { KubernetesSchemaValidator } from '../schema-check/validator';
import { EDGE_RUNS, EDGE_SEED } from '../scripts/generate-edge-configs';
import { edgeConfig, synthEdge } from './edge-configs';

const RUNS = Number(process.env.FC_RUNS) || EDGE_RUNS;
const SEED = Number(process.env.FC_SEED) || EDGE_SEED;
const validators = supportedMinors().map((m) => KubernetesSchemaValidator.forMinor(m));
const valid = new Set<string>();

test(`${RUNS} edge configurations: refused with a named field, or valid for every minor`, () => {
  const seen = { accepted: 0, refused: 0, fields: new Set<string>() };
  fc.assert(fc.property(edgeConfig, (props) => {
    const outcome = synthEdge(props);
    if ('refusedBySchema' in outcome) {
      seen.refused++;
      // Each problem names the setting as written (edge.<path>) and what it must be.
      for (const problem of outcome.refusedBySchema.problems) expect(problem).toMatch(/setting "edge\.[^"]+"/);
      seen.fields.add(`schema ${/setting "edge\.([^"]+)"/.exec(outcome.refusedBySchema.problems[0])?.[1]}`);
      return;
    }
    if ('error' in outcome) {
      const e = outcome.error;
      seen.refused++;
      // `<construct path>: <field>`, the value as given, and what is allowed.
      expect(e.field).toMatch(/^edge(\/[A-Za-z]+)*: \S/);
      expect(e.message.startsWith(`Invalid ${e.field}: `)).toBe(true);
      expect(e.allowed).toMatch(/^(Must|Only|Conflicts|Needs|Together|Required|No such)\b/);
      seen.fields.add(e.field.replace(/^[^:]*: /, '').replace(/ .*/, ''));
      return;
    }
    seen.accepted++;
    for (const m of outcome.manifests) {
      // Most objects repeat across configurations; validating each distinct one once keeps this fast.
      const text = JSON.stringify(m);
      if (valid.has(text)) continue;
      const problems = validators.flatMap((v) => v.validate(m).map((p) => `${v.minor} ${m.kind}/${m.metadata.name} ${p.pointer}: ${p.message}`));
      expect(problems).toEqual([]);
      valid.add(text);
    }
  }), { numRuns: RUNS, seed: SEED });

  // Not vacuous: both outcomes are common, and refusals come from many different fields.
  expect(seen.accepted + seen.refused).toBe(RUNS);
  expect(seen.accepted).toBeGreaterThan(RUNS / 10);
  expect(seen.refused).toBeGreaterThan(RUNS / 10);
  expect(seen.fields.size).toBeGreaterThan(15);
});

/** Every setting `--set` can reach (JSON-parsed, so any type). */
const SETTING_PATHS = [
  'namespace', 'environment', 'partOf', 'production', 'web', 'web.image', 'web.replicas', 'web.autoscaling', 'web.autoscaling.minReplicas',
  'web.autoscaling.maxReplicas', 'web.autoscaling.targetCpuUtilization', 'web.containerPort', 'web.servicePort', 'web.serviceType', 'web.nodePort',
  'web.resources', 'web.resources.cpuRequest', 'web.maxUnavailable', 'web.logLevel', 'web.title', 'ingress', 'ingress.enabled', 'ingress.className',
  'ingress.host', 'ingress.path', 'ingress.tlsSecretName', 'database', 'database.mode', 'database.name', 'database.user', 'database.port',
  'database.sslMode', 'database.image', 'database.storage', 'database.storageClassName', 'database.accessMode', 'database.retainOnDelete',
  'database.retainOnScaleDown', 'database.resources', 'database.resources.memoryLimit', 'database.externalHost', 'database.externalCidrs',
  'credentials', 'credentials.secretName', 'credentials.password', 'credentials.replicationPassword',
  'database.replicas', 'database.replicationUser', 'database.backup', 'database.backup.schedule', 'database.backup.timeZone',
  'networkPolicies', 'networkPolicies.dnsPodLabels',
  'ingress.controller', 'gateway', 'gateway.enabled', 'gateway.controller', 'gateway.className', 'gateway.host', 'gateway.path', 'gateway.pathMatch',
  'gateway.tlsSecretName', 'gateway.httpPort', 'gateway.httpsPort', 'gateway.requestTimeout', 'gateway.backendRequestTimeout', 'gateway.existingGateway',
  'gateway.existingGateway.namespace', 'gateway.existingGateway.sectionName', 'networkPolicies.webFrom',
];

test.each(SETTING_PATHS)('%s of any JSON type is refused with a ValidationError or synthesizes, never crashes', (setting) => {
  for (const value of [5, 'x', null, ['a'], {}, true]) {
    const props: any = { web: { resources: { cpuRequest: '1', cpuLimit: '1', memoryRequest: '1', memoryLimit: '1', ephemeralStorageRequest: '1', ephemeralStorageLimit: '1' } } };
    const parts = setting.split('.');
    let target = props;
    for (const key of parts.slice(0, -1)) target = (target[key] ??= {});
    target[parts[parts.length - 1]] = value;
    expect(() => synthEdge(props)).not.toThrow(); // synthEdge returns settings and validation errors and rethrows anything else
  }
});
