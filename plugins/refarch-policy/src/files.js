// @ts-check
'use strict';
/**
 * Parsing manifests and reading a folder of them: used by the CLI plugin and by the tests
 * (`npm run synth` checks the objects it writes, never the files: scripts/synth/render.ts).
 */
const fs = require('fs');
const path = require('path');
const { checkPolicy } = require('./engine');

/** @typedef {import('./engine').ManifestFile} ManifestFile */
/** @typedef {import('./engine').PolicyResult} PolicyResult */

/** @type {((text: string, file: string) => unknown[]) | undefined} */
let parser;

/**
 * Parses a multi-document YAML text. Uses js-yaml (YAML 1.2 core schema): it loads and
 * parses the synthesized manifests about five times faster than `yaml`, which matters on
 * every `cdk8s synth`. Falls back to `yaml` (a dependency of cdk8s, so always there) in a
 * project that has no js-yaml.
 * @param {string} text
 * @param {string} file name for error messages
 * @returns {unknown[]}
 */
function parseManifestText(text, file) {
  if (!parser) {
    try {
      const jsYaml = require('js-yaml');
      parser = (t, f) => {
        const docs = jsYaml.loadAll(t, { filename: f });
        docs.forEach((doc, i) => checkAliasExpansion(doc, `${f}: document ${i + 1}`));
        return docs;
      };
    } catch {
      const yaml = require('yaml');
      parser = (t, f) => yaml.parseAllDocuments(t).map((doc) => {
        if (doc.errors.length > 0) throw new Error(`${f}: ${doc.errors[0].message}`);
        return doc.toJS();
      });
    }
  }
  return parser(text, file);
}

/**
 * js-yaml shares an aliased node instead of copying it, so an "alias bomb" (aliases of
 * aliases: a few hundred bytes) loads fast but expands to gigabytes in every walk over it
 * (a rule, JSON.stringify). Counted once per distinct node, so this is linear: a document
 * whose nodes expand to more than 100 times the distinct ones (at least 1000) is refused,
 * as the yaml package's maxAliasCount does.
 * @param {unknown} doc
 * @param {string} where
 */
function checkAliasExpansion(doc, where) {
  /** @type {Map<object, number>} */
  const size = new Map();
  let distinct = 0;
  /** @param {unknown} node @returns {number} */
  const expanded = (node) => {
    if (node === null || typeof node !== 'object') return 1;
    const known = size.get(node);
    if (known !== undefined) return known;
    size.set(node, 1); // a cycle (possible with aliases) counts once
    let n = 1;
    distinct++;
    for (const child of Object.values(node)) {
      if (child === null || typeof child !== 'object') distinct++;
      n += expanded(child);
    }
    size.set(node, n);
    return n;
  };
  const total = expanded(doc);
  if (total > Math.max(1000, 100 * distinct)) {
    throw new Error(`${where}: its YAML aliases (*name) expand ${distinct} nodes to ${total}, as in an alias bomb; manifests need no aliases, write the values out`);
  }
}

/**
 * Parses every `*.yaml`/`*.yml` file of `dir`, sorted by name. Files are reported as
 * `<displayDir>/<name>`, so a check of a temporary folder can name the final path.
 * @param {string} dir
 * @param {string} [displayDir]
 * @returns {ManifestFile[]}
 */
function readManifestFolder(dir, displayDir = dir) {
  return fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => {
    const file = path.join(displayDir, f);
    return { file, objects: parseManifestText(fs.readFileSync(path.join(dir, f), 'utf8'), file) };
  });
}

/**
 * Runs the policy rules over every manifest of a folder.
 * @param {string} dir
 * @param {string} [displayDir]
 * @returns {PolicyResult}
 */
function checkPolicyFolder(dir, displayDir = dir) {
  return checkPolicy(readManifestFolder(dir, displayDir));
}

module.exports = { parseManifestText, readManifestFolder, checkPolicyFolder };
