/**
 * Strict validation of Kubernetes manifests against the OpenAPI schema a real API
 * server published (committed under schemas/), with ajv. Like `kubeconform -strict`:
 * unknown fields, wrong types, missing required fields, values outside an enum and
 * badly formatted values (int32, quantity, base64, date-time) are errors, and an object
 * whose apiVersion/kind the server does not serve is an error too.
 *
 * Each issue names the file (and line), the object (kind/name, namespace, apiVersion),
 * the field path (`spec.template.spec.containers[0].ports[0].containerPort`) and the
 * Kubernetes minor whose schema refused it.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { Document, isMap, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import { documentValue } from '../scripts/review/manifests';
import { readOpenApi, servedByDefault, serverVersion, SCHEMAS_DIR, supportedMinors } from './schemas';
import { definitionsByGvk, KUBERNETES_FORMATS, strictDefinitions } from './strict-schema';

/** One reason a manifest does not match the schema. */
export interface ValidationIssue {
  /** File the manifest came from, as given. */
  readonly file: string;
  /** 1-based line of the offending field (or of its nearest existing parent), when known. */
  readonly line?: number;
  /** 0-based index of the YAML document within the file. */
  readonly document: number;
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
  /** Field path in kubectl's notation (`spec.ports[0].port`); empty for the whole object. */
  readonly path: string;
  readonly message: string;
  /** Kubernetes minors ("1.27", ...) whose schema refused it, oldest first. */
  readonly k8s: string[];
}

/** Strict validator for one Kubernetes minor. Schemas are compiled per kind, on first use. */
export class KubernetesSchemaValidator {
  /** Validators by minor, so a process compiles each minor's kinds once. */
  private static readonly instances = new Map<string, KubernetesSchemaValidator>();

  public static forMinor(minor: string, schemasDir: string = SCHEMAS_DIR): KubernetesSchemaValidator {
    const key = `${schemasDir}#${minor}`;
    let v = this.instances.get(key);
    if (!v) {
      v = new KubernetesSchemaValidator(minor, schemasDir);
      this.instances.set(key, v);
    }
    return v;
  }

  /** The exact server version the schema came from (e.g. v1.27.16). */
  public readonly serverVersion: string;
  private readonly ajv: Ajv;
  private readonly byGvk: Map<string, string>;
  private readonly served: Set<string> | undefined;
  private readonly compiled = new Map<string, ValidateFunction>();

  private constructor(public readonly minor: string, schemasDir: string) {
    const doc = readOpenApi(minor, schemasDir);
    this.serverVersion = serverVersion(minor, schemasDir).gitVersion;
    this.byGvk = definitionsByGvk(doc);
    this.served = servedByDefault(minor, schemasDir);
    this.ajv = new Ajv({
      allErrors: true,
      strict: true,
      strictTypes: false, // union types such as ["string", "null"] are intended
      strictRequired: false,
      allowUnionTypes: true,
      validateFormats: true,
      formats: KUBERNETES_FORMATS,
      inlineRefs: false, // compile each definition once; with code.optimize off this compiles ~2x faster
      code: { optimize: false },
      messages: true,
      verbose: true, // errors carry the offending value
    });
    this.ajv.addSchema({ $id: 'k8s', definitions: strictDefinitions(doc) });
  }

  /** Whether the server serves this apiVersion/kind. */
  public knows(apiVersion: string, kind: string): boolean {
    return this.byGvk.has(`${apiVersion} ${kind}`);
  }

  /**
   * Validates one object. Returns its problems as (JSON pointer, message) pairs;
   * an empty list means valid. Unless `allApis`, an apiVersion/kind that exists but that
   * a server with default flags does not serve (alpha, or beta off by default) is a problem.
   */
  public validate(obj: unknown, options: { allApis?: boolean } = {}): Array<{ pointer: string; message: string }> {
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return [{ pointer: '', message: 'a Kubernetes object must be a mapping' }];
    const { apiVersion, kind } = obj as { apiVersion?: unknown; kind?: unknown };
    const missing: Array<{ pointer: string; message: string }> = [];
    if (typeof apiVersion !== 'string' || !apiVersion) missing.push({ pointer: '/apiVersion', message: 'missing required field "apiVersion"' });
    if (typeof kind !== 'string' || !kind) missing.push({ pointer: '/kind', message: 'missing required field "kind"' });
    if (missing.length) return missing;
    const definition = this.byGvk.get(`${apiVersion} ${kind}`);
    if (!definition) {
      return [{ pointer: '', message: `the API server does not serve kind ${kind} in apiVersion ${apiVersion}${this.alternatives(kind as string)}` }];
    }
    const problems: Array<{ pointer: string; message: string }> = [];
    if (!options.allApis && this.served && !this.served.has(`${apiVersion} ${kind}`)) {
      problems.push({ pointer: '/apiVersion', message: `${apiVersion} ${kind} is not served by a Kubernetes ${this.minor} API server with default flags `
        + `(an alpha or disabled-by-default API: it needs --runtime-config${this.alternatives(kind as string, true)})` });
    }
    let fn = this.compiled.get(definition);
    if (!fn) {
      fn = this.ajv.compile({ $ref: `k8s#/definitions/${definition}` });
      this.compiled.set(definition, fn);
    }
    if (!fn(obj)) problems.push(...describe(fn.errors ?? []));
    return problems;
  }

  private alternatives(kind: string, servedOnly = false): string {
    const served = [...this.byGvk.keys()].filter((k) => k.endsWith(` ${kind}`) && (!servedOnly || !this.served || this.served.has(k)))
      .map((k) => k.split(' ')[0]);
    if (servedOnly) return served.length ? `; served by default: ${served.join(', ')}` : '';
    return served.length ? ` (it does in ${served.join(', ')})` : '';
  }
}

/** Turns ajv errors into one readable message per problem, pointing at the field itself. */
function describe(errors: ErrorObject[]): Array<{ pointer: string; message: string }> {
  const out: Array<{ pointer: string; message: string }> = [];
  const seen = new Set<string>();
  const push = (pointer: string, message: string) => {
    const key = `${pointer}\0${message}`;
    if (!seen.has(key)) { seen.add(key); out.push({ pointer, message }); }
  };
  for (const e of errors) {
    const p: any = e.params;
    switch (e.keyword) {
      case 'additionalProperties':
        push(`${e.instancePath}/${escape(p.additionalProperty)}`, `unknown field "${p.additionalProperty}"`);
        break;
      case 'required':
        push(`${e.instancePath}/${escape(p.missingProperty)}`, `missing required field "${p.missingProperty}"`);
        break;
      case 'type':
        push(e.instancePath, `expected ${listOf(String(p.type).split(','))}, got ${typeOf(e.data)}${sample(e.data)}`);
        break;
      case 'enum':
        push(e.instancePath, `unsupported value ${JSON.stringify(e.data)}: must be one of ${(p.allowedValues as unknown[]).filter((v) => v !== null).map((v) => JSON.stringify(v)).join(', ')}`);
        break;
      case 'format':
        push(e.instancePath, `invalid ${p.format} value ${JSON.stringify(e.data)}${FORMAT_HINTS[p.format] ?? ''}`);
        break;
      default:
        push(e.instancePath, e.message ?? e.keyword);
    }
  }
  return out;
}

const FORMAT_HINTS: Record<string, string> = {
  'quantity': ' (a Kubernetes quantity such as 250m, 1.5, 64Mi or 2Gi)',
  'int32': ' (must be an integer from -2147483648 to 2147483647)',
  'int-or-string': ' (a number must be a 32-bit integer)',
  'byte': ' (must be standard base64)',
  'date-time': ' (must be an RFC 3339 date-time)',
};

const escape = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
const unescape = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');
const typeOf = (v: unknown) => v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' && Number.isInteger(v) ? 'integer' : typeof v;
const sample = (v: unknown) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') ? ` ${JSON.stringify(v)}` : '';
const listOf = (types: string[]) => {
  const t = types.filter((x) => x !== 'null');
  return t.length <= 1 ? t.join('') : `${t.slice(0, -1).join(', ')} or ${t[t.length - 1]}`;
};

/** JSON pointer segments ("/spec/ports/0/port" to ["spec", "ports", 0, "port"]). */
export function pointerSegments(pointer: string, data?: unknown): Array<string | number> {
  const segs: Array<string | number> = [];
  let node: any = data;
  for (const raw of pointer.split('/').slice(1)) {
    const s = unescape(raw);
    const seg: string | number = Array.isArray(node) && /^\d+$/.test(s) ? Number(s) : s;
    segs.push(seg);
    node = node && typeof node === 'object' ? node[seg as any] : undefined;
  }
  return segs;
}

/** kubectl-style field path: ["spec", "ports", 0, "port"] to "spec.ports[0].port". */
export function fieldPath(segs: Array<string | number>): string {
  let out = '';
  for (const s of segs) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** Validates every YAML document of `text` against each minor. */
/** Options of {@link validateYaml} and {@link validatePaths}. */
export interface ValidateOptions {
  /** Kubernetes minors to validate against. @default every minor in schemas/ */
  readonly minors?: string[];
  /** Accept apiVersions a default API server does not serve (alpha APIs). @default false */
  readonly allApis?: boolean;
}

export function validateYaml(file: string, text: string, options: ValidateOptions = {}): ValidationIssue[] {
  return checkYaml(file, text, options).issues;
}

function checkYaml(file: string, text: string, options: ValidateOptions): { issues: ValidationIssue[]; objects: number } {
  const minors = options.minors ?? supportedMinors();
  const issues: ValidationIssue[] = [];
  let objects = 0;
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const lineAt = (offset: number | undefined) => offset === undefined ? undefined : lineCounter.linePos(offset).line;
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, index) => {
    if (doc.errors.length) {
      for (const err of doc.errors) {
        issues.push({ file, document: index, line: lineAt(err.pos[0]), path: '', message: `YAML error: ${err.message.split('\n')[0]}`, k8s: [...minors] });
      }
      return;
    }
    let obj;
    try {
      obj = documentValue(doc, `${file}: document ${index + 1}`);
    } catch (err) {
      issues.push({ file, document: index, line: undefined, path: '', message: `YAML error: ${(err as Error).message.replace(`${file}: document ${index + 1}: `, '')}`, k8s: [...minors] });
      return;
    }
    if (obj === null || obj === undefined) return; // empty document
    objects++;
    const meta = obj && typeof obj === 'object' && !Array.isArray(obj) ? obj : {};
    const identity = {
      apiVersion: typeof meta.apiVersion === 'string' ? meta.apiVersion : undefined,
      kind: typeof meta.kind === 'string' ? meta.kind : undefined,
      name: typeof meta.metadata?.name === 'string' ? meta.metadata.name : undefined,
      namespace: typeof meta.metadata?.namespace === 'string' ? meta.metadata.namespace : undefined,
    };
    // The same problem under several minors is reported once, listing the minors.
    const merged = new Map<string, ValidationIssue & { k8s: string[] }>();
    for (const k8s of minors) {
      for (const problem of KubernetesSchemaValidator.forMinor(k8s).validate(obj, { allApis: options.allApis })) {
        const key = `${problem.pointer}\0${problem.message}`;
        const seen = merged.get(key);
        if (seen) { seen.k8s.push(k8s); continue; }
        const segs = pointerSegments(problem.pointer, obj);
        merged.set(key, { file, document: index, line: lineOf(doc, segs, lineAt), ...identity, path: fieldPath(segs), message: problem.message, k8s: [k8s] });
      }
    }
    issues.push(...[...merged.values()].sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  });
  return { issues, objects };
}

/** Line of the node at `segs`, or of its nearest ancestor that exists. */
function lineOf(doc: Document, segs: Array<string | number>, lineAt: (o?: number) => number | undefined): number | undefined {
  for (let n = segs.length; n >= 0; n--) {
    const prefix = segs.slice(0, n);
    const parent: any = n === 0 ? doc.contents : doc.getIn(prefix.slice(0, -1), true);
    if (n > 0 && isMap(parent)) {
      const pair = parent.items.find((p: any) => (p.key?.value ?? p.key) === prefix[n - 1]);
      if (pair) return lineAt((pair.key as any)?.range?.[0] ?? (pair.value as any)?.range?.[0]);
    } else if (n > 0 && isSeq(parent)) {
      const item: any = parent.items[prefix[n - 1] as number];
      if (item?.range) return lineAt(item.range[0]);
    } else if (n === 0) {
      return lineAt((parent as any)?.range?.[0]);
    }
  }
  return undefined;
}

/** The YAML/JSON manifest files under `target` (a file, or a folder searched recursively). */
export function manifestFiles(target: string): string[] {
  const stat = fs.statSync(target);
  if (stat.isFile()) return [target];
  const out: string[] = [];
  for (const entry of fs.readdirSync(target, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(target, entry.name);
    if (entry.isDirectory()) out.push(...manifestFiles(full));
    else if (/\.(ya?ml|json)$/.test(entry.name)) out.push(full);
  }
  return out;
}

/** Validates files and folders (recursively: *.yaml, *.yml, *.json) against each minor. */
export function validatePaths(targets: string[], options: ValidateOptions = {}): { files: string[]; objects: number; issues: ValidationIssue[] } {
  const files = targets.flatMap(manifestFiles);
  const issues: ValidationIssue[] = [];
  let objects = 0;
  for (const file of files) {
    const result = checkYaml(file, fs.readFileSync(file, 'utf8'), options);
    objects += result.objects;
    issues.push(...result.issues);
  }
  return { files, objects, issues };
}

/**
 * One line per issue:
 * `dist/dev.k8s.yaml:42: Deployment guestbook (namespace refarch-dev, apps/v1): spec.replicas: expected integer, got string "2" [k8s 1.27, 1.35]`
 */
export function formatIssue(i: ValidationIssue): string {
  const where = `${i.file}${i.line ? `:${i.line}` : ''}`;
  const what = i.kind || i.name
    ? `${i.kind ?? '(no kind)'} ${i.name ?? '(no name)'} (${[i.namespace ? `namespace ${i.namespace}` : '', i.apiVersion ?? ''].filter(Boolean).join(', ')})`
    : `document ${i.document + 1}`;
  return `${where}: ${what}: ${i.path ? `${i.path}: ` : ''}${i.message} [k8s ${i.k8s.join(', ')}]`;
}
