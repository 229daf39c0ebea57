/**
 * The CustomResourceDefinitions committed under `schemas/gateway-api/<version>/crds/`:
 * the Gateway API's standard channel, exactly as the `sigs.k8s.io/gateway-api` Go module
 * ships it (vendored by `schemas/gateway-api/vendor.sh`, pinned as GATEWAY_API_VERSION in
 * `cluster/versions.env`, checksums in `SHA256SUMS`).
 *
 * A CRD's `openAPIV3Schema` is the schema the API server validates its objects with, so
 * the strict validator treats each served version as one more definition of the captured
 * OpenAPI document, under the name the server itself publishes it with in /openapi/v2
 * (`io.k8s.networking.gateway.v1.HTTPRoute`), with `metadata` checked as ObjectMeta, as
 * the server does for every object. A CRD's kinds count as served on a captured minor when
 * that minor's API server accepted the CRD (`install-results.json`, recorded by
 * schemas/gateway-api/capture.sh: Kubernetes 1.27 refuses TLSRoute, whose CEL rules use a
 * function 1.27 lacks); the dry runs in schemas/ install them the same way.
 *
 * What only the server can check is left to it: the CRDs' CEL rules
 * (`x-kubernetes-validations`). Nothing here touches the network.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { GVK, OpenApiV2 } from './schemas';

const ROOT = path.resolve(__dirname, '..');

/** The pinned Gateway API version, read from cluster/versions.env (the one place it is set). */
export function gatewayApiVersion(): string {
  const env = fs.readFileSync(path.join(ROOT, 'cluster', 'versions.env'), 'utf8');
  const m = /^GATEWAY_API_VERSION=(v\d+\.\d+\.\d+)$/m.exec(env);
  if (!m) throw new Error('cluster/versions.env has no GATEWAY_API_VERSION=vX.Y.Z');
  return m[1];
}

/** Folder of the vendored CRDs of the pinned version. */
export function gatewayApiDir(version: string = gatewayApiVersion()): string {
  return path.join(ROOT, 'schemas', 'gateway-api', version);
}

/** One CustomResourceDefinition as committed (only the fields used here). */
export interface CustomResourceDefinition {
  readonly file: string;
  readonly spec: {
    readonly group: string;
    readonly names: { readonly kind: string };
    readonly scope: 'Namespaced' | 'Cluster';
    readonly versions: ReadonlyArray<{
      readonly name: string;
      readonly served: boolean;
      readonly storage: boolean;
      readonly deprecated?: boolean;
      readonly schema?: { readonly openAPIV3Schema?: Record<string, any> };
    }>;
  };
}

let cache: { dir: string; crds: CustomResourceDefinition[]; files: Map<string, string> } | undefined;

function load(dir: string = gatewayApiDir()) {
  if (cache?.dir === dir) return cache;
  const crdDir = path.join(dir, 'crds');
  if (!fs.existsSync(crdDir)) throw new Error(`no vendored CRDs at ${path.relative(process.cwd(), crdDir)}: run schemas/gateway-api/vendor.sh`);
  const files = new Map<string, string>();
  const crds: CustomResourceDefinition[] = [];
  for (const name of fs.readdirSync(crdDir).filter((f) => f.endsWith('.yaml')).sort()) {
    const text = fs.readFileSync(path.join(crdDir, name), 'utf8');
    files.set(`crds/${name}`, text);
    for (const doc of parseAllDocuments(text)) {
      const obj = doc.toJS();
      if (obj?.kind === 'CustomResourceDefinition') crds.push({ file: `crds/${name}`, spec: obj.spec });
    }
  }
  cache = { dir, crds, files };
  return cache;
}

/** The vendored CRDs, in file order. */
export function customResourceDefinitions(dir?: string): CustomResourceDefinition[] {
  return load(dir).crds;
}

/** The vendored CRD files' text by path below the version folder (`crds/<file>.yaml`), for the import header and tests. */
export function crdFiles(dir?: string): ReadonlyMap<string, string> {
  return load(dir).files;
}

/** sha256 over the CRD files (name and content, in order): the import header records it. */
export function crdSha256(dir?: string): string {
  const h = createHash('sha256');
  for (const [name, text] of crdFiles(dir)) h.update(`${name}\0${text}\0`);
  return h.digest('hex');
}

/**
 * A minor's captured OpenAPI document and served kinds with the CRDs that minor accepts
 * added, as a server with them installed publishes its /openapi/v2.
 */
export function withCrds(doc: OpenApiV2, served: Set<string> | undefined, minor: string): { doc: OpenApiV2; served: Set<string> | undefined; refused: Map<string, string> } {
  const crds = crdDefinitions(undefined, minor);
  return {
    doc: { ...doc, definitions: { ...doc.definitions, ...crds.definitions } },
    served: served && new Set([...served, ...crds.served]),
    refused: crds.refused,
  };
}

/** The name kube-apiserver publishes a CRD version's schema under in /openapi/v2: reversed group, version, kind. */
export function definitionName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

/** The CRD files a minor's API server refused, with its reason (install-results.json). */
export function refusedOn(minor: string, dir: string = gatewayApiDir()): Record<string, string> {
  const file = path.join(dir, 'install-results.json');
  if (!fs.existsSync(file)) return {};
  return JSON.parse(fs.readFileSync(file, 'utf8'))[minor]?.refused ?? {};
}

/**
 * The served CRD versions as OpenAPI v2 definitions (openAPIV3Schema with `metadata` as a
 * `$ref` to ObjectMeta and the group-version-kind extension), and their "apiVersion kind"
 * strings; with a minor, only the CRDs its API server accepts, and the refused kinds with the reason.
 */
export function crdDefinitions(dir?: string, minor?: string): { definitions: Record<string, any>; served: string[]; refused: Map<string, string> } {
  const definitions: Record<string, any> = {};
  const served: string[] = [];
  const refused = new Map<string, string>();
  const refusedFiles = minor === undefined ? {} : refusedOn(minor, dir);
  for (const crd of customResourceDefinitions(dir)) {
    const { group, names } = crd.spec;
    for (const v of crd.spec.versions) {
      if (!v.served || !v.schema?.openAPIV3Schema) continue;
      const reason = refusedFiles[crd.file];
      if (reason !== undefined) {
        refused.set(`${group}/${v.name} ${names.kind}`, reason);
        continue;
      }
      const schema = structuredClone(v.schema.openAPIV3Schema);
      schema.properties = { ...schema.properties, metadata: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' } };
      schema[GVK] = [{ group, version: v.name, kind: names.kind }];
      definitions[definitionName(group, v.name, names.kind)] = schema;
      served.push(`${group}/${v.name} ${names.kind}`);
    }
  }
  return { definitions, served, refused };
}
