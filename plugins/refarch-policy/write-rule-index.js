#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * Rewrites src/rule-index.js from the files of src/rules/ (part of `npm run generate`).
 * A copy of this plugin outside this repository writes it with plain fs (it has no
 * scripts/safe-write.js).
 */
const fs = require('fs');
const path = require('path');
const { ruleIndexText } = require('./src/rule-index-text');

const file = path.join(__dirname, 'src', 'rule-index.js');
const text = ruleIndexText();
let before;
try {
  before = fs.readFileSync(file, 'utf8');
} catch { /* first run */ }
if (before !== text) {
  const safeWrite = path.join(__dirname, '..', '..', 'scripts', 'safe-write.js');
  if (fs.existsSync(safeWrite)) require(safeWrite).writeFile(file, text, { display: path.relative(process.cwd(), file) });
  else fs.writeFileSync(file, text);
}
console.log(`${before === text ? 'unchanged' : 'rewrote'} ${path.relative(process.cwd(), file)}`);
