/**
 * The Kubernetes OpenAPI documents committed under `schemas/`, one folder per
 * supported minor (`schemas/v1.27/`, `schemas/v1.35/`, ...), each captured from a
 * real kube-apiserver by `schemas/capture.sh`:
 *
 *   schemas/v1.NN/openapi-v2.json   GET /openapi/v2 of the server, as served
 *   schemas/v1.NN/version.json      GET /version of the same server (gitVersion, ...)
 *
 * Adding a minor is capturing it: every folder found here is a supported minor.
 * Nothing in this module touches the network.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** Folder holding one `v1.NN/` folder per supported Kubernetes minor. */
export const SCHEMAS_DIR = path.resolve(__dirname, '..', 'schemas');

/** The minor whose schema `npm run import` turns into `imports/k8s.ts` (cdk8s-plus-27's level). */
export const IMPORT_MINOR = '1.27';

const MINOR_DIR = /^v(1\.\d+)$/;

/** Supported minors ("1.27", "1.35", ...), oldest first. */
export function supportedMinors(dir: string = SCHEMAS_DIR): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir)
    .map((name) => MINOR_DIR.exec(name)?.[1])
    .filter((m): m is string => !!m && fs.existsSync(openApiPath(m, dir)))
    .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
}

/** Accepts "1.27", "v1.27", "1.27.16" or "v1.27.16" and returns "1.27". */
export function normalizeMinor(input: string): string {
  const m = /^v?(1)\.(\d+)(\.\d+)?$/.exec(input.trim());
  if (!m) throw new Error(`"${input}" is not a Kubernetes minor version (expected e.g. 1.27)`);
  return `${m[1]}.${m[2]}`;
}

export function openApiPath(minor: string, dir: string = SCHEMAS_DIR): string {
  return path.join(dir, `v${minor}`, 'openapi-v2.json');
}

/** Subset of the server's `/version` answer recorded next to its schema. */
export interface ServerVersion {
  readonly gitVersion: string;
  readonly gitCommit?: string;
  readonly buildDate?: string;
  readonly goVersion?: string;
  readonly platform?: string;
}

export function serverVersion(minor: string, dir: string = SCHEMAS_DIR): ServerVersion {
  return JSON.parse(fs.readFileSync(path.join(dir, `v${minor}`, 'version.json'), 'utf8'));
}

/**
 * "apiVersion kind" strings ("apps/v1 Deployment") a kube-apiserver of this minor serves
 * with default flags (schemas/v1.NN/served-apis.json), or undefined when not captured.
 */
export function servedByDefault(minor: string, dir: string = SCHEMAS_DIR): Set<string> | undefined {
  const file = path.join(dir, `v${minor}`, 'served-apis.json');
  if (!fs.existsSync(file)) return undefined;
  return new Set(JSON.parse(fs.readFileSync(file, 'utf8')).kinds as string[]);
}

/** A Swagger 2.0 document as served by kube-apiserver at /openapi/v2 (only what we use). */
export interface OpenApiV2 {
  readonly swagger: string;
  readonly info?: { title?: string; version?: string };
  readonly definitions: Record<string, any>;
  readonly [key: string]: unknown;
}

const cache = new Map<string, { text: string; doc: OpenApiV2 }>();

function load(file: string): { text: string; doc: OpenApiV2 } {
  let hit = cache.get(file);
  if (!hit) {
    if (!fs.existsSync(file)) {
      throw new Error(`no committed schema at ${path.relative(process.cwd(), file)}: capture it with schemas/capture.sh (see schemas/README.md)`);
    }
    const text = fs.readFileSync(file, 'utf8');
    hit = { text, doc: JSON.parse(text) };
    if (!hit.doc.definitions) throw new Error(`${file} is not an OpenAPI v2 document (no "definitions")`);
    cache.set(file, hit);
  }
  return hit;
}

/** The committed OpenAPI v2 document of a minor (parsed once per process). */
export function readOpenApi(minor: string, dir: string = SCHEMAS_DIR): OpenApiV2 {
  return load(openApiPath(minor, dir)).doc;
}

/** sha256 of the committed schema file's bytes. */
export function schemaSha256(minor: string, dir: string = SCHEMAS_DIR): string {
  return createHash('sha256').update(load(openApiPath(minor, dir)).text).digest('hex');
}

export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const GVK = 'x-kubernetes-group-version-kind';

/** One `x-kubernetes-group-version-kind` entry. */
export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export function apiVersionOf(gvk: GroupVersionKind): string {
  return gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
}
