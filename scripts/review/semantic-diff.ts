/**
 * Object-by-object, field-by-field comparison of two sets of Kubernetes objects, for
 * reviewing what a change does to the synthesized manifests.
 *
 * Lists whose items all carry a distinct `name` (containers, env, ports, volumes...) are
 * compared by name, so inserting one env var reports one addition instead of shifting
 * every later item. Secret `data`/`stringData` values never appear in the output.
 */
import { K8sObject, objectId } from './manifests';

export type Change =
  | { readonly op: 'changed'; readonly path: string; readonly from: unknown; readonly to: unknown; readonly masked?: boolean }
  | { readonly op: 'added'; readonly path: string; readonly value: unknown; readonly masked?: boolean }
  | { readonly op: 'removed'; readonly path: string; readonly value: unknown; readonly masked?: boolean };

export interface ObjectDiff {
  readonly id: string;
  readonly status: 'added' | 'removed' | 'changed';
  /** Field changes; empty for added and removed objects. */
  readonly changes: readonly Change[];
}

export interface FileDiff {
  /** What the compared objects came from, e.g. `dist/prod.k8s.yaml`. */
  readonly name: string;
  readonly objects: readonly ObjectDiff[];
}

const MASKED_SECRET_FIELDS = new Set(['data', 'stringData']);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Path segment for a map key: `.key`, or `["key"]` when the key would be ambiguous (dots, brackets, spaces). */
function keySegment(key: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function namedItems(list: unknown[]): Map<string, unknown> | undefined {
  if (list.length === 0) return undefined;
  const byName = new Map<string, unknown>();
  for (const item of list) {
    if (!isPlainObject(item) || typeof item.name !== 'string' || byName.has(item.name)) return undefined;
    byName.set(item.name, item);
  }
  return byName;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function diffValues(from: unknown, to: unknown, path: string, out: Change[], masked: boolean): void {
  if (deepEqual(from, to)) return;
  if (isPlainObject(from) && isPlainObject(to)) {
    for (const key of [...new Set([...Object.keys(from), ...Object.keys(to)])].sort()) {
      const p = `${path}${keySegment(key)}`;
      if (!(key in to)) out.push({ op: 'removed', path: p, value: from[key], ...(masked && { masked }) });
      else if (!(key in from)) out.push({ op: 'added', path: p, value: to[key], ...(masked && { masked }) });
      else diffValues(from[key], to[key], p, out, masked);
    }
    return;
  }
  if (Array.isArray(from) && Array.isArray(to)) {
    const a = namedItems(from);
    const b = namedItems(to);
    if (a && b) {
      for (const [name, item] of a) {
        const p = `${path}[${name}]`;
        if (!b.has(name)) out.push({ op: 'removed', path: p, value: item });
        else diffValues(item, b.get(name), p, out, masked);
      }
      for (const [name, item] of b) if (!a.has(name)) out.push({ op: 'added', path: `${path}[${name}]`, value: item });
      // Same items in another order is still a change (env order matters for $(VAR) references).
      const order = (m: Map<string, unknown>) => [...m.keys()].filter((k) => a.has(k) && b.has(k));
      if (order(a).join('\0') !== order(b).join('\0')) out.push({ op: 'changed', path: `${path} (order)`, from: order(a), to: order(b) });
      return;
    }
    // Lists of scalars (args, accessModes, policyTypes) read best whole; long lists of objects by index.
    if (from.every((x) => !isPlainObject(x) && !Array.isArray(x)) && to.every((x) => !isPlainObject(x) && !Array.isArray(x))) {
      out.push({ op: 'changed', path, from, to, ...(masked && { masked }) });
      return;
    }
    for (let i = 0; i < Math.max(from.length, to.length); i++) {
      const p = `${path}[${i}]`;
      if (i >= to.length) out.push({ op: 'removed', path: p, value: from[i] });
      else if (i >= from.length) out.push({ op: 'added', path: p, value: to[i] });
      else diffValues(from[i], to[i], p, out, masked);
    }
    return;
  }
  out.push({ op: 'changed', path, from, to, ...(masked && { masked }) });
}

/** Field changes between two versions of one object; paths start at the object root (`spec.replicas`). */
export function diffObject(from: K8sObject, to: K8sObject): Change[] {
  const out: Change[] = [];
  const secret = from.kind === 'Secret' || to.kind === 'Secret';
  const a = from as unknown as Record<string, unknown>;
  const b = to as unknown as Record<string, unknown>;
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const masked = secret && MASKED_SECRET_FIELDS.has(key);
    const p = key;
    if (!(key in b)) out.push({ op: 'removed', path: p, value: a[key], ...(masked && { masked }) });
    else if (!(key in a)) out.push({ op: 'added', path: p, value: b[key], ...(masked && { masked }) });
    else diffValues(a[key], b[key], p, out, masked);
  }
  return out;
}

/** Objects added, removed and changed between two sets, matched by kind, namespace and name; sorted by that id. */
export function diffManifests(from: readonly K8sObject[], to: readonly K8sObject[]): ObjectDiff[] {
  const index = (objs: readonly K8sObject[], side: string) => {
    const m = new Map<string, K8sObject>();
    for (const o of objs) {
      if (m.has(objectId(o))) throw new Error(`${side}: ${objectId(o)} appears twice`);
      m.set(objectId(o), o);
    }
    return m;
  };
  const a = index(from, 'old manifests');
  const b = index(to, 'new manifests');
  const out: ObjectDiff[] = [];
  for (const id of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(id);
    const y = b.get(id);
    if (!y) out.push({ id, status: 'removed', changes: [] });
    else if (!x) out.push({ id, status: 'added', changes: [] });
    else {
      const changes = diffObject(x, y);
      if (changes.length) out.push({ id, status: 'changed', changes });
    }
  }
  return out;
}

const HIDDEN = '(value hidden)';

/** A value on one line: scalars as YAML would show them, structures as compact JSON, long ones cut. */
export function formatValue(v: unknown, max = 120): string {
  const s = typeof v === 'string' ? (/^[\w./:@=+-][\w ./:@=+,-]*$/.test(v) && v.trim() === v ? v : JSON.stringify(v)) : v === undefined ? '(none)' : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function changeLine(c: Change, code: (s: string) => string): string {
  if (c.op === 'changed') return `${code(c.path)}: ${c.masked ? `changed ${HIDDEN}` : `${code(formatValue(c.from))} -> ${code(formatValue(c.to))}`}`;
  if (c.op === 'added') return `${code(c.path)}: added${c.masked ? ` ${HIDDEN}` : ` ${code(formatValue(c.value))}`}`;
  return `${code(c.path)}: removed${c.masked ? ` ${HIDDEN}` : ` (was ${code(formatValue(c.value))})`}`;
}

function summary(files: readonly FileDiff[]): string {
  const all = files.flatMap((f) => f.objects);
  const n = (s: ObjectDiff['status']) => all.filter((o) => o.status === s).length;
  return all.length === 0 ? 'No differences.' : `${n('changed')} changed, ${n('added')} added, ${n('removed')} removed object(s).`;
}

/** Objects that must share a change before it is printed once for all of them (a version label bump touches every object). */
export const GROUP_AT = 3;

/** Splits a file's field changes into those repeated in GROUP_AT or more objects (printed once) and the rest. */
function grouped(f: FileDiff): { perObject: Map<string, Change[]>; shared: Array<{ change: Change; ids: string[] }> } {
  const key = (c: Change) => changeLine(c, (x) => x);
  const ids = new Map<string, { change: Change; ids: string[] }>();
  for (const o of f.objects) for (const c of o.changes) {
    const g = ids.get(key(c)) ?? { change: c, ids: [] };
    g.ids.push(o.id);
    ids.set(key(c), g);
  }
  const shared = [...ids.values()].filter((g) => g.ids.length >= GROUP_AT);
  const sharedKeys = new Set(shared.map((g) => key(g.change)));
  const perObject = new Map(f.objects.map((o) => [o.id, o.changes.filter((c) => !sharedKeys.has(key(c)))]));
  return { perObject, shared };
}

/** Plain text, one line per field: `Deployment refarch-prod/guestbook: spec.replicas: 2 -> 3`; a change shared by many objects once, with their names. */
export function formatText(files: readonly FileDiff[]): string {
  const lines: string[] = [];
  for (const f of files) {
    if (f.objects.length === 0) continue;
    lines.push(`--- ${f.name}`);
    const { perObject, shared } = grouped(f);
    for (const o of f.objects) {
      if (o.status !== 'changed') lines.push(`${o.status === 'added' ? '+' : '-'} ${o.id}: ${o.status}`);
      for (const c of perObject.get(o.id)!) lines.push(`~ ${o.id}: ${changeLine(c, (s) => s)}`);
    }
    for (const g of shared) lines.push(`~ ${g.ids.length} objects: ${changeLine(g.change, (s) => s)} (${g.ids.join(', ')})`);
  }
  lines.push(summary(files));
  return `${lines.join('\n')}\n`;
}

/** Markdown for a pull request description: a heading per file, a bullet per object, nested bullets per field. */
export function formatMarkdown(files: readonly FileDiff[], title = 'Manifest changes'): string {
  // Inline code cannot hold a backtick run of its own length: use a longer fence.
  const code = (s: string) => {
    const run = Math.max(0, ...(s.match(/`+/g) ?? []).map((m) => m.length));
    const fence = '`'.repeat(run + 1);
    return run ? `${fence} ${s} ${fence}` : `${fence}${s}${fence}`;
  };
  const lines = [`### ${title}`, '', summary(files)];
  for (const f of files) {
    if (f.objects.length === 0) continue;
    lines.push('', `#### ${code(f.name)}`, '');
    const { perObject, shared } = grouped(f);
    for (const o of f.objects) {
      const own = perObject.get(o.id)!;
      if (o.status === 'changed' && own.length === 0) continue;
      lines.push(`- **${o.status}** ${code(o.id)}`);
      for (const c of own) lines.push(`  - ${changeLine(c, code)}`);
    }
    for (const g of shared) lines.push(`- **changed in ${g.ids.length} objects**: ${changeLine(g.change, code)}`, `  <details><summary>objects</summary>${g.ids.map(code).join(', ')}</details>`);
  }
  return `${lines.join('\n')}\n`;
}
