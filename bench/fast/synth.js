#!/usr/bin/env node
/**
 * Prototype of a faster `npm run synth` entry point (not wired in; see bench/README.md).
 *
 * `node --import tsx scripts/synth.ts` transpiles every TypeScript file on each run
 * (imports/k8s.ts alone is 1.2 MB). This launcher runs a CommonJS bundle of the same
 * entry instead, built by esbuild once and cached in .cache/refarch-synth/ (git-ignored).
 * The cache key is the content of every file the bundle was built from (esbuild's
 * metafile lists them), checked cheaply: when each input's size and mtime match the
 * manifest the bundle is used as is; otherwise the inputs are hashed, and only a real
 * content change rebuilds (~0.2 s). The bundle is written to a temporary name and
 * renamed, so an interrupted build never leaves a half-written cache entry.
 *
 * Usage: node bench/fast/synth.js [synth.ts arguments]      (same arguments as npm run synth)
 *   FAST_SYNTH_BUNDLE_DEPS=1  also bundle node_modules (cdk8s, yaml...) instead of require()ing them
 *   FAST_SYNTH_CODE_CACHE=1   also keep V8's compiled code of the bundle (vm.Script cachedData)
 */
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const ENTRY = path.join(ROOT, 'scripts', 'synth.ts');
const BUNDLE_DEPS = process.env.FAST_SYNTH_BUNDLE_DEPS === '1';
// In the checkout's git-ignored .cache/ (not node_modules/.cache: node_modules may be a symlink shared between checkouts); external packages still resolve from ROOT/node_modules.
const CACHE = path.join(ROOT, '.cache', 'refarch-synth');
const MODE = BUNDLE_DEPS ? 'all' : 'app';
const MANIFEST = path.join(CACHE, `${MODE}.json`);

/** @param {string[]} files */
function contentKey(files) {
  const h = crypto.createHash('sha256');
  h.update(`${process.version}\0${BUNDLE_DEPS}\0`);
  for (const f of files) h.update(`${f}\0`).update(fs.readFileSync(path.join(ROOT, f))).update('\0');
  return h.digest('hex').slice(0, 16);
}

/** @returns {string | undefined} the cached bundle, when its inputs are unchanged */
function cachedBundle() {
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));
  } catch {
    return undefined;
  }
  const bundle = path.join(CACHE, `${MODE}-${manifest.key}.js`);
  if (!fs.existsSync(bundle)) return undefined;
  const statsMatch = manifest.inputs.every((/** @type {{file: string, size: number, mtimeMs: number}} */ i) => {
    try {
      const s = fs.statSync(path.join(ROOT, i.file));
      return s.size === i.size && s.mtimeMs === i.mtimeMs;
    } catch {
      return false;
    }
  });
  if (statsMatch) return bundle;
  // Touched but maybe not changed (git checkout, editor save): compare contents.
  try {
    if (contentKey(manifest.inputs.map((/** @type {{file: string}} */ i) => i.file)) === manifest.key) {
      writeManifest(manifest.key, manifest.inputs.map((/** @type {{file: string}} */ i) => i.file));
      return bundle;
    }
  } catch {
    // an input was deleted: rebuild
  }
  return undefined;
}

/** @param {string} key @param {string[]} files */
function writeManifest(key, files) {
  const inputs = files.map((file) => {
    const s = fs.statSync(path.join(ROOT, file));
    return { file, size: s.size, mtimeMs: s.mtimeMs };
  });
  const tmp = `${MANIFEST}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ key, inputs }));
  fs.renameSync(tmp, MANIFEST);
}

function build() {
  const esbuild = require('esbuild');
  /** @type {import('esbuild').Plugin} */
  const entryIsMain = {
    name: 'entry-is-main',
    setup(b) {
      // The bundle is require()d by this launcher, so `require.main === module` would be false in synth.ts: make its main() run.
      b.onLoad({ filter: /scripts[\\/]synth\.ts$/ }, (args) => ({
        contents: fs.readFileSync(args.path, 'utf8').replace('if (require.main === module)', 'if (true)'),
        loader: 'ts',
      }));
    },
  };
  return esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    packages: BUNDLE_DEPS ? 'bundle' : 'external',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [entryIsMain],
    absWorkingDir: ROOT,
  }).then((r) => {
    const files = Object.keys(r.metafile.inputs).sort();
    const key = contentKey(files);
    fs.mkdirSync(CACHE, { recursive: true });
    const bundle = path.join(CACHE, `${MODE}-${key}.js`);
    const tmp = `${bundle}.${process.pid}.tmp`;
    // From .cache/refarch-synth/, external packages resolve up the tree to ROOT/node_modules.
    fs.writeFileSync(tmp, r.outputFiles[0].text);
    fs.renameSync(tmp, bundle);
    writeManifest(key, files);
    // One bundle per mode is enough: drop the ones earlier sources produced.
    for (const f of fs.readdirSync(CACHE)) if (f.startsWith(`${MODE}-`) && !f.startsWith(path.basename(bundle))) fs.rmSync(path.join(CACHE, f), { force: true });
    return bundle;
  });
}

/**
 * Runs the bundle as a CommonJS module. With FAST_SYNTH_CODE_CACHE=1 (Node 20 has no
 * module.enableCompileCache) it goes through vm.Script with V8's code cache stored next to
 * the bundle, written after the first run so the functions that run are in it.
 * @param {string} bundle
 */
function run(bundle) {
  if (process.env.FAST_SYNTH_CODE_CACHE !== '1') return require(bundle);
  const vm = require('vm');
  const Module = require('module');
  const cacheFile = `${bundle}.${process.version}.v8`;
  /** @type {Buffer | undefined} */
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', () => {
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
    });
  }
  const m = new Module(bundle, module);
  m.filename = bundle;
  // @ts-ignore: internal but stable: where require() from the bundle looks for packages
  m.paths = Module._nodeModulePaths(path.dirname(bundle));
  script.runInThisContext()(m.exports, Module.createRequire(bundle), m, bundle, path.dirname(bundle));
  return m.exports;
}

const hit = cachedBundle();
if (hit) {
  run(hit);
} else {
  build().then((bundle) => run(bundle), (err) => {
    console.error(`fast synth: bundling failed: ${err.message}`);
    process.exit(1);
  });
}
