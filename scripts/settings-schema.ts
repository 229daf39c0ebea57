/**
 * `npm run schema:settings`: regenerates config/settings.schema.json from the
 * TypeScript type `ReferenceArchitectureProps` (lib/reference-architecture.ts) and the
 * settings table between the markers in README.md from that schema.
 *
 * The schema is the one list of setting keys: `npm run synth` checks config/environments.ts
 * and every `--set` against it, and test/settings-schema.test.ts fails when the committed
 * schema or README table is stale.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createGenerator } from 'ts-json-schema-generator';
import { replaceFiles } from './safe-write';
import { SettingsSchema } from '../config/schema-node';
import { SETTINGS_TABLE_END, SETTINGS_TABLE_START, settingsTable } from '../config/settings-table';

const root = path.resolve(__dirname, '..');
export const SCHEMA_FILE = path.join(root, 'config', 'settings.schema.json');
export const README_FILE = path.join(root, 'README.md');

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

/** README.md with the block between the settings-table markers replaced by the table of `schema`. */
export function readmeWithSettingsTable(readme: string, schema: SettingsSchema): string {
  const start = readme.indexOf(SETTINGS_TABLE_START);
  const end = readme.indexOf(SETTINGS_TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${SETTINGS_TABLE_START} ... ${SETTINGS_TABLE_END} block.`);
  return `${readme.slice(0, start + SETTINGS_TABLE_START.length)}\n${settingsTable(schema)}\n${readme.slice(end)}`;
}

if (require.main === module) {
  const text = generateSettingsSchema();
  const readme = fs.readFileSync(README_FILE, 'utf8');
  // Both or neither: a schema without its README table (or the reverse) would fail the tests.
  replaceFiles([
    { path: SCHEMA_FILE, data: text, display: path.relative(root, SCHEMA_FILE) },
    { path: README_FILE, data: readmeWithSettingsTable(readme, JSON.parse(text)), display: 'README.md' },
  ]);
  console.log(`wrote ${path.relative(root, SCHEMA_FILE)} and the settings table in README.md`);
}
