/**
 * Generates kubeconform's schemas offline from the OpenAPI documents this project
 * captured from real API servers (schemas/v1.NN/openapi-v2.json), so kubeconform never
 * downloads one. There is no openapi2jsonschema here; this does what its
 * `--kubernetes --strict --stand-alone` mode does, reusing schema-check's strict
 * conversion (additionalProperties: false, IntOrString, Quantity, nullable optional
 * fields), then inlining every $ref so each file stands alone.
 *
 * Layout (what kubeconform's -schema-location template expects):
 *   <out>/<key>/v1.NN.P-standalone-strict/<kind><kindSuffix>.json   e.g. deployment-apps-v1.json
 * (v1.NN.P: the captured server's gitVersion, schemas/v1.NN/version.json)
 * with the template
 *   <out>/<key>/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json
 *
 * <key> hashes everything the files are made from (the captured documents and the code
 * that converts them), so a re-capture or a converter change gets a fresh folder and a
 * cached folder is never stale. Only the kinds a default API server serves
 * (served-apis.json) get a file: kubeconform then refuses an alpha apiVersion the way the
 * server would ("could not find schema").
 *
 * Usage: node --import tsx tools/linters/kubeconform-schemas.ts --out DIR
 * Prints the folder holding the v1.NN.P-standalone-strict/ folders (generated if missing).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { apiVersionOf, GVK, OpenApiV2, openApiPath, readOpenApi, SCHEMAS_DIR, servedByDefault, serverVersion, supportedMinors } from '../../schema-check/schemas';
import { strictDefinitions } from '../../schema-check/strict-schema';
import { writeFile } from '../../scripts/safe-write';

const REF_PREFIX = '#/definitions/';

/**
 * kubeconform ignores the `format`s it does not know (int32, quantity, byte), while the API
 * server refuses an int32 overflow, "512MB" or bad base64; the same rules as keywords it
 * does apply. The patterns are schema-check's (strict-schema.ts), in RE2 syntax for Go.
 */
const FORMAT_KEYWORDS: Record<string, Record<string, unknown>> = {
  'int32': { minimum: -2147483648, maximum: 2147483647 },
  'int-or-string': { minimum: -2147483648, maximum: 2147483647 },
  'quantity': { pattern: '^[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[KMGTPE]i|[numkMGTPE]|[eE][+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+))?$' },
  'byte': { pattern: '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$' },
};

/**
 * The file name kubeconform looks for: lower-case kind, then "-<first label of the
 * group>-<version>" (core group: "-<version>"), as in kubeconform's registry.schemaPath.
 */
export function schemaFileName(apiVersion: string, kind: string): string {
  const [groupOrVersion, version] = apiVersion.split('/');
  const suffix = version === undefined
    ? `-${groupOrVersion.toLowerCase()}`
    : `-${groupOrVersion.split('.')[0].toLowerCase()}-${version.toLowerCase()}`;
  return `${kind.toLowerCase()}${suffix}.json`;
}

/**
 * One standalone strict JSON schema per served "apiVersion kind", by file name. $refs are
 * inlined; only a recursive definition (CRD's JSONSchemaProps refers to itself) is kept
 * once under the file's own `definitions` and referred to locally, since inlining it
 * would never end.
 */
export function standaloneSchemas(doc: OpenApiV2, served?: Set<string>): Map<string, Record<string, any>> {
  const defs = strictDefinitions(doc);
  const files = new Map<string, Record<string, any>>();
  const owner = new Map<string, string>();
  for (const [name, def] of Object.entries(doc.definitions)) {
    if (!def.properties?.metadata) continue; // not an object a manifest can hold (DeleteOptions, WatchEvent...)
    for (const gvk of def[GVK] ?? []) {
      const apiVersion = apiVersionOf(gvk);
      if (served && !served.has(`${apiVersion} ${gvk.kind}`)) continue;
      const file = schemaFileName(apiVersion, gvk.kind);
      const previous = owner.get(file);
      if (previous !== undefined && previous !== `${apiVersion} ${gvk.kind}`) {
        // kubeconform would read one file for two different types: refuse rather than guess.
        throw new Error(`${apiVersion} ${gvk.kind} and ${previous} both map to ${file}`);
      }
      owner.set(file, `${apiVersion} ${gvk.kind}`);
      const local: Record<string, any> = {};
      const schema = inline(defs[name], defs, [name], local);
      schema.properties = { ...schema.properties };
      // Like the published kubernetes-json-schema files: the file is for this type only.
      schema.properties.apiVersion = { ...schema.properties.apiVersion, enum: [apiVersion] };
      schema.properties.kind = { ...schema.properties.kind, enum: [gvk.kind] };
      if (Object.keys(local).length > 0) schema.definitions = local;
      files.set(file, schema);
    }
  }
  return files;
}

function refName(node: any): string | undefined {
  return node && typeof node === 'object' && !Array.isArray(node) && typeof node.$ref === 'string' && node.$ref.startsWith(REF_PREFIX)
    ? node.$ref.slice(REF_PREFIX.length)
    : undefined;
}

function inline(node: any, defs: Record<string, any>, stack: string[], local: Record<string, any>): any {
  if (Array.isArray(node)) return node.map((n) => inline(n, defs, stack, local));
  if (!node || typeof node !== 'object') return node;
  const ref = refName(node);
  if (ref !== undefined) {
    const target = defs[ref];
    if (target === undefined) throw new Error(`$ref to a missing definition: ${ref}`);
    if (stack.includes(ref)) {
      if (!(ref in local)) {
        local[ref] = {}; // placeholder: the definition may refer to itself again
        local[ref] = inline(target, defs, [ref], local);
      }
      return { $ref: `${REF_PREFIX}${ref}` };
    }
    return inline(target, defs, [...stack, ref], local);
  }
  const out: Record<string, any> = {};
  for (const [key, value] of Object.entries(node)) {
    // Under `properties` the keys are field names (JSONSchemaProps has fields called
    // "$ref" and "$schema"), so only their values are schemas.
    out[key] = key === 'properties'
      ? Object.fromEntries(Object.entries(value as object).map(([f, s]) => [f, inline(s, defs, stack, local)]))
      : inline(value, defs, stack, local);
  }
  if (typeof out.format === 'string' && FORMAT_KEYWORDS[out.format]) Object.assign(out, FORMAT_KEYWORDS[out.format]);
  return out;
}

/** Content key: the captured documents of every minor and the code that converts them. */
export function contentKey(minors: string[], dir: string = SCHEMAS_DIR): string {
  const h = createHash('sha256');
  for (const file of [__filename, require.resolve('../../schema-check/strict-schema')]) h.update(fs.readFileSync(file));
  for (const minor of minors) {
    h.update(`\0${minor}\0`).update(fs.readFileSync(openApiPath(minor, dir)));
    h.update(fs.readFileSync(path.join(dir, `v${minor}`, 'version.json')));
    const served = path.join(dir, `v${minor}`, 'served-apis.json');
    if (fs.existsSync(served)) h.update(fs.readFileSync(served));
  }
  return h.digest('hex').slice(0, 16);
}

/** Writes every minor's schemas under `out/<key>/` unless already there; returns that folder. */
export function ensureSchemas(out: string, dir: string = SCHEMAS_DIR): string {
  const minors = supportedMinors(dir);
  if (minors.length === 0) throw new Error(`no captured schemas in ${dir} (see schemas/README.md)`);
  const target = path.join(out, contentKey(minors, dir));
  if (fs.existsSync(target)) return target;
  fs.mkdirSync(out, { recursive: true });
  // Written aside and renamed into place, so an interrupted run leaves no half folder
  // that a later run would take for complete.
  const tmp = fs.mkdtempSync(path.join(out, '.tmp-'));
  try {
    for (const minor of minors) {
      // kubeconform takes a full version (-kubernetes-version 1.27.16), hence the patch level.
      const folder = path.join(tmp, `${serverVersion(minor, dir).gitVersion}-standalone-strict`);
      fs.mkdirSync(folder);
      for (const [file, schema] of standaloneSchemas(readOpenApi(minor, dir), servedByDefault(minor, dir))) {
        writeFile(path.join(folder, file), JSON.stringify(schema));
      }
    }
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    // Another run may have finished the same key first: its folder is as good as ours.
    if (fs.existsSync(target)) return target;
    throw e;
  }
  return target;
}

if (require.main === module) {
  try {
    const { values } = parseArgs({ options: { out: { type: 'string' } } });
    if (!values.out) throw new Error('usage: kubeconform-schemas.ts --out DIR');
    console.log(ensureSchemas(path.resolve(values.out)));
  } catch (e) {
    console.error(`kubeconform-schemas: ${(e as Error).message}`);
    process.exit(1);
  }
}
