/**
 * Checks environment settings against config/settings.schema.json, the JSON Schema that
 * `npm run schema:settings` generates from `ReferenceArchitectureProps`: the definitions in
 * config/environments.ts and every `--set` of `npm run synth`, before any construct runs.
 * The validator itself is generated with the schema (config/settings-validator.js, Ajv's
 * standalone code); this file turns its errors into messages that name the setting as
 * written, where it was set, the value given and what is allowed.
 *
 * The schema is the only list of setting keys; the constructs in lib/ keep their own value
 * checks (ranges, formats, conflicts) and never import this file, so they stay copyable.
 */
import type { ErrorObject } from 'ajv';
import { closest, distance } from 'fastest-levenshtein';
import type { ReferenceArchitectureProps } from '../lib/reference-architecture';
import { SchemaNode, SettingsSchema, resolveNode } from './schema-node';
import schemaJson from './settings.schema.json';
// Generated from settings.schema.json by `npm run generate` (scripts/settings-validator.ts).
import validateSettings from './settings-validator';

export const SETTINGS_SCHEMA = schemaJson as unknown as SettingsSchema;

/** Path segments that could reach Object.prototype: refused wherever a key is read. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** A settings problem; `message` is the whole line shown to the user. */
export class SettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'SettingsError';
  }
}

/** {@link resolveNode} in the committed schema. */
function resolve(node: SchemaNode): SchemaNode {
  return resolveNode(node, SETTINGS_SCHEMA);
}

/** What a node allows, for messages: `a number`, `one of "a", "b"`, `an object with keys ...`. */
export function describeAllowed(node: SchemaNode): string {
  const n = resolve(node);
  if (n.enum) return `one of ${n.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  switch (n.type) {
    case 'object': return `an object with keys ${Object.keys(n.properties ?? {}).join(', ')}${n.required?.length ? ` (required: ${n.required.join(', ')})` : ''}`;
    case 'array': return `a JSON list of ${describeAllowed(n.items ?? {}).replace(/^an? /, '')}s`;
    case 'boolean': return 'a boolean: true or false';
    case 'number': return 'a number';
    case 'integer': return 'an integer';
    case 'string': return 'a string';
    default: return 'any value';
  }
}

/** JSON type name of a value, as in the schema's `type`. */
function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** "Did you mean" for a misspelled key, when some known key is close enough to be a guess. */
function suggestion(key: string, known: readonly string[], prefix: string): string {
  if (known.length === 0) return '';
  const best = closest(key, known as string[]);
  return distance(key.toLowerCase(), best.toLowerCase()) <= Math.max(2, Math.floor(key.length / 3)) ? ` Did you mean "${prefix}${best}"?` : '';
}

/** Every setting path of one environment (`web.resources.cpuLimit`), depth first. */
function allSettingPaths(node: SchemaNode = SETTINGS_SCHEMA, prefix = ''): string[] {
  const n = resolve(node);
  return Object.entries(n.properties ?? {}).flatMap(([key, child]) => [`${prefix}${key}`, ...allSettingPaths(child, `${prefix}${key}.`)]);
}

/** `unknown setting "dev.web.replica". Did you mean "dev.web.replicas"? Known keys of dev.web: ...` */
function unknownKeyMessage(parentPath: string, key: string, parent: SchemaNode): string {
  const known = Object.keys(resolve(parent).properties ?? {});
  const prefix = parentPath ? `${parentPath}.` : '';
  let hint = suggestion(key, known, prefix);
  if (!hint) {
    // Not a typo of a sibling: maybe the right key in the wrong block (database.password).
    const env = parentPath.split('.')[0];
    const elsewhere = allSettingPaths().filter((p) => distance(key.toLowerCase(), p.split('.').pop()!.toLowerCase()) <= Math.max(2, Math.floor(key.length / 3)));
    if (elsewhere.length > 0) hint = ` Did you mean "${env}.${elsewhere[0]}"?`;
  }
  return `unknown setting "${prefix}${key}".${hint} Known keys of ${parentPath}: ${known.join(', ')}.`;
}

/** One `--set ENV.PATH=VALUE`, parsed. */
export interface SetArgument {
  /** The argument as the user wrote it, for messages. */
  readonly text: string;
  /** Environment name. */
  readonly env: string;
  /** Setting path inside the environment. */
  readonly path: readonly string[];
  /** The value as written, before parsing. */
  readonly rawValue: string;
  /** The parsed value; `null` unsets the setting. */
  readonly value: unknown;
}

/**
 * Parses a `--set` value: text that starts like JSON (`{`, `[`, `"`) must be valid JSON;
 * other text is JSON when it parses as JSON (numbers, true, false, null), else a string.
 */
export function parseSetValue(text: string): unknown {
  if (/^\s*[[{"]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new Error(`is not valid JSON: ${(err as Error).message}`);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  // 1e400 parses as Infinity: a later message would name a value nobody wrote.
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`is a number too large to represent (${text})`);
  return value;
}

/** Parses `ENV.PATH=VALUE`; refuses a malformed path and JSON that does not parse. */
export function parseSetArgument(text: string): SetArgument {
  const fail = (problem: string) => new SettingsError([`--set ${text}: ${problem}`]);
  const eq = text.indexOf('=');
  if (eq <= 0) throw fail('expected ENV.PATH=VALUE, e.g. --set dev.web.replicas=3.');
  const [env, ...settingPath] = text.slice(0, eq).split('.');
  if (settingPath.length === 0) throw fail(`expected ENV.PATH=VALUE with a setting path after the environment, e.g. --set ${env}.web.replicas=3.`);
  const segments = [env, ...settingPath];
  if (segments.some((s) => s === '')) throw fail(`"${text.slice(0, eq)}" has an empty path segment.`);
  const forbidden = segments.find((s) => FORBIDDEN_KEYS.has(s));
  if (forbidden) throw fail(`"${forbidden}" is not allowed in a setting path (it would reach the object prototype).`);
  const rawValue = text.slice(eq + 1);
  let value: unknown;
  try {
    value = parseSetValue(rawValue);
  } catch (err) {
    throw fail(`the value ${(err as Error).message}`);
  }
  const forbiddenInValue = findForbiddenKey(value);
  if (forbiddenInValue) throw fail(`the value has a key "${forbiddenInValue}", which is not allowed (it would reach the object prototype).`);
  return { text, env, path: settingPath, rawValue, value };
}

function findForbiddenKey(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return key;
    const inner = findForbiddenKey((value as Record<string, unknown>)[key]);
    if (inner) return inner;
  }
  return undefined;
}

/** A deep copy into null-prototype objects, so no key can reach Object.prototype. */
function plainCopy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(plainCopy) as unknown as T;
  if (value === null || typeof value !== 'object') return value;
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) throw new Error(`"${key}" is not allowed as a settings key.`);
    out[key] = plainCopy((value as Record<string, unknown>)[key]);
  }
  return out as T;
}

/**
 * Applies `--set` arguments, in order, to copies of the environments: unknown
 * environments and setting paths are refused with the closest known key. The result is
 * not yet checked against the schema: {@link checkEnvironments} does that.
 */
export function applySets(
  envs: Readonly<Record<string, ReferenceArchitectureProps>>,
  sets: readonly SetArgument[],
  selected: readonly string[],
): Record<string, ReferenceArchitectureProps> {
  const out = plainCopy({ ...envs }) as Record<string, ReferenceArchitectureProps>;
  const root = resolve(SETTINGS_SCHEMA);
  for (const set of sets) {
    const fail = (problem: string) => new SettingsError([`--set ${set.text}: ${problem}`]);
    const envNames = Object.keys(envs);
    if (!Object.hasOwn(envs, set.env)) {
      throw fail(`unknown environment "${set.env}".${suggestion(set.env, envNames, '')} Known environments: ${envNames.join(', ')}.`);
    }
    if (!selected.includes(set.env)) {
      throw fail(`environment "${set.env}" is not synthesized by this run (--env ${selected.join(' --env ')}); add --env ${set.env} or drop this --set.`);
    }
    // Walk the schema along the path: every segment must be a known key of an object setting.
    let node: SchemaNode = root;
    for (let i = 0; i < set.path.length; i++) {
      const parentPath = [set.env, ...set.path.slice(0, i)].join('.');
      const resolved = resolve(node);
      if (resolved.type !== 'object' || !resolved.properties) {
        throw fail(`"${parentPath}" is ${describeAllowed(resolved)}, not an object with settings; set it as a whole, e.g. --set ${parentPath}=<value>.`);
      }
      if (!Object.hasOwn(resolved.properties, set.path[i])) throw fail(unknownKeyMessage(parentPath, set.path[i], resolved));
      node = resolved.properties[set.path[i]];
    }
    // Set (or, for null, unset) the value in null-prototype objects, creating missing parents.
    let target = out[set.env] as Record<string, unknown>;
    for (const key of set.path.slice(0, -1)) {
      const next = Object.hasOwn(target, key) ? target[key] : undefined;
      if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) {
        if (set.value === null) { target = Object.create(null); break; }
        target[key] = Object.create(null);
      }
      target = target[key] as Record<string, unknown>;
    }
    const last = set.path[set.path.length - 1];
    if (set.value === null) delete target[last];
    else target[last] = plainCopy(set.value);
  }
  return out;
}

/** Where a setting's value came from, for messages. */
type Origin = (settingPath: string) => { label: string; set?: SetArgument };

/**
 * Checks each environment against the schema. Problems are reported against the
 * `--set` that put the value there (naming the value as written) or else against
 * config/environments.ts.
 */
export function checkEnvironments(envs: Readonly<Record<string, ReferenceArchitectureProps>>, sets: readonly SetArgument[] = []): void {
  const problems: string[] = [];
  for (const env of Object.keys(envs)) {
    // The name becomes a file name (<env>.k8s.yaml), a construct id and the prefix of --set.
    if (env.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(env)) {
      problems.push(`config/environments.ts: environment ${JSON.stringify(env.length > 80 ? `${env.slice(0, 80)}...` : env)}${env.length > 80 ? ` (${env.length} characters)` : ''}: `
        + 'an environment name must be a DNS-1123 label: 1-63 lowercase letters, digits or \'-\', starting and ending with a letter or digit (e.g. "dev" or "prod-eu"), '
        + 'because it names the output file <name>.k8s.yaml and is the prefix of --set <name>.<setting>.');
    }
  }
  if (problems.length > 0) throw new SettingsError(problems);
  for (const [env, props] of Object.entries(envs)) {
    if (validateSettings(props)) continue;
    const origin: Origin = (settingPath) => {
      const set = [...sets].reverse().find((s) => s.env === env && isWithin(settingPath, [s.env, ...s.path].join('.')));
      if (set) return { label: `--set ${set.text}`, set };
      return { label: `config/environments.ts: ${settingPath}` };
    };
    for (const error of groupRequired(validateSettings.errors ?? [])) {
      const problem = explain(env, props, error, origin);
      if (!problems.includes(problem)) problems.push(problem);
    }
  }
  if (problems.length > 0) throw new SettingsError(problems);
}

/** One `required` error per object, listing every missing key (ajv reports each alone). */
function groupRequired(errors: readonly ErrorObject[]): ErrorObject[] {
  const out: ErrorObject[] = [];
  const byPath = new Map<string, string[]>();
  for (const e of errors) {
    if (e.keyword !== 'required') { out.push(e); continue; }
    const missing = byPath.get(e.instancePath);
    if (missing) { missing.push(String(e.params.missingProperty)); continue; }
    const list = [String(e.params.missingProperty)];
    byPath.set(e.instancePath, list);
    out.push({ ...e, params: { ...e.params, missing: list } });
  }
  return out;
}

/** True when `inner` is `outer` or below it. */
function isWithin(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(`${outer}.`);
}

/** The node of the schema at an ajv instance path (`/web/resources`). */
function nodeAt(segments: readonly string[]): SchemaNode {
  let node: SchemaNode = resolve(SETTINGS_SCHEMA);
  for (const s of segments) {
    const n = resolve(node);
    node = n.type === 'array' ? (n.items ?? {}) : (n.properties?.[s] ?? {});
  }
  return resolve(node);
}

function valueAt(root: unknown, segments: readonly string[]): unknown {
  let v = root;
  for (const s of segments) v = v !== null && typeof v === 'object' && Object.hasOwn(v, s) ? (v as Record<string, unknown>)[s] : undefined;
  return v;
}

/** One ajv error as one line: origin, setting path as written, value as given, what is allowed. */
function explain(env: string, props: unknown, error: ErrorObject, origin: Origin): string {
  const segments = error.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const settingPath = [env, ...segments].join('.');
  const node = nodeAt(segments);
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty);
      const o = origin(`${settingPath}.${key}`);
      return `${o.label}: ${unknownKeyMessage(settingPath, key, node)}`;
    }
    case 'required': {
      const missing = (error.params.missing as string[]).map((k) => `"${k}"`).join(', ');
      // A required key is missing because of the --set that created, replaced or filled the block.
      const own = origin(settingPath);
      const o = own.set ? own : findSetBelow(origin, settingPath, props, segments);
      return `${o.label}: setting "${settingPath}" lacks required ${missing}. `
        + `Set the whole block as JSON, e.g. --set '${settingPath}={${(node.required ?? []).map((k) => `"${k}":...`).join(',')}}'.`;
    }
    case 'type':
    case 'enum': {
      const o = origin(settingPath);
      const value = valueAt(props, segments);
      const direct = o.set !== undefined && [o.set.env, ...o.set.path].join('.') === settingPath;
      const given = direct ? o.set!.rawValue : JSON.stringify(value);
      const read = direct && typeof value !== 'string' && node.type === 'string'
        ? ` (read as JSON ${typeOf(value)}; to pass the text, quote it: --set '${settingPath}=${JSON.stringify(String(given))}')`
        : ` (${typeOf(value)})`;
      return `${o.label}: setting "${settingPath}" must be ${describeAllowed(node)}; got ${given}${read}.`;
    }
    default:
      return `${origin(settingPath).label}: setting "${settingPath}" ${error.message ?? 'is not allowed'}.`;
  }
}

/** For a block missing a key: the --set that wrote a key inside it, if any. */
function findSetBelow(origin: Origin, settingPath: string, props: unknown, segments: readonly string[]): ReturnType<Origin> {
  const block = valueAt(props, segments);
  if (block !== null && typeof block === 'object') {
    for (const key of Object.keys(block)) {
      const o = origin(`${settingPath}.${key}`);
      if (o.set) return o;
    }
  }
  return origin(settingPath);
}
