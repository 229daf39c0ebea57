/**
 * The YAML that `npm run synth` writes: cdk8s's own (`Yaml.stringify`: YAML 1.1 schema, no
 * line wrapping), byte for byte, except for the strings that its writer would put in a
 * form kubectl reads differently. kubectl reads manifests with sigs.k8s.io/yaml (go-yaml),
 * which misreads two block-scalar (`|`) forms the writer chooses: a first line starting
 * with a tab (refused: "found a tab character where an indentation space is expected") and
 * text made only of blanks and newlines (the blanks are dropped). Those strings are written
 * double-quoted instead ("\n" escapes), which both read alike. test/upstream-oracle.test.ts
 * checks every string of blanks, tabs, newlines and letters up to 6 characters, and
 * generated text, against the real reader.
 *
 * How: the `yaml` library's Document builds a node for every value and then prints the
 * tree, a fifth of a synth's time. Manifests are plain JSON data, for which the printing
 * is a fixed layout (`key: value`, `- item`, two spaces per level) around the scalars; so
 * {@link blockDocument} lays the plain data out itself and asks the library for every
 * scalar, with the library's own string and scalar stringifiers and the stringify context
 * the library itself builds for this document's options (see {@link contexts}): every
 * choice of plain, quoted or block style and every escape is still the library's. Anything
 * beyond plain data (an object seen twice, which the library writes as an alias; undefined;
 * a class instance; a key the library writes as an explicit `? ` key; a `|+` block whose
 * kept newlines change the lines after it) is written by the library's Document, whole.
 * test/yaml-writer.test.ts holds the two to the same bytes on generated documents full of
 * such strings, and dist/ (every object the constructs make) is written both ways.
 */
import { Document, YAMLMap, visit } from 'yaml';
import type * as YamlUtil from 'yaml/dist/util';

// `yaml/util` is the library's public entry for its stringifiers (package.json "exports");
// its type declarations live under dist/, which this project's TypeScript resolution reads.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { stringTag }: typeof YamlUtil = require('yaml/util');

type StringifyContext = YamlUtil.StringifyContext;

/** cdk8s's Yaml.stringify: `new Document(value, DOC_OPTIONS).toString(TO_STRING_OPTIONS)`. */
const DOC_OPTIONS = { version: '1.1', keepUndefined: true } as const;
const TO_STRING_OPTIONS = { lineWidth: 0 } as const;

/** A string whose block-scalar form kubectl would misread. */
export function misreadAsBlock(value: string): boolean {
  return value.includes('\n') && (/^\n*\t/.test(value) || /^[ \t\n]*$/.test(value));
}

/** Whether a key or a value anywhere in `value` is a {@link misreadAsBlock} string. */
function hasMisreadString(value: unknown): boolean {
  if (typeof value === 'string') return misreadAsBlock(value);
  if (Array.isArray(value)) return value.some(hasMisreadString);
  if (value === null || typeof value !== 'object') return false;
  for (const [k, v] of Object.entries(value)) if (misreadAsBlock(k) || hasMisreadString(v)) return true;
  return false;
}

/** One document the library's way: the reference {@link blockDocument} is held to. */
export function libraryDocument(d: unknown): string {
  const doc = new Document(d, DOC_OPTIONS);
  // Visiting every node of the document costs a quarter of writing it: only a document
  // that holds such a string (a walk of the plain object finds it much faster) is visited.
  if (hasMisreadString(d)) {
    visit(doc, {
      Scalar(_key, node) {
        if (typeof node.value === 'string' && misreadAsBlock(node.value)) node.type = 'QUOTE_DOUBLE';
      },
    });
  }
  return doc.toString(TO_STRING_OPTIONS);
}

/** The YAML of one or more documents, as cdk8s's Yaml.stringify writes them but for {@link misreadAsBlock} strings. */
export function manifestYaml(...docs: unknown[]): string {
  return docs.map((d) => (d === undefined ? '\n' : blockDocument(d) ?? libraryDocument(d))).join('---\n');
}

/** Thrown inside {@link blockDocument} when the document is not one it lays out. */
class NotPlain extends Error {}

/**
 * The stringify contexts the library uses for a key and for a value at each indentation,
 * derived, as the library derives them, from the one it builds for a document with these
 * options (stringifyDocument's createStringifyContext; stringifyPair sets `implicitKey` and
 * adds a step of indentation; a block collection's items get the item indentation). The
 * base is taken from the library by printing a document whose root node records the
 * context it is given, so options and schema are exactly the library's.
 */
const contexts = (() => {
  let base: StringifyContext | undefined;
  class Probe extends YAMLMap {
    override toString(ctx?: StringifyContext): string {
      base = ctx;
      return '{}';
    }
  }
  const cache = new Map<string, StringifyContext>();
  return (indent: string, implicitKey: boolean): StringifyContext => {
    if (base === undefined) {
      const doc = new Document({}, DOC_OPTIONS);
      doc.contents = new Probe(doc.schema);
      doc.toString(TO_STRING_OPTIONS);
      if (base === undefined) throw new Error('yaml: the document printed without a stringify context');
    }
    const id = `${implicitKey ? 'k' : 'v'}${indent.length}`;
    let ctx = cache.get(id);
    if (ctx === undefined) {
      ctx = { ...base, allNullValues: false, implicitKey, indent, type: null } as StringifyContext;
      cache.set(id, ctx);
    }
    return ctx;
  };
})();

/** Scalars other than strings (null, booleans, numbers): the library's text of each, once. */
const otherScalars = new Map<unknown, string>();
function otherScalar(value: null | boolean | number): string {
  // -0 and 0 are one Map key; NaN and infinities have their own spellings: the library's.
  if (typeof value === 'number' && (Object.is(value, -0) || !Number.isFinite(value))) throw new NotPlain();
  let text = otherScalars.get(value);
  if (text === undefined) {
    text = new Document(value, DOC_OPTIONS).toString(TO_STRING_OPTIONS).replace(/\n$/, '');
    otherScalars.set(value, text);
  }
  return text;
}

/** The text of each string already written, by context (most keys and many values repeat). */
const stringTexts = new WeakMap<StringifyContext, Map<string, string | undefined>>();

/** A string as the library writes it in `ctx`, or NotPlain where its text would affect what follows. */
function stringScalar(value: string, ctx: StringifyContext): string {
  let texts = stringTexts.get(ctx);
  if (texts === undefined) stringTexts.set(ctx, (texts = new Map()));
  if (texts.has(value)) {
    const known = texts.get(value);
    if (known === undefined) throw new NotPlain();
    return known;
  }
  const text = libraryString(value, ctx);
  texts.set(value, text);
  if (text === undefined) throw new NotPlain();
  return text;
}

/** {@link stringScalar} without the memory; undefined for a `|+` block or a string the schema gives another tag. */
function libraryString(value: string, ctx: StringifyContext): string | undefined {
  // The library gives a string the first tag that identifies it (getTagObject): the string
  // tag, except for YAML 1.1's merge key `<<`, which it writes as such.
  if (ctx.doc.schema.tags.some((t) => t !== stringTag && t.identify?.(value))) return undefined;
  let keep = false;
  const item = misreadAsBlock(value) ? { value, type: 'QUOTE_DOUBLE' } : { value };
  // stringTag.stringify is the schema's string tag, as the library calls it for a string node.
  const text = stringTag.stringify!(item as never, ctx, undefined, () => (keep = true));
  // `|+`: the library's collection printer tracks the kept newlines after it.
  return keep ? undefined : text;
}

const PLAIN_PROTOTYPES = new Set<unknown>([Object.prototype, null]);

/**
 * The document laid out as the library's stringifyDocument, stringifyCollection and
 * stringifyPair do for plain data (yaml 2.x: `dist/stringify/`), with the scalars from the
 * library; undefined for a document that is not a non-empty plain object of plain data.
 */
export function blockDocument(d: unknown): string | undefined {
  const seen = new Set<object>();
  const STEP = '  ';

  const scalar = (value: unknown, ctx: StringifyContext): string | undefined => {
    if (typeof value === 'string') return stringScalar(value, ctx);
    if (value === null || typeof value === 'boolean' || typeof value === 'number') return otherScalar(value);
    return undefined;
  };

  const visitObject = (value: object): 'map' | 'seq' => {
    // The library writes an object it meets twice as an anchor and aliases.
    if (seen.has(value)) throw new NotPlain();
    seen.add(value);
    if (Array.isArray(value)) {
      if (Object.getPrototypeOf(value) !== Array.prototype) throw new NotPlain();
      return 'seq';
    }
    if (!PLAIN_PROTOTYPES.has(Object.getPrototypeOf(value)) || 'toJSON' in value) throw new NotPlain();
    return 'map';
  };

  /** A block map whose lines start at `indent` (its first line's indentation is the caller's). */
  const map = (obj: Record<string, unknown>, indent: string): string => {
    const lines: string[] = [];
    const inner = indent + STEP;
    for (const key of Object.keys(obj)) {
      const value = obj[key];
      if (value === undefined) throw new NotPlain();
      const k = stringScalar(key, contexts(inner, true));
      // Longer keys and multi-line ones are written as explicit `? ` keys.
      if (k.length > 1024 || k.includes('\n')) throw new NotPlain();
      lines.push(`${k}:${valueText(value, inner)}`);
    }
    return lines.join(`\n${indent}`);
  };

  /** A block sequence whose lines start at `indent`. */
  const seq = (items: unknown[], indent: string): string => {
    const lines: string[] = [];
    const itemIndent = indent + STEP;
    for (let i = 0; i < items.length; i++) {
      if (!(i in items) || items[i] === undefined) throw new NotPlain();
      lines.push(`- ${nodeText(items[i], itemIndent)}`);
    }
    return lines.join(`\n${indent}`);
  };

  /** A collection: `[]`/`{}` when empty (flow), else its block lines starting at `indent`. */
  const collection = (value: unknown, indent: string): string => {
    if (value === null || typeof value !== 'object') throw new NotPlain();
    if (visitObject(value) === 'seq') return (value as unknown[]).length === 0 ? '[]' : seq(value as unknown[], indent);
    return Object.keys(value).length === 0 ? '{}' : map(value as Record<string, unknown>, indent);
  };

  /** A node printed where its first line continues a line already begun (after `- `). */
  const nodeText = (value: unknown, indent: string): string => scalar(value, contexts(indent, false)) ?? collection(value, indent);

  /** What follows `key:`: ` scalar`, ` {}`/` []`, or a block collection on the next lines at `indent`. */
  const valueText = (value: unknown, indent: string): string => {
    const s = scalar(value, contexts(indent, false));
    if (s !== undefined) return s === '' || s[0] === '\n' ? s : ` ${s}`;
    // A block body never reads `[]` or `{}`: it holds `- ` or `: `.
    const c = collection(value, indent);
    return c === '[]' || c === '{}' ? ` ${c}` : `\n${indent}${c}`;
  };

  try {
    if (d === null || typeof d !== 'object' || Array.isArray(d) || visitObject(d) !== 'map' || Object.keys(d).length === 0) return undefined;
    return `${map(d as Record<string, unknown>, '')}\n`;
  } catch (err) {
    if (err instanceof NotPlain) return undefined;
    throw err;
  }
}
