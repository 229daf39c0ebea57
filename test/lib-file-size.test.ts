/**
 * Issue 18: no file in lib/ over about 300 lines without a reason written at its top. A file
 * that grows past 320 lines must say, in its header comment, why it is not split.
 */
import * as fs from 'fs';
import * as path from 'path';

const LIB = path.resolve(__dirname, '..', 'lib');
const LIMIT = 320;

test.each(fs.readdirSync(LIB).filter((f) => f.endsWith('.ts')).sort())(`lib/%s is under ${LIMIT} lines or says why at its top`, (file) => {
  const text = fs.readFileSync(path.join(LIB, file), 'utf8');
  const lines = text.split('\n').length;
  if (lines <= LIMIT) return;
  const header = /^\/\*\*[\s\S]*?\*\//.exec(text)?.[0] ?? '';
  expect({ file, lines, saysWhy: /Longer than the ~300 lines|About 300 lines/.test(header) }).toEqual({ file, lines, saysWhy: true });
});
