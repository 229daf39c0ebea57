/**
 * Reading synthesized manifests generically: every review tool (diagram, diff, bench
 * comparison) works from the YAML, never from the constructs, so it keeps working when
 * the constructs add or rename objects.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Document, parseAllDocuments } from 'yaml';

/** A Kubernetes object as parsed from YAML. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [field: string]: unknown;
}

/** Parses a multi-document YAML string; empty documents are skipped, anything that is not an object with kind and metadata.name is an error naming the source and document. */
export function parseManifests(text: string, source: string): K8sObject[] {
  const out: K8sObject[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${source}: document ${i + 1}: ${doc.errors[0].message}`);
    const value = documentValue(doc, `${source}: document ${i + 1}`);
    if (value === null || value === undefined) return;
    if (typeof value !== 'object' || Array.isArray(value) || typeof value.kind !== 'string' || typeof value.metadata?.name !== 'string') {
      throw new Error(`${source}: document ${i + 1} is not a Kubernetes object (it needs kind and metadata.name)`);
    }
    out.push(value as K8sObject);
  });
  return out;
}

/** The YAML's aliases may expand to at most this many nodes (yaml's maxAliasCount). */
export const MAX_ALIAS_COUNT = 100;

/**
 * A document's value, with its aliases expanded at most {@link MAX_ALIAS_COUNT} times: an
 * "alias bomb" (aliases of aliases, a few hundred bytes that expand to gigabytes) is refused
 * with an error naming `where`, instead of a stack trace or a hang.
 */
export function documentValue(doc: Document, where: string): any {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (err instanceof ReferenceError && /alias/i.test(err.message)) {
      throw new Error(`${where}: its YAML aliases (*name) expand to more than ${MAX_ALIAS_COUNT} times the nodes they name, as in an alias bomb; manifests need no aliases, write the values out`);
    }
    throw new Error(`${where}: ${(err as Error).message}`);
  }
}

export function readManifests(file: string): K8sObject[] {
  return parseManifests(fs.readFileSync(file, 'utf8'), file);
}

/** `Kind namespace/name` (or `Kind name` for cluster-scoped objects): how every tool names an object. */
export function objectId(o: K8sObject): string {
  return o.metadata.namespace ? `${o.kind} ${o.metadata.namespace}/${o.metadata.name}` : `${o.kind} ${o.metadata.name}`;
}

/** The environments in a dist/ folder: `<env>.k8s.yaml` files, sorted. */
export function distEnvironments(distDir: string): string[] {
  return fs.readdirSync(distDir).filter((f) => f.endsWith('.k8s.yaml')).map((f) => path.basename(f, '.k8s.yaml')).sort();
}

/** Whether a label selector (matchLabels and matchExpressions, or a plain map as in Service.spec.selector) selects the given labels. An empty selector selects everything. */
export function selects(selector: unknown, labels: Record<string, string> | undefined): boolean {
  if (selector === undefined || selector === null) return false;
  const l = labels ?? {};
  const sel = selector as { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };
  const isLabelSelector = 'matchLabels' in sel || 'matchExpressions' in sel;
  const matchLabels = isLabelSelector ? sel.matchLabels ?? {} : (selector as Record<string, string>);
  if (!Object.entries(matchLabels).every(([k, v]) => l[k] === v)) return false;
  for (const e of isLabelSelector ? sel.matchExpressions ?? [] : []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    const ok = e.operator === 'In' ? has && (e.values ?? []).includes(l[e.key])
      : e.operator === 'NotIn' ? !has || !(e.values ?? []).includes(l[e.key])
        : e.operator === 'Exists' ? has
          : e.operator === 'DoesNotExist' ? !has : false;
    if (!ok) return false;
  }
  return true;
}

/** A selector written out concisely, e.g. `name=guestbook, tier In (a,b)`; `{}` selects all. */
export function describeSelector(selector: unknown): string {
  const sel = (selector ?? {}) as { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) parts.push(`${e.key} ${e.operator}${e.values ? ` (${e.values.join(',')})` : ''}`);
  return parts.length ? parts.join(', ') : 'all';
}
