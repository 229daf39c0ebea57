// @ts-check
'use strict';
/**
 * jest's TypeScript transform: esbuild, one file at a time, types stripped and nothing else
 * checked. Type checking is `tsc --noEmit` over the whole project, run by `npm test` beside
 * jest (scripts/test.js), so a transform that also loaded TypeScript (ts-jest) only added
 * cost: TypeScript's 9 MB compiler loaded in every jest worker, and on a clean checkout
 * seconds of transpiling (imports/k8s.ts alone is 1.7 MB). tsconfig.json has
 * isolatedModules, so every file compiles on its own, which is what esbuild does.
 *
 * The output is CommonJS for this Node.js (what tsc emits with "module": "commonjs"), with
 * the compiler options that change emitted code taken from tsconfig.json; an inline
 * source map keeps stack traces on TypeScript lines.
 */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

const ROOT = path.resolve(__dirname, '..');
const tsconfigText = fs.readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8');
/** @type {{ compilerOptions?: Record<string, unknown> }} */
const tsconfig = JSON.parse(tsconfigText);
const target = String(tsconfig.compilerOptions?.target ?? 'es2022').toLowerCase();
// Only the options esbuild reads from a tsconfig that change emitted code.
/** @type {Record<string, unknown>} */
const compilerOptions = {};
for (const key of ['useDefineForClassFields', 'experimentalDecorators', 'verbatimModuleSyntax', 'preserveValueImports', 'importsNotUsedAsValues', 'jsx', 'jsxFactory', 'jsxFragmentFactory', 'target', 'alwaysStrict', 'strict']) {
  if (tsconfig.compilerOptions && key in tsconfig.compilerOptions) compilerOptions[key] = tsconfig.compilerOptions[key];
}

const KEY = crypto.createHash('sha256')
  .update(fs.readFileSync(__filename))
  .update(`\0${require('esbuild/package.json').version}\0${process.version}\0`)
  .update(tsconfigText)
  .digest('hex');

module.exports = {
  /** @param {string} source @param {string} filename */
  getCacheKey(source, filename) {
    return crypto.createHash('sha256').update(KEY).update(`\0${filename}\0`).update(source).digest('hex');
  },
  /** @param {string} source @param {string} filename */
  process(source, filename) {
    const result = esbuild.transformSync(source, {
      loader: filename.endsWith('.tsx') ? 'tsx' : 'ts',
      format: 'cjs',
      platform: 'node',
      target,
      sourcemap: 'inline',
      sourcefile: filename,
      tsconfigRaw: { compilerOptions },
      logLevel: 'silent',
    });
    return { code: result.code };
  },
};
