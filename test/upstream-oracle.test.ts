/**
 * The checks that follow an upstream validator, compared with the validator itself, in
 * both directions (nothing accepted here that upstream refuses, nothing refused that it
 * accepts, except where the project refuses more on purpose, each named below). The
 * upstream side is test/upstream-oracle/main.go: the Go functions the API server, the
 * kubelet and kubectl run (Kubernetes v1.35.8 as cluster/ builds it), built once into
 * .cache/upstream-oracle (a few seconds with the cluster build's Go cache, minutes cold).
 *
 * Generated cases (fast-check, fixed seeds; FC_SEED explores others) around each edge:
 * cron schedules and descriptors, time zones, Ingress paths, label keys, image references
 * and digests, ExternalName hosts, HPA targets, and ConfigMap/Secret sizes as kubectl
 * apply sends them.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { parseImageReference as pluginParse } from '../plugins/refarch-policy/src/k8s/image';
import { AppConfig } from '../lib/app-config';
import { cronScheduleProblem } from '../lib/cron-schedule';
import { validateExternalName } from '../lib/external-database';
import { parseImageReference } from '../lib/image-reference';
import { labelKeyProblem } from '../lib/labels';
import { MAX_DATA_BYTES, dataSizeProblem, objectSizeProblem, utf8Bytes } from '../lib/object-size';
import { ValidationError, validateInteger } from '../lib/prop-checks';
import { timeZoneProblem } from '../lib/time-zone';
import { TIME_ZONE_NAMES } from '../lib/time-zones';
import { validateIngressPath } from '../lib/web-ingress';
import { timeZoneNames } from '../scripts/generate-time-zones';
import { manifestYaml } from '../scripts/synth/yaml';

const root = path.resolve(__dirname, '..');
const SEED = Number(process.env.FC_SEED) || 17;
const oracleBinary = path.join(root, '.cache', 'upstream-oracle', 'oracle');

beforeAll(() => {
  // The same flags as cluster/build.sh, so the compiled Kubernetes packages are reused.
  execFileSync('go', ['build', '-trimpath', '-o', oracleBinary, '.'], {
    cwd: path.join(root, 'test', 'upstream-oracle'),
    env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly -buildvcs=false', GONOSUMDB: 'k8s.io', CGO_ENABLED: '1' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}, 900_000);

interface Query { kind: string; value?: string; pathType?: string; number?: number; object?: unknown; noApply?: boolean }

/** Upstream's answer to each query. */
function upstreamRaw(queries: readonly Query[]): Array<{ errors: string[]; json?: string }> {
  const r = spawnSync(oracleBinary, [], { input: queries.map((q) => JSON.stringify(q)).join('\n'), encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`upstream-oracle failed (${r.status}): ${r.stderr}`);
  const answers = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { errors: string[]; json?: string });
  expect(answers).toHaveLength(queries.length);
  return answers;
}

/** Upstream's errors for each query (empty: accepted). */
const upstream = (queries: readonly Query[]): string[][] => upstreamRaw(queries).map((a) => a.errors);

const accepts = (f: () => unknown) => {
  try {
    f();
    return true;
  } catch (err) {
    if (err instanceof ValidationError) return false;
    throw err;
  }
};

/** Compares ours with upstream on every value; `stricter(v)` names the values the project refuses on purpose. */
function compare(kind: string, values: readonly string[], ours: (v: string) => boolean, extra: Partial<Query> = {}, stricter?: (v: string) => boolean) {
  const unique = [...new Set(values)];
  const answers = upstream(unique.map((value) => ({ kind, value, ...extra })));
  const disagreements = unique.map((value, i) => ({ value, ours: ours(value), upstream: answers[i].length === 0, why: answers[i][0] }))
    .filter((d) => (stricter?.(d.value) ? d.ours : d.ours !== d.upstream));
  expect(disagreements.slice(0, 10)).toEqual([]);
  // Not vacuous: both outcomes are common.
  const accepted = unique.filter((_, i) => answers[i].length === 0).length;
  expect(accepted).toBeGreaterThan(unique.length / 20);
  expect(unique.length - accepted).toBeGreaterThan(unique.length / 20);
  return unique.length;
}

const pick = <T>(...values: T[]) => fc.constantFrom(...values);
const joined = (parts: fc.Arbitrary<string>, max: number) => fc.array(parts, { maxLength: max }).map((a) => a.join(''));
const sample = <T>(arb: fc.Arbitrary<T>, n: number) => fc.sample(arb, { numRuns: n, seed: SEED });

test('cron schedules: lib/cron-schedule.ts accepts exactly what ValidateCronJob (robfig/cron v3 ParseStandard) accepts', () => {
  // Mostly fields that some position takes, so that about half the schedules are accepted.
  const common = pick('*', '*', '?', '0', '1', '5', '6', '1-5', '*/5', '*/100', '1/2', '*-5', '1,,2', ',', '+5', '-0', '00');
  const rare = pick('-1', '7', '12', '23', '24', '31', '32', '59', '60', '5-1', '*/0', '5/', '1-2-3', '1/2/3', 'jan', 'JAN', 'Dec', 'foo', 'sun', 'SAT',
    'mon-fri', 'FRİ', 'L', '5#2', '', 'x', '99999999999999999999', '9223372036854775807');
  const field = fc.oneof({ arbitrary: common, weight: 12 }, { arbitrary: rare, weight: 1 });
  const list = fc.oneof({ arbitrary: field, weight: 4 }, { arbitrary: fc.array(field, { minLength: 2, maxLength: 3 }).map((a) => a.join(',')), weight: 1 });
  const space = fc.oneof({ arbitrary: pick(' '), weight: 20 }, { arbitrary: pick('  ', '\t', '\u00a0', '\u0085', '\u3000', '\ufeff', '\n', '\u200b'), weight: 1 });
  const count = fc.oneof({ arbitrary: fc.constant(5), weight: 8 }, { arbitrary: pick(4, 6), weight: 1 });
  const fields = fc.tuple(count.chain((n) => fc.array(fc.tuple(list, space), { minLength: n, maxLength: n })), pick('', '', '', ' ', '\t'))
    .map(([a, lead]) => lead + a.map(([f, s]) => f + s).join('').trimEnd());
  const duration = joined(pick('1', '0', '90', '1.5', '.5', '.', '-', '+', 'h', 'm', 's', 'ms', 'us', 'µs', 'μs', 'ns', 'd', '9999999999', '30m', 'h1', ' '), 5);
  const descriptor = fc.oneof(
    pick('@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly', '@Daily', '@daily ', ' @daily', '@every', '@every ', '@reboot', '@'),
    duration.map((d) => `@every ${d}`),
    pick('TZ=UTC 0 3 * * *', 'CRON_TZ=Europe/Berlin 0 3 * * *', '0 3 * * * TZ', ''),
    // Go's int64 nanoseconds at their edges.
    pick('9223372036854775807ns', '9223372036854775808ns', '-9223372036854775808ns', '-9223372036854775809ns', '2562047h47m16.854775807s',
      '2562047h47m16.854775808s', '2562048h', '153722867m', '153722868m', '9223372036s', '9223372037s', '1.00000000000000000000001h',
      '.0000000000000000000000001s', '0.5µs', '1h1h1h', '00000000000000000000001s', '922337203685477580.8ns').map((d) => `@every ${d}`),
  );
  const n = compare('cronSchedule', [...sample(fields, 3000), ...sample(descriptor, 1500)], (v) => cronScheduleProblem(v) === undefined);
  expect(n).toBeGreaterThan(3000);
}, 120_000);

test('time zones: lib/time-zone.ts accepts exactly what validateTimeZone (time.LoadLocation with Go\'s tz database) accepts', () => {
  const mutate = fc.tuple(pick(...TIME_ZONE_NAMES), pick('same', 'lower', 'upper', 'slash', 'posix', 'dot', 'space'))
    .map(([n, m]) => ({ same: n, lower: n.toLowerCase(), upper: n.toUpperCase(), slash: `${n}/`, posix: `posix/${n}`, dot: `${n}/..`, space: ` ${n}` })[m]!);
  const odd = pick('Local', 'local', 'LOCAL', 'UTC', 'utc', 'Etc/UTC', 'GMT+5', 'Etc/GMT+5', 'Etc/GMT+15', 'EST', 'Factory', '', '/', 'Europe', 'Europe/', 'UTC+2', 'America/Argentina/ComodRivadavia');
  // The oracle, like a kube-apiserver on this host, also finds names in the host's own tz
  // database (Debian's posix/...): only some hosts have them, so the project refuses them.
  const hostOnly = (v: string) => !TIME_ZONE_NAMES.includes(v) && fs.existsSync(path.join('/usr/share/zoneinfo', v)) && fs.statSync(path.join('/usr/share/zoneinfo', v)).isFile();
  compare('timeZone', [...TIME_ZONE_NAMES, ...sample(mutate, 1500), ...sample(odd, 100)], (v) => timeZoneProblem(v) === undefined, {}, hostOnly);
  // The committed list is this Go's tz database (after a Go upgrade: `npm run generate`, which
  // runs scripts/generate-time-zones.ts).
  expect({ 'lib/time-zones.ts (if this fails: npm run generate)': TIME_ZONE_NAMES }).toEqual({ 'lib/time-zones.ts (if this fails: npm run generate)': timeZoneNames() });
}, 120_000);

test.each(['Prefix', 'Exact', 'ImplementationSpecific'] as const)('Ingress paths (%s): validateIngressPath accepts what the API server accepts, refusing more only for white space or no leading "/"', (pathType) => {
  const p = joined(pick('/', '/', '//', '.', '..', '/.', '/..', 'a', 'api', '%2f', '%2F', '%2', '~', '-', '?', '#', ' ', '\t'), 8);
  compare('ingressPath', sample(p, 2500), (v) => accepts(() => validateIngressPath('path', v, pathType)), { pathType },
    // The project's own rule for every HTTP path: absolute, no white space (ImplementationSpecific also takes "").
    (v) => /\s/.test(v) || !v.startsWith('/'));
}, 120_000);

test('label keys: labelKeyProblem is IsQualifiedName', () => {
  const part = pick('a', 'A', 'z9', '0', '-', '_', '.', 'example', 'com', 'a.b', 'a..b', '-a', 'a-', 'K8s', 'é');
  const name = fc.oneof(joined(part, 5), fc.integer({ min: 60, max: 66 }).map((n) => 'n'.repeat(n)));
  const prefix = fc.oneof(joined(pick('a', '.', '-', 'b', 'A', '_', 'example.com'), 5), fc.integer({ min: 250, max: 256 }).map((n) => `${'p'.repeat(n - 4)}.com`));
  const key = fc.oneof(name, fc.tuple(prefix, name).map(([a, b]) => `${a}/${b}`), fc.tuple(name, name, name).map((a) => a.join('/')));
  compare('labelKey', sample(key, 4000), (v) => labelKeyProblem(v) === undefined);
}, 120_000);

test('image references: lib/image-reference.ts and the policy plugin parse exactly what the kubelet parses (ParseNormalizedNamed)', () => {
  const host = fc.oneof(pick('localhost', 'registry.example.com', 'Registry.Example.com', 'r', 'a.b_c', 'a..b', '[::1]', '[fd00::1]', '-bad', 'docker.io', 'index.docker.io', 'UP'),
    fc.integer({ min: 0, max: 2 }).map((n) => 'h'.repeat(n)));
  const component = fc.oneof({ arbitrary: pick('app', 'team', 'a_b', 'a__b', 'a--b', 'a.b', 'library', '0'), weight: 10 },
    { arbitrary: pick('a___b', 'a..b', 'App', '-a', 'a-', '_a'), weight: 2 }, { arbitrary: fc.integer({ min: 240, max: 260 }).map((n) => 'c'.repeat(n)), weight: 1 });
  const tag = fc.oneof({ arbitrary: pick('1', 'v1.2.3', 'latest', '1.0-', '_x', 'X'), weight: 6 }, { arbitrary: pick('-x', '.x', ''), weight: 1 },
    { arbitrary: fc.integer({ min: 127, max: 129 }).map((n) => 't'.repeat(n)), weight: 1 });
  const digest = fc.tuple(pick('sha256', 'sha256', 'sha384', 'sha512', 'SHA256', 'md5', 'sha3', 'sha256+b64'), pick(31, 32, 63, 64, 64, 64, 65, 96, 128), pick('a', 'a', 'A', 'g'))
    .map(([alg, n, c]) => `${alg}:${`0123456789abcde${c}`.repeat(9).slice(0, n)}`);
  const image = fc.tuple(
    fc.option(fc.tuple(host, fc.option(pick('5000', '', 'x'), { nil: undefined })).map(([h, port]) => `${h}${port === undefined ? '' : `:${port}`}/`), { nil: '' }),
    fc.array(component, { minLength: 1, maxLength: 3 }).map((a) => a.join('/')),
    fc.option(tag.map((t) => `:${t}`), { nil: '', freq: 3 }),
    fc.option(digest.map((d) => `@${d}`), { nil: '', freq: 2 }),
  ).map((p) => p.join(''));
  const values = [...sample(image, 4000), '0123456789abcdef'.repeat(4), `${'0123456789abcdef'.repeat(4)}:1`, 'app:1@sha256:' + 'a'.repeat(64) + '@x'];
  compare('image', values, (v) => typeof parseImageReference(v) !== 'string');
  // The policy plugin's own copy of the parser.
  compare('image', values, (v) => pluginParse(v) !== undefined);
}, 120_000);

test('ExternalName hosts: validateExternalName accepts what ValidateService accepts (a trailing dot too), refusing more only for IP addresses', () => {
  const label = pick('db', 'example', 'com', 'a-b', '-a', 'a-', 'A', '0', '');
  const host = fc.oneof(
    fc.tuple(fc.array(label, { minLength: 1, maxLength: 4 }).map((a) => a.join('.')), pick('', '.', '..')).map(([h, d]) => h + d),
    fc.integer({ min: 250, max: 256 }).map((n) => `${'a'.repeat(n - 4)}.com`), fc.integer({ min: 250, max: 256 }).map((n) => `${'a'.repeat(n - 5)}.com.`),
    pick('10.0.0.1', '10.0.0.1.', '::1', '.', ''),
  );
  compare('externalName', sample(host, 2500), (v) => accepts(() => validateExternalName('host', v)), {}, (v) => /^[0-9.]+$/.test(v) && v.replace(/\.$/, '').split('.').length === 4 || v.includes(':'));
}, 120_000);

test('HPA targetCpuUtilization: any whole number from 1, as validateMetricTarget', () => {
  const values = [-1, 0, 1, 70, 100, 101, 150, 1000, 2147483647];
  const answers = upstream(values.map((number) => ({ kind: 'hpaTarget', number })));
  expect(values.map((v, i) => [v, accepts(() => validateInteger('t', v, 1, 2147483647)), answers[i].length === 0]).filter(([, a, b]) => a !== b)).toEqual([]);
  // and what WebTier uses is that range
  expect(answers[values.indexOf(150)]).toEqual([]);
}, 120_000);

test('ConfigMap text: AppConfig refuses exactly the characters that do not survive cdk8s YAML -> kubectl (sigs.k8s.io/yaml)', () => {
  const { Yaml } = require('cdk8s') as typeof import('cdk8s');
  // Every code point of the Basic Multilingual Plane (and a few beyond), alone, inside text and after ": ".
  const points = [...Array.from({ length: 0x10000 }, (_, c) => c).filter((c) => c < 0xd800 || c >= 0xe000), 0x1f600, 0x1fffe, 0x10ffff];
  const values = (c: number) => ({ v: `a${String.fromCodePoint(c)}b`, w: String.fromCodePoint(c), x: `k: ${String.fromCodePoint(c)}` });
  const answers = upstreamRaw(points.map((c) => ({ kind: 'yamlToJSON', value: Yaml.stringify(values(c)) })));
  const chart = new Chart(Testing.app(), 'c');
  const disagreements = points.filter((c, i) => {
    const readBack = answers[i].errors.length === 0 && JSON.stringify(JSON.parse(answers[i].json!)) === JSON.stringify(values(c));
    const refused = !accepts(() => new AppConfig(chart, `c${c}`, { configMapName: `c${c}`, secretName: `s${c}`, settings: values(c) }));
    return readBack === refused;
  });
  expect(disagreements.map((c) => c.toString(16))).toEqual([]);
}, 300_000);

test('what synth writes, kubectl reads back unchanged: every string of blanks, tabs, newlines and a letter up to 6 characters, and generated text', () => {
  // cdk8s's writer alone misreads thousands of these (a tab first, blank-only text): scripts/synth/yaml.ts quotes them.
  let strings = [''];
  const all: string[] = [''];
  for (let n = 1; n <= 6; n++) all.push(...(strings = strings.flatMap((s) => [' ', '\t', '\n', 'a', '\r'].map((c) => s + c))));
  const text = joined(pick('a', ' ', '  ', '\t', '\n', '\r', '\r\n', ': ', '- ', '#', '"', "'", '\\', '{', '[', '&', '*', '!', '|', '>', '%', '@', '`', '\u0000', '\u001b',
    '\u00a0', '\ufeff', 'é', '𝄞', 'true', 'null', '0x1', '1e3', '~', '---', '...'), 12);
  const values = [...all, ...sample(text, 5000).filter((t) => !/[\u007f-\u009f\u2028\u2029\ufffe\uffff]/.test(t))];
  const read = upstreamRaw(values.map((t) => ({ kind: 'yamlToJSON', value: manifestYaml({ t }) })));
  const misread = values.map((t, i) => ({ t, yaml: manifestYaml({ t }), read: read[i].errors[0] ?? JSON.parse(read[i].json!).t })).filter((r) => r.read !== r.t);
  expect(misread.slice(0, 5)).toEqual([]);
  expect(values.length).toBeGreaterThan(20_000);
}, 300_000);

describe('ConfigMap and Secret sizes, counted as the API server counts them after kubectl apply', () => {
  /** The objects AppConfig renders for these settings (or secret data), and whether AppConfig refused them. */
  function render(settings: Record<string, string>, secret?: Record<string, string>) {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'ns' });
    const config = new AppConfig(chart, 'config', { configMapName: 'cfg', secretName: 'sec', settings, secretStringData: secret, labels: { 'app.kubernetes.io/name': 'x' } });
    return { configMap: config.configMap.toJson(), secret: config.secret?.toJson() };
  }
  // A value of n bytes made of characters whose JSON and UTF-8 sizes differ.
  const text = fc.array(pick('a', '<', '&', '>', '"', '\\', '\n', '\u2028', 'é', '€', '𝄞', '\u0001', '\u007f'), { minLength: 1, maxLength: 8 })
    .map((chars) => ({ chars: chars.join('') }));

  test.each([
    ['configMap', 'kubectl apply (last-applied annotation)', false],
    ['configMap', 'kubectl create (data size)', true],
    ['secret', 'kubectl apply (last-applied annotation)', false],
    ['secret', 'kubectl create (data size)', true],
  ] as const)('%s via %s: refused here exactly when upstream refuses', (kind, _how, noApply) => {
    const small = render({ APP_TITLE: 'x' }, { password: 'x' });
    const build = (value: string) => {
      const object = kind === 'configMap' ? { ...small.configMap, data: { APP_TITLE: value } }
        : { ...small.secret, data: { password: Buffer.from(value, 'utf8').toString('base64') } };
      const values: Array<[string, number]> = [[kind === 'configMap' ? 'APP_TITLE' : 'password', utf8Bytes(value)]];
      return { object, ok: (noApply ? dataSizeProblem(values) : objectSizeProblem(object, values)) === undefined };
    };
    const cases = sample(fc.tuple(text, fc.integer({ min: -3, max: 3 })), 30).map(([{ chars: drawn }, delta]) => {
      // A ConfigMap value cannot hold what kubectl's YAML reader would not read back (AppConfig refuses it).
      const chars = kind === 'configMap' ? drawn.replace(/[\u007f-\u009f\u2028\u2029]/g, 'a') : drawn;
      // Where our count puts the limit for this text (binary search on the repeat count),
      // then a few repeats either side of it: upstream must flip at the same place.
      let [lo, hi] = [1, 2 * MAX_DATA_BYTES];
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (build(chars.repeat(mid)).ok) lo = mid; else hi = mid - 1;
      }
      const value = chars.repeat(Math.max(1, lo + (delta > 0 ? delta : delta + 1)));
      const { object, ok } = build(value);
      // AppConfig itself refuses exactly these (it checks the apply limit, the stricter one).
      if (!noApply) expect(accepts(() => render(kind === 'configMap' ? { APP_TITLE: value } : { A: 'b' }, kind === 'secret' ? { password: value } : undefined))).toBe(ok);
      return { object, ours: ok };
    });
    const answers = upstream(cases.map((c) => ({ kind, object: c.object, noApply })));
    const disagreements = cases.map((c, i) => ({ ours: c.ours, upstream: answers[i].length === 0, why: answers[i][0] })).filter((d) => d.ours !== d.upstream);
    expect(disagreements).toEqual([]);
    expect(cases.filter((c) => c.ours).length).toBeGreaterThan(5);
    expect(cases.filter((c) => !c.ours).length).toBeGreaterThan(5);
  }, 300_000);
});
