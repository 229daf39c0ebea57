/**
 * Environment settings and `--set` are checked against the one settings schema before any
 * construct runs: unknown keys (with a suggestion), wrong types (value as given, allowed
 * values), prototype keys, bad JSON, `null` to unset; and the schema, its validator and the
 * settings table of docs/configuration.md are what `npm run schema:settings` generates.
 */
import * as fc from 'fast-check';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { environments } from '../config/environments';
import { SETTINGS_SCHEMA, SettingsError, applySets, checkEnvironments, parseSetArgument, parseSetValue } from '../config/settings';
import { ReferenceArchitectureProps } from '../lib/reference-architecture';
import { render } from '../scripts/synth';
import { CONFIGURATION_DOC, generateSettingsSchema, withSettingsTable } from '../scripts/settings-schema';
import { VALIDATOR_FILE, settingsValidatorCode } from '../scripts/settings-validator';

const root = path.resolve(__dirname, '..');
const attempt = (sets: string[], only?: string[]) => {
  try {
    render({ env: {}, sets, only });
    return '(no error)';
  } catch (err) {
    return (err as Error).message;
  }
};
const KNOWN_WEB_KEYS = 'image, replicas, autoscaling, containerPort, servicePort, serviceType, nodePort, resources, maxUnavailable, logLevel, title';

describe('--set is checked against the schema', () => {
  test.each([
    ['dev.web.replica=3', `--set dev.web.replica=3: unknown setting "dev.web.replica". Did you mean "dev.web.replicas"? Known keys of dev.web: ${KNOWN_WEB_KEYS}.`],
    ['dev.database.passwrd=x', '--set dev.database.passwrd=x: unknown setting "dev.database.passwrd". Did you mean "dev.credentials.password"? Known keys of dev.database: image, port,'],
    ['dev.web={"replica":3}', `--set dev.web={"replica":3}: unknown setting "dev.web.replica". Did you mean "dev.web.replicas"? Known keys of dev.web: ${KNOWN_WEB_KEYS}.`],
    ['prd.web.replicas=3', '--set prd.web.replicas=3: unknown environment "prd". Did you mean "prod"? Known environments: dev, prod.'],
    ['staging.web.replicas=3', '--set staging.web.replicas=3: unknown environment "staging". Known environments: dev, prod.'],
    ['dev.web=big', `--set dev.web=big: setting "dev.web" must be an object with keys ${KNOWN_WEB_KEYS}; got big (string).`],
    ['dev.web.image.tag=1', '--set dev.web.image.tag=1: "dev.web.image" is a string, not an object with settings; set it as a whole, e.g. --set dev.web.image=<value>.'],
    ['dev.ingress.enabled=no', '--set dev.ingress.enabled=no: setting "dev.ingress.enabled" must be a boolean: true or false; got no (string).'],
    ['dev.web.replicas=three', '--set dev.web.replicas=three: setting "dev.web.replicas" must be a number; got three (string).'],
    ['dev.web.logLevel=verbose', '--set dev.web.logLevel=verbose: setting "dev.web.logLevel" must be one of "debug", "info", "warn", "error"; got verbose (string).'],
    ['dev.web.title=123', `--set dev.web.title=123: setting "dev.web.title" must be a string; got 123 (read as JSON number; to pass the text, quote it: --set 'dev.web.title="123"').`],
    ['dev.web.resources.cpuLimit="1"', `--set dev.web.resources.cpuLimit="1": setting "dev.web.resources" lacks required "cpuRequest", "memoryRequest", "memoryLimit", "ephemeralStorageRequest", "ephemeralStorageLimit". Set the whole block as JSON`],
    ['prod.web.autoscaling={"minReplicas":3}', '--set prod.web.autoscaling={"minReplicas":3}: setting "prod.web.autoscaling" lacks required "maxReplicas".'],
    ['dev.database.externalCidrs=["10.0.0.0/8",3]', '--set dev.database.externalCidrs=["10.0.0.0/8",3]: setting "dev.database.externalCidrs.1" must be a string; got 3 (number).'],
    ['dev.__proto__.storageClassName=fast', '--set dev.__proto__.storageClassName=fast: "__proto__" is not allowed in a setting path (it would reach the object prototype).'],
    ['dev.database.constructor=x', '--set dev.database.constructor=x: "constructor" is not allowed in a setting path'],
    ['dev.web.prototype.x=1', '--set dev.web.prototype.x=1: "prototype" is not allowed in a setting path'],
    ['dev.web={"__proto__":{"replicas":3}}', '--set dev.web={"__proto__":{"replicas":3}}: the value has a key "__proto__", which is not allowed'],
    ['dev.web={"replicas":', '--set dev.web={"replicas":: the value is not valid JSON: '],
    ['dev.web.title="unterminated', '--set dev.web.title="unterminated: the value is not valid JSON: '],
    ['dev.web.replicas', '--set dev.web.replicas: expected ENV.PATH=VALUE, e.g. --set dev.web.replicas=3.'],
    ['dev=3', '--set dev=3: expected ENV.PATH=VALUE with a setting path after the environment'],
    ['dev..web=3', '--set dev..web=3: "dev..web" has an empty path segment.'],
  ])('%s', (set, message) => {
    expect(attempt([set])).toContain(message);
  });

  test('--set for an environment this run does not synthesize is an error, not a no-op', () => {
    expect(attempt(['prod.web.title=x'], ['dev'])).toBe('--set prod.web.title=x: environment "prod" is not synthesized by this run (--env dev); add --env prod or drop this --set.');
  });

  test('the error names the setting the user set, not one nobody set', () => {
    const message = attempt(['dev.web.resources.cpuLimit=1']);
    expect(message).not.toContain('undefined');
    expect(message).toContain('--set dev.web.resources.cpuLimit=1: ');
  });

  test('no prototype pollution, whatever is tried', () => {
    for (const set of ['dev.__proto__.storageClassName=fast', 'dev.web={"__proto__":{"polluted":1}}', 'dev.constructor.prototype.polluted=1']) attempt([set]);
    expect(({} as Record<string, unknown>).storageClassName).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(render({ env: {} }).files.get('prod.k8s.yaml')).not.toContain('storageClassName');
  });

  test('property: any --set text is applied or refused with a SettingsError, and never reaches Object.prototype', () => {
    const segment = fc.oneof(fc.constantFrom('dev', 'prod', 'web', 'database', 'resources', 'replicas', '__proto__', 'constructor', 'prototype', 'toString', ''), fc.string());
    const value = fc.oneof(fc.json(), fc.string(), fc.constantFrom('{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', 'null'));
    fc.assert(fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), value, (segments, v) => {
      const text = `${segments.join('.')}=${v}`;
      try {
        const sets = [parseSetArgument(text)];
        checkEnvironments(applySets(environments({}), sets, ['dev', 'prod']), sets);
      } catch (err) {
        if (!(err instanceof SettingsError)) throw err;
        expect(err.message.startsWith(`--set ${text}: `)).toBe(true);
      }
      expect(Object.keys(Object.prototype)).toEqual([]);
      expect(({} as Record<string, unknown>).x).toBeUndefined();
    }), { numRuns: 500 });
  });

  test('null unsets: prod with fixed replicas instead of the HPA', () => {
    const prod = render({ env: {}, only: ['prod'], sets: ['prod.web.autoscaling=null', 'prod.web.replicas=3'] }).files.get('prod.k8s.yaml')!;
    expect(prod).not.toContain('kind: HorizontalPodAutoscaler');
    expect(prod).toMatch(/kind: Deployment[\s\S]*replicas: 3/);
  });

  test('null unsets: dev reaches external database mode', () => {
    const dev = render({
      env: {}, only: ['dev'],
      sets: ['dev.database.mode=external', 'dev.database.externalHost=db.example.com', 'dev.database.storage=null', 'dev.database.image=null'],
    }).files.get('dev.k8s.yaml')!;
    expect(dev).toContain('externalName: db.example.com');
    expect(dev).not.toContain('kind: StatefulSet');
  });

  test('later --set wins; a whole block can be set as JSON', () => {
    const dev = render({ env: {}, only: ['dev'], sets: ['dev.web.replicas=4', 'dev.web.replicas=5', 'dev.ingress={"host":"x.localtest.me"}'] }).files.get('dev.k8s.yaml')!;
    expect(dev).toMatch(/replicas: 5/);
    expect(dev).toContain('host: x.localtest.me');
  });
});

describe('values of --set', () => {
  test.each([
    ['3', 3], ['-1.5', -1.5], ['true', true], ['false', false], ['null', null],
    ['"3"', '3'], ['{"a":1}', { a: 1 }], ['["x"]', ['x']],
    ['nginx', 'nginx'], ['refarch.local/guestbook:e2e', 'refarch.local/guestbook:e2e'], ['', ''], ['yes', 'yes'], ['1Gi', '1Gi'],
  ])('%j is read as %j', (text, value) => {
    expect(parseSetValue(text)).toEqual(value);
  });

  test('a number beyond floating point is refused rather than read as Infinity', () => {
    expect(() => parseSetValue('1e400')).toThrow('is a number too large to represent (1e400)');
  });

  test.each(['{', '[1,', '"open', '{"a":}'])('%j looks like JSON but is not: an error with the parser message', (text) => {
    expect(() => parseSetValue(text)).toThrow(/^is not valid JSON: \S/);
  });
});

describe('config/environments.ts is checked against the same schema', () => {
  const withDev = (change: (dev: Record<string, any>) => void) => {
    const defs = environments({}) as Record<string, any>;
    change(defs.dev);
    return () => render({ definitions: defs as Record<string, ReferenceArchitectureProps> });
  };

  test('a misspelled key names the file and the setting', () => {
    expect(withDev((dev) => { dev.web.replica = 2; })).toThrow(
      `config/environments.ts: dev.web.replica: unknown setting "dev.web.replica". Did you mean "dev.web.replicas"? Known keys of dev.web: ${KNOWN_WEB_KEYS}.`);
  });

  test('a wrong type shows the value as written there', () => {
    expect(withDev((dev) => { dev.web.replicas = '2'; })).toThrow('config/environments.ts: dev.web.replicas: setting "dev.web.replicas" must be a number; got "2" (string).');
  });

  test('the committed environments pass', () => {
    expect(() => render({ env: {} })).not.toThrow();
  });
});

describe('the settings\' types are checked once, by the schema, before any construct (the chart does not check them again)', () => {
  const ofEnv = (props: Record<string, unknown>) => {
    try {
      render({ env: {}, definitions: { env: props as ReferenceArchitectureProps } });
      return '(no error)';
    } catch (err) {
      return (err as Error).message;
    }
  };
  test.each<[Record<string, unknown>, string]>([
    [{ web: 'big' }, 'config/environments.ts: env.web: setting "env.web" must be an object with keys image,'],
    [{ database: ['a'] }, 'config/environments.ts: env.database: setting "env.database" must be an object with keys'],
    [{ credentials: 5 }, 'config/environments.ts: env.credentials: setting "env.credentials" must be an object with keys'],
    [{ ingress: true }, 'config/environments.ts: env.ingress: setting "env.ingress" must be an object with keys'],
    [{ web: { title: 5 } }, 'setting "env.web.title" must be a string; got 5 (number).'],
    [{ web: { logLevel: 'verbose' } }, 'setting "env.web.logLevel" must be one of "debug", "info", "warn", "error"; got "verbose" (string).'],
    [{ ingress: { enabled: 0 } }, 'setting "env.ingress.enabled" must be a boolean: true or false; got 0 (number).'],
    [{ production: 'yes' }, 'setting "env.production" must be a boolean: true or false; got "yes" (string).'],
    [{ database: { mode: 'cloud' } }, 'setting "env.database.mode" must be one of "in-cluster", "external"; got "cloud" (string).'],
    [{ database: { sslMode: 'on' } }, 'setting "env.database.sslMode" must be one of "disable", "allow", "prefer", "require", "verify-ca", "verify-full"; got "on" (string).'],
    [{ database: { mode: 'external', externalHost: 'db.example.com', externalCidrs: '10.0.0.0/8' } }, 'setting "env.database.externalCidrs" must be a JSON list of strings; got "10.0.0.0/8" (string).'],
    [{ database: { backup: { keeep: 3 } } }, 'unknown setting "env.database.backup.keeep". Did you mean "env.database.backup.keep"?'],
    [{ networkPolicies: { dnsToAnyAddress: 'yes' } }, 'setting "env.networkPolicies.dnsToAnyAddress" must be a boolean: true or false; got "yes" (string).'],
    [{ gateway: 'on' }, 'config/environments.ts: env.gateway: setting "env.gateway" must be an object with keys'],
    [{ gateway: { enabled: 'yes' } }, 'setting "env.gateway.enabled" must be a boolean: true or false; got "yes" (string).'],
    [{ ingress: { controller: 'nginx' } }, 'setting "env.ingress.controller" must be one of "traefik", "envoy-gateway", "cloud-provider-kind", "ingress-nginx"; got "nginx" (string).'],
    [{ gateway: { enabled: true, existingGateway: 'shared' } }, 'setting "env.gateway.existingGateway" must be an object with keys'],
    [{ networkPolicies: { webFrom: 'traefik' } }, 'setting "env.networkPolicies.webFrom" must be a JSON list of'],
  ])('%j', (props, message) => {
    expect(ofEnv(props)).toContain(message);
  });
});

describe('one source of truth', () => {
  test('config/settings.schema.json is what `npm run schema:settings` generates from ReferenceArchitectureProps (if this fails: `npm run generate`, commit)', () => {
    expect(fs.readFileSync(path.join(root, 'config', 'settings.schema.json'), 'utf8')).toBe(generateSettingsSchema());
  }, 60_000);

  test('config/settings-validator.js is the schema\'s validator as Ajv generates it (if this fails: `npm run generate`, commit)', () => {
    expect(fs.readFileSync(VALIDATOR_FILE, 'utf8')).toBe(settingsValidatorCode(SETTINGS_SCHEMA));
  });

  test('the generated validator needs no Ajv at run time: no compiler in any synth', () => {
    expect(fs.readFileSync(VALIDATOR_FILE, 'utf8')).not.toMatch(/require\(/);
    expect(fs.readFileSync(path.join(root, 'config', 'settings.ts'), 'utf8')).not.toMatch(/^import (?!type )[^;]*from 'ajv'/m);
  });

  test('the generated validator type-checks under the project\'s tsconfig (checkJs), as ts-node checks it for the stock `npx ts-node main.ts`', () => {
    const configFile = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
    const program = ts.createProgram([VALIDATOR_FILE], { ...options, noEmit: true, types: [] });
    const file = program.getSourceFile(VALIDATOR_FILE)!;
    const diagnostics = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
    expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  }, 60_000);

  test('the settings table of docs/configuration.md is generated from the schema (if this fails: `npm run generate`, commit)', () => {
    const doc = fs.readFileSync(CONFIGURATION_DOC, 'utf8');
    expect(withSettingsTable(doc, SETTINGS_SCHEMA)).toBe(doc);
  });

  test('every setting of the schema is in the settings table, and nothing else', () => {
    const readme = fs.readFileSync(CONFIGURATION_DOC, 'utf8');
    const block = readme.slice(readme.indexOf('<!-- settings-table:start'), readme.indexOf('<!-- settings-table:end'));
    const rows = [...block.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
    expect(rows).toContain('web.replicas');
    expect(rows).toContain('database.resources.cpuLimit');
    expect(new Set(rows).size).toBe(rows.length);
  });

  test('lib/ stays copyable: no construct imports the schema or ajv', () => {
    for (const file of fs.readdirSync(path.join(root, 'lib')).filter((f) => f.endsWith('.ts'))) {
      expect([file, fs.readFileSync(path.join(root, 'lib', file), 'utf8')]).not.toEqual([file, expect.stringMatching(/from ['"](ajv|\.\.\/config\/settings|.*settings\.schema)/)]);
    }
  });
});
