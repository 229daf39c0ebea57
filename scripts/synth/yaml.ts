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
 */
import { Document, visit } from 'yaml';

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

/** The YAML of one or more documents, as cdk8s's Yaml.stringify writes them but for {@link misreadAsBlock} strings. */
export function manifestYaml(...docs: unknown[]): string {
  return docs.map((d) => {
    if (d === undefined) return '\n';
    const doc = new Document(d, { version: '1.1', keepUndefined: true });
    // Visiting every node of the document costs a quarter of writing it: only a document
    // that holds such a string (a walk of the plain object finds it much faster) is visited.
    if (hasMisreadString(d)) {
      visit(doc, {
        Scalar(_key, node) {
          if (typeof node.value === 'string' && misreadAsBlock(node.value)) node.type = 'QUOTE_DOUBLE';
        },
      });
    }
    return doc.toString({ lineWidth: 0 });
  }).join('---\n');
}
