/**
 * Turns a kube-apiserver's /openapi/v2 document into a strict JSON Schema, the way
 * kubeconform's schemas (yannh/kubernetes-json-schema, made by openapi2jsonschema with
 * `--kubernetes --strict`) are made:
 *
 * - every object schema that lists `properties` and says nothing about
 *   `additionalProperties` gets `additionalProperties: false` (unknown fields are errors;
 *   maps such as `labels` keep their `additionalProperties` schema);
 * - IntOrString accepts a string or an integer, Quantity a string or a number;
 * - an optional field whose schema has an inline `type` also accepts null (the API
 *   server treats null as unset); required fields do not;
 * - everything else is the server's own schema: `type`, `required`, `items`, `enum`
 *   (a live server publishes value enums, e.g. imagePullPolicy) and `format`.
 *
 * Two checks go beyond kubeconform and are enforced by the API server too: a Quantity
 * string must parse as a Kubernetes quantity ("512MB" is refused), and `format: int32`
 * integers must fit in 32 bits. Descriptions and `x-kubernetes-*` extensions are dropped.
 */
import { isIP } from 'net';
import { isQuantity } from '../plugins/refarch-policy/src/k8s/quantity';
import { GVK, INT_OR_STRING, OpenApiV2, QUANTITY } from './schemas';

/** JSON Schema keywords kept from the server's schemas; anything else is dropped. */
const KEPT = new Set(['type', 'properties', 'required', 'items', 'additionalProperties', 'enum', 'format', '$ref',
  'allOf', 'anyOf', 'oneOf', 'not', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength',
  'maxLength', 'pattern', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties']);

/** The strict `{ definitions }` schema document for one captured OpenAPI v2 document. */
export function strictDefinitions(doc: OpenApiV2): Record<string, any> {
  const definitions: Record<string, any> = {};
  for (const [name, def] of Object.entries(doc.definitions)) definitions[name] = strictSchema(def);
  definitions[INT_OR_STRING] = { type: ['string', 'integer'], format: 'int-or-string' };
  definitions[QUANTITY] = { type: ['string', 'number'], format: 'quantity' };
  return definitions;
}

function strictSchema(node: any): any {
  if (Array.isArray(node)) return node.map(strictSchema);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, any> = {};
  for (const [key, value] of Object.entries(node)) {
    if (!KEPT.has(key)) continue;
    if (key === 'properties') {
      const required = new Set<string>(Array.isArray(node.required) ? node.required : []);
      out.properties = Object.fromEntries(Object.entries(value as object).map(([field, s]) => {
        const strict = strictSchema(s);
        // openapi2jsonschema's allow_null_optional_fields: an optional field with an
        // inline type may be null.
        if (!required.has(field) && typeof strict.type === 'string') strict.type = [strict.type, 'null'];
        return [field, strict];
      }));
    } else if (key === 'enum' || key === 'required') {
      // De-duplicated: the server lists some values twice (ServiceSpec.externalTrafficPolicy
      // has "Cluster", "Cluster", "Local", "Local" in 1.27: deprecated constant aliases).
      out[key] = Array.isArray(value) ? [...new Set(value)] : value;
    } else if (key === '$ref' && typeof value === 'string') {
      out.$ref = value;
    } else {
      out[key] = strictSchema(value);
    }
  }
  // A CRD schema may keep unknown fields on purpose; the server then stores them as given.
  if (out.properties && !('additionalProperties' in out) && node['x-kubernetes-preserve-unknown-fields'] !== true) out.additionalProperties = false;
  // A CRD field marked nullable accepts null even when required.
  if (node.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  // An enum that does not list null would refuse the null a nullable type allows.
  if (Array.isArray(out.enum) && Array.isArray(out.type) && out.type.includes('null') && !out.enum.includes(null)) {
    out.enum = [...out.enum, null];
  }
  return out;
}

/** Definition names by "apiVersion kind" ("apps/v1 Deployment"), from `x-kubernetes-group-version-kind`. */
export function definitionsByGvk(doc: OpenApiV2): Map<string, string> {
  const byGvk = new Map<string, string>();
  for (const [name, def] of Object.entries(doc.definitions)) {
    // Objects a manifest can hold have metadata (this skips DeleteOptions, WatchEvent, ...).
    if (!def.properties?.metadata) continue;
    for (const gvk of def[GVK] ?? []) {
      const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
      byGvk.set(`${apiVersion} ${gvk.kind}`, name);
    }
  }
  return byGvk;
}

// encoding/base64 StdEncoding (what the API server decodes `format: byte` with).
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// RFC 3339 date-time (metav1.Time).
const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** ajv formats for the `format` values Kubernetes' OpenAPI uses. */
export const KUBERNETES_FORMATS = {
  'int32': { type: 'number' as const, validate: (n: number) => Number.isInteger(n) && n >= -2147483648 && n <= 2147483647 },
  'int64': { type: 'number' as const, validate: (n: number) => Number.isInteger(n) },
  'double': { type: 'number' as const, validate: () => true },
  'int-or-string': { type: 'number' as const, validate: (n: number) => Number.isInteger(n) && n >= -2147483648 && n <= 2147483647 },
  'quantity': { type: 'string' as const, validate: (s: string) => isQuantity(s) },
  'byte': { type: 'string' as const, validate: (s: string) => BASE64_RE.test(s) },
  'date-time': { type: 'string' as const, validate: (s: string) => DATE_TIME_RE.test(s) },
  // Used by CRDs (the Gateway API's addresses).
  'ipv4': { type: 'string' as const, validate: (s: string) => isIP(s) === 4 },
  'ipv6': { type: 'string' as const, validate: (s: string) => isIP(s) === 6 },
};
