/**
 * Every optional prop of the constructs' input interfaces (`...Props`, `...Settings`,
 * `...Options`, `I...`) documents its default with `@default`, which is what a user
 * reads in the editor and what the settings schema and table are generated from.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const libDir = path.resolve(__dirname, '../../lib');

test('@default on every optional prop', () => {
  const missing: string[] = [];
  let checked = 0;
  for (const file of fs.readdirSync(libDir).filter((f) => f.endsWith('.ts'))) {
    const sf = ts.createSourceFile(file, fs.readFileSync(path.join(libDir, file), 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node): void => {
      if (ts.isInterfaceDeclaration(n) && /Props$|Settings$|Options$|^I[A-Z]/.test(n.name.text)) {
        for (const m of n.members) {
          if (!ts.isPropertySignature(m) || !m.questionToken) continue;
          checked++;
          if (!ts.getJSDocTags(m).some((t) => t.tagName.text === 'default')) missing.push(`${file}: ${n.name.text}.${m.name.getText(sf)}`);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  expect(missing).toEqual([]);
  expect(checked).toBeGreaterThan(80);
});
