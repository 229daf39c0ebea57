/**
 * The size limits a ConfigMap or Secret meets on its way into the cluster:
 * - the API server refuses one whose data values add up to more than 1 MiB
 *   (1,048,576 bytes: `core.MaxSecretSize` in ValidateConfigMap and ValidateSecret of
 *   k8s.io/kubernetes/pkg/apis/core/validation; counted are the bytes of the values, as
 *   UTF-8 for a ConfigMap's data and decoded for a Secret's, not the keys or the YAML);
 * - `kubectl apply` (client-side, as this project documents) stores the whole object as
 *   JSON in its `kubectl.kubernetes.io/last-applied-configuration` annotation
 *   (GetModifiedConfiguration in k8s.io/kubectl/pkg/util), and the API server refuses
 *   annotations of more than 256 KiB (262,144 bytes, keys and values:
 *   ValidateAnnotationsSize in k8s.io/apimachinery/pkg/api/validation). Counted exactly
 *   as Go's encoding/json writes it: `<`, `>`, `&` as `\u003c` etc., U+2028 and U+2029
 *   escaped, a trailing newline, and an empty `annotations` map when there was none.
 * test/upstream-oracle.test.ts compares both counts with the real functions.
 */

/** core.MaxSecretSize: the most bytes of data values a ConfigMap or Secret may hold. */
export const MAX_DATA_BYTES = 1024 * 1024;
/** apimachinery TotalAnnotationSizeLimitB. */
export const MAX_ANNOTATION_BYTES = 256 * 1024;
/** The annotation `kubectl apply` writes. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Bytes of `text` as UTF-8 (a lone surrogate counts as U+FFFD's 3 bytes, as it is written).
 * Counted here rather than with Buffer.byteLength, which the @types/node of a project made
 * by `cdk8s init` does not declare.
 */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length && text.charCodeAt(i + 1) >= 0xdc00 && text.charCodeAt(i + 1) < 0xe000) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** The length in bytes of `value` as Go's json.Encoder writes it (with HTML escaping), without the newline. */
export function goJsonBytes(value: unknown): number {
  const json = JSON.stringify(value);
  let extra = 0;
  for (const c of json) {
    if (c === '<' || c === '>' || c === '&') extra += 5; // 1 byte -> \u003c (6)
    else if (c === '\u2028' || c === '\u2029') extra += 3; // 3 bytes -> \u2028 (6)
  }
  return utf8Bytes(json) + extra;
}

/** Total bytes of an object's annotations after `kubectl apply` added its own. */
export function annotationBytesAfterApply(object: { metadata?: { annotations?: Record<string, string> | undefined } | undefined }): number {
  const annotations = { ...(object.metadata?.annotations ?? {}) };
  delete annotations[LAST_APPLIED_ANNOTATION];
  const serialized = { ...object, metadata: { ...object.metadata, annotations } };
  const own = Object.entries(annotations).reduce((n, [k, v]) => n + utf8Bytes(k) + utf8Bytes(v), 0);
  return own + LAST_APPLIED_ANNOTATION.length + goJsonBytes(serialized) + 1;
}

function largestOf(values: ReadonlyArray<[string, number]>): string {
  const largest = [...values].sort((a, b) => b[1] - a[1])[0];
  return largest ? ` (the largest is ${largest[0]}, ${largest[1]} bytes)` : '';
}

/** Why the API server refuses data values of these sizes (bytes, as it counts them), or undefined. */
export function dataSizeProblem(values: ReadonlyArray<[string, number]>): string | undefined {
  const total = values.reduce((n, [, bytes]) => n + bytes, 0);
  return total > MAX_DATA_BYTES ? `its data values add up to ${total} bytes${largestOf(values)}; the API server takes at most ${MAX_DATA_BYTES} (1 MiB)` : undefined;
}

/**
 * Why the API server (or `kubectl apply`) refuses this ConfigMap or Secret for its size,
 * or undefined. `values` are the data values as the API server counts them (bytes).
 */
export function objectSizeProblem(object: { metadata?: { annotations?: Record<string, string> | undefined } | undefined }, values: ReadonlyArray<[string, number]>): string | undefined {
  const data = dataSizeProblem(values);
  if (data !== undefined) return data;
  const biggest = largestOf(values);
  const annotations = annotationBytesAfterApply(object);
  if (annotations > MAX_ANNOTATION_BYTES) {
    return `kubectl apply would store it in its ${LAST_APPLIED_ANNOTATION} annotation as ${annotations} bytes of annotations${biggest}; `
      + `the API server takes at most ${MAX_ANNOTATION_BYTES} (256 KiB), so about 256 KiB of data is the most that applies`;
  }
  return undefined;
}
