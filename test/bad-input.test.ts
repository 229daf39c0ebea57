/**
 * docs/bad-input.md lists every class of bad input with the message it gets: this runs each
 * case (test/bad-input-cases.ts) through the real command and fails when the list and the
 * real messages disagree (rewrite it with `npm run generate`, which runs scripts/bad-input-table.ts).
 * The README's documentation index links to it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BAD_INPUT_DOC, withBadInputTable } from '../scripts/bad-input-table';
import { BAD_INPUT_CASES, badInputTable, runCases } from './bad-input-cases';

let tmp: string;
let messages: string[];
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-bad-input-test-'));
  messages = runCases(tmp);
}, 300_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('docs/bad-input.md lists each class with the message it gets now (if this fails: `npm run generate`, commit)', () => {
  const doc = fs.readFileSync(BAD_INPUT_DOC, 'utf8');
  expect(withBadInputTable(doc, badInputTable(messages))).toBe(doc);
});

test('every case gets a message that says what is wrong (or is accepted, where the input is valid)', () => {
  for (const [i, c] of BAD_INPUT_CASES.entries()) {
    const message = messages[i];
    if (c.group === 'Valid input, accepted') expect({ what: c.what, message }).toEqual({ what: c.what, message: 'accepted' });
    else expect({ what: c.what, message }).toEqual({ what: c.what, message: expect.not.stringMatching(/^(accepted|NOT SAFE|PARTIAL WRITE)|ENOENT|EISDIR|ENAMETOOLONG|^\s*at /) });
  }
});

test('the README links to the list, and the list has a section for each group', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  expect(readme).toMatch(/\[Bad input\]\(docs\/bad-input\.md\) \| every class of bad input/);
  const doc = fs.readFileSync(BAD_INPUT_DOC, 'utf8');
  for (const group of new Set(BAD_INPUT_CASES.map((c) => c.group))) expect(doc).toContain(`**${group}**`);
});
