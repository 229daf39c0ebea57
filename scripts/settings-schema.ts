/**
 * `npm run schema:settings`: regenerates config/settings.schema.json from the
 * TypeScript type `ReferenceArchitectureProps` (lib/reference-architecture.ts), and from
 * that schema its validator (config/settings-validator.js, scripts/settings-validator.ts)
 * and the settings table between the markers in docs/configuration.md.
 *
 * The schema is the one list of setting keys: `npm run synth` checks config/environments.ts
 * and every `--set` against it, and test/settings-schema.test.ts fails when the committed
 * schema, validator or settings table is stale.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createGenerator } from 'ts-json-schema-generator';
import { replaceFiles } from './safe-write';
import { VALIDATOR_FILE, settingsValidatorCode } from './settings-validator';
import { SettingsSchema } from '../config/schema-node';
import { SETTINGS_TABLE_END, SETTINGS_TABLE_START, settingsTable } from '../config/settings-table';

const root = path.resolve(__dirname, '..');
export const SCHEMA_FILE = path.join(root, 'config', 'settings.schema.json');
/** The page with the settings table (between the markers of config/settings-table.ts). */
export const CONFIGURATION_DOC = path.join(root, 'docs', 'configuration.md');

/** The JSON Schema of one environment's settings, as committed (text, with a final newline). */
export function generateSettingsSchema(): string {
  const schema = createGenerator({
    path: path.join(root, 'lib', 'reference-architecture.ts'),
    type: 'ReferenceArchitectureProps',
    // The generator's default compiler options with only the libraries lib/ needs (see the file).
    tsconfig: path.join(root, 'scripts', 'settings-schema.tsconfig.json'),
    // tsc --noEmit type-checks the project; skipping it here halves the generation time.
    skipTypeCheck: true,
    // `extended` keeps @default as `default` and the TSDoc text as `description`.
    jsDoc: 'extended',
    // No additional properties anywhere: a misspelled key is an error, not a silent no-op.
    additionalProperties: false,
    topRef: true,
  }).createSchema('ReferenceArchitectureProps');
  return `${JSON.stringify(tidy(schema), null, 2)}\n`;
}

/** TSDoc `{@link X}` comes out as ` {@link  X } `; the table and messages want plain `X`. */
function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = key === 'description' && typeof value === 'string'
      ? value.replace(/\s*\{@link\s+([^}\s]+)\s*\}\s*/g, ' $1 ').replace(/\s+([:,.)])/g, '$1').replace(/\s{2,}/g, ' ').trim()
      : tidy(value);
  }
  return out;
}

/** `doc` (docs/configuration.md) with the block between the settings-table markers replaced by the table of `schema`. */
export function withSettingsTable(doc: string, schema: SettingsSchema): string {
  const start = doc.indexOf(SETTINGS_TABLE_START);
  const end = doc.indexOf(SETTINGS_TABLE_END);
  if (start < 0 || end < start) throw new Error(`docs/configuration.md has no ${SETTINGS_TABLE_START} ... ${SETTINGS_TABLE_END} block.`);
  return `${doc.slice(0, start + SETTINGS_TABLE_START.length)}\n${settingsTable(schema)}\n${doc.slice(end)}`;
}

if (require.main === module) {
  const text = generateSettingsSchema();
  const doc = fs.readFileSync(CONFIGURATION_DOC, 'utf8');
  // All or none: a schema without its validator or settings table would fail the tests.
  replaceFiles([
    { path: SCHEMA_FILE, data: text, display: path.relative(root, SCHEMA_FILE) },
    { path: VALIDATOR_FILE, data: settingsValidatorCode(JSON.parse(text)), display: path.relative(root, VALIDATOR_FILE) },
    { path: CONFIGURATION_DOC, data: withSettingsTable(doc, JSON.parse(text)), display: path.relative(root, CONFIGURATION_DOC) },
  ]);
  console.log(`wrote ${path.relative(root, SCHEMA_FILE)}, ${path.relative(root, VALIDATOR_FILE)} and the settings table in ${path.relative(root, CONFIGURATION_DOC)}`);
}
