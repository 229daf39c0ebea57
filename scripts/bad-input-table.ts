/**
 * `node --import tsx scripts/bad-input-table.ts [--check]`: runs every case of
 * test/bad-input-cases.ts (one per class of bad input) and writes the table of the
 * messages they get now into docs/bad-input.md, between its markers. `--check` exits 1 when
 * the committed table differs (test/bad-input.test.ts runs the same comparison).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TABLE_END, TABLE_START, badInputTable, runCases } from '../test/bad-input-cases';
import { writeFile } from './safe-write';

export const BAD_INPUT_DOC = path.resolve(__dirname, '..', 'docs', 'bad-input.md');

/** docs/bad-input.md with the block between the markers replaced by `table`. */
export function withBadInputTable(doc: string, table: string): string {
  const start = doc.indexOf(TABLE_START);
  const end = doc.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`docs/bad-input.md has no ${TABLE_START} ... ${TABLE_END} block.`);
  return `${doc.slice(0, start + TABLE_START.length)}\n${table}\n${doc.slice(end)}`;
}

if (require.main === module) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-bad-input-'));
  try {
    const doc = fs.readFileSync(BAD_INPUT_DOC, 'utf8');
    const next = withBadInputTable(doc, badInputTable(runCases(tmp)));
    if (process.argv.includes('--check')) {
      console.log(next === doc ? 'docs/bad-input.md is up to date' : 'docs/bad-input.md is stale: run npm run generate (or node --import tsx scripts/bad-input-table.ts)');
      process.exitCode = next === doc ? 0 : 1;
    } else {
      writeFile(BAD_INPUT_DOC, next, { display: 'docs/bad-input.md' });
      console.log('wrote the table in docs/bad-input.md');
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
