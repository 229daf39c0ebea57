/**
 * The shape of config/settings.schema.json (the subset of JSON Schema that
 * ts-json-schema-generator emits for the settings) and `$ref` resolution. No import of
 * the schema file itself, so the generator can run when the file is missing or stale.
 */

/** One node of the settings schema. */
export interface SchemaNode {
  readonly $ref?: string;
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly required?: readonly string[];
  readonly items?: SchemaNode;
  readonly additionalProperties?: boolean;
  readonly description?: string;
  readonly default?: unknown;
}

/** The whole generated schema file. */
export interface SettingsSchema extends SchemaNode {
  readonly definitions: Readonly<Record<string, SchemaNode>>;
}

/**
 * The node `node` stands for, with its `$ref` followed; the description and default of
 * the referring property win over those of the referenced definition.
 */
export function resolveNode(node: SchemaNode, schema: SettingsSchema): SchemaNode {
  if (!node.$ref) return node;
  const name = decodeURIComponent(node.$ref.replace(/^#\/definitions\//, ''));
  const target = resolveNode(schema.definitions[name], schema);
  return { ...target, description: node.description ?? target.description, default: node.default ?? target.default };
}
