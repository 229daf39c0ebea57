#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * What `npm run synth` runs: scripts/synth.ts, but from a cached esbuild bundle instead of
 * transpiling the TypeScript on every run (tsx spends ~0.4 s of a 0.5 s synth compiling
 * imports/k8s.ts and friends; see bench/README.md). Same arguments, output, messages and
 * exit codes as `node --import tsx scripts/synth.ts`: the bundle runs the same runCli().
 *
 * The cache (.cache/synth/, git-ignored) is keyed by the content of every file esbuild
 * read to build it. A stale bundle is never run: each input's size, mtime, ctime and inode
 * must equal what was recorded, and any input whose recorded ctime is within a second of
 * the recording (a "racy" entry, as git calls it: it could have been edited again in the
 * same clock tick) is hashed and compared instead. ctime cannot be set back by tools that
 * restore mtimes (tar, cp -p, touch -d), so an edited file always fails the check.
 * Anything that goes wrong with bundling or the cache (esbuild missing, a syntax error, a
 * read-only checkout) falls back to running scripts/synth.ts through tsx in this process,
 * so the errors are exactly the TypeScript entry's.
 */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

// A synth runs for a fraction of a second: TurboFan's optimizing compiles (on background
// threads) cost more CPU than they save; measured 0.23 -> 0.18 s CPU per synth of both
// environments. Set before the bundle is compiled, so the V8 code cache matches the flags.
if (require.main === module) require('v8').setFlagsFromString('--no-opt');

const ROOT = path.resolve(__dirname, '..');
const ENTRY = path.join(ROOT, 'scripts', 'synth.ts');
const CACHE = path.join(ROOT, '.cache', 'synth');
const MANIFEST = path.join(CACHE, 'manifest.json');
/** An input whose ctime is this close to the recording is re-hashed (clock ticks of coarse file systems). */
const RACY_MS = 1000;

/**
 * esbuild options shared with the watch loop (scripts/watch.ts), so both run the same code.
 * @param {{ bundlePackages: boolean, root?: string }} options bundle node_modules too (fewer files to load at
 *   start) or require() them; root: the project (default: this file's), e.g. a copy in a test
 * @returns {import('esbuild').BuildOptions & { write: false, metafile: true }}
 */
function bundleOptions({ bundlePackages, root = ROOT }) {
  const registry = path.join(root, 'plugins', 'refarch-policy', 'src', 'registry.js');
  /** @type {import('esbuild').Plugin} */
  const projectPaths = {
    name: 'project-paths',
    setup(build) {
      // The policy plugin loads its rule files by listing its rules/ folder at run time. It is
      // bundled with that listing turned into static requires (so its code, and js-yaml's,
      // is in the V8 code cache); if registry.js no longer has the expected lines, it is
      // required from its folder instead, as it is.
      build.onResolve({ filter: /plugins[\\/]refarch-policy$/ }, (args) => {
        const resolved = path.resolve(args.resolveDir, args.path);
        return staticRules(registry) ? undefined : { path: resolved, external: true };
      });
      build.onLoad({ filter: /[\\/]plugins[\\/]refarch-policy[\\/]src[\\/]registry\.js$/ }, (args) => ({ contents: realDirname(staticRules(args.path) ?? fs.readFileSync(args.path, 'utf8'), args.path), loader: 'js' }));
      build.onLoad({ filter: /[\\/]config[\\/]settings\.ts$/ }, (args) => ({ contents: realDirname(precompiledSettings(args.path), args.path), loader: 'ts', resolveDir: path.dirname(args.path) }));
      // The bundle lives in .cache/: project files that locate themselves get their real folder.
      build.onLoad({ filter: /\.(ts|js)$/ }, (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        return { contents: realDirname(fs.readFileSync(args.path, 'utf8'), args.path), loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
      });
    },
  };
  return {
    entryPoints: [path.join(root, 'scripts', 'synth.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    packages: bundlePackages ? 'bundle' : 'external',
    // Packages resolve from the project, wherever the bundle is.
    nodePaths: [path.join(root, 'node_modules')],
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [projectPaths],
    absWorkingDir: root,
  };
}

/** @param {string} text @param {string} file */
function realDirname(text, file) {
  return text.includes('__dirname') ? text.replace(/\b__dirname\b/g, JSON.stringify(path.dirname(file))) : text;
}

const LIST_RULES = "const files = fs.readdirSync(dir).filter((f) => f.endsWith('.js')).sort();";
const REQUIRE_RULE = 'const rule = require(path.join(dir, f));';

/** The rule files of the policy plugin, part of the cache key: a new rule file rebuilds the bundle. */
function ruleFiles(root = ROOT) {
  try {
    return fs.readdirSync(path.join(root, 'plugins', 'refarch-policy', 'src', 'rules')).filter((f) => f.endsWith('.js')).sort();
  } catch {
    return [];
  }
}

/**
 * registry.js with its own rules/ folder listed at build time (other folders, as tests
 * pass, still listed at run time); undefined when it does not read its rules as expected.
 * @param {string} file
 * @returns {string | undefined}
 */
function staticRules(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  if (!text.includes(LIST_RULES) || !text.includes(REQUIRE_RULE) || !text.includes('const RULES_DIR =')) return undefined;
  const rules = ruleFiles(path.resolve(path.dirname(file), '..', '..', '..'));
  const table = `const BUNDLED_RULES = {\n${rules.map((f) => `  ${JSON.stringify(f)}: require(${JSON.stringify(`./rules/${f}`)}),`).join('\n')}\n};\n`;
  // After 'use strict', which must stay the first statement.
  const at = text.includes("'use strict';\n") ? text.indexOf("'use strict';\n") + "'use strict';\n".length : 0;
  return (text.slice(0, at) + table + text.slice(at))
    .replace(LIST_RULES, "const files = dir === RULES_DIR ? Object.keys(BUNDLED_RULES) : fs.readdirSync(dir).filter((f) => f.endsWith('.js')).sort();")
    .replace(REQUIRE_RULE, 'const rule = dir === RULES_DIR ? BUNDLED_RULES[f] : require(path.join(dir, f));');
}

const COMPILE_SETTINGS = /new Ajv\((\{[^{}]*\})\)\.compile\(SETTINGS_SCHEMA\)/;

/**
 * config/settings.ts with its settings-schema validator compiled now, at bundle time, by
 * ajv's standalone code generation (the same options, the same generated code, the same
 * errors), instead of by new Ajv().compile() on every run (~20 ms). The schema is
 * config/settings.schema.json, an input of the bundle. Unchanged if the line is not there.
 * @param {string} file
 */
function precompiledSettings(file) {
  const text = fs.readFileSync(file, 'utf8');
  const match = COMPILE_SETTINGS.exec(text);
  if (!match) return text;
  let code;
  try {
    // An object literal of booleans in our own source, e.g. { allErrors: true, strict: true }.
    const options = Function(`"use strict"; return (${match[1]});`)();
    const Ajv = require('ajv').default;
    const standalone = require('ajv/dist/standalone').default;
    const schema = JSON.parse(fs.readFileSync(path.join(path.dirname(file), 'settings.schema.json'), 'utf8'));
    const ajv = new Ajv({ ...options, code: { ...options.code, source: true } });
    code = standalone(ajv, ajv.compile(schema));
  } catch {
    return text;
  }
  // A function expression that evaluates the generated CommonJS module once.
  const precompiled = `((() => { const module = { exports: {} }; const exports = module.exports; ${code}\n; return module.exports.default ?? module.exports; })())`;
  return text.replace(match[0], precompiled);
}

/** @param {string} file */
function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * @typedef {{ file: string, sha256: string, size: number, mtimeMs: number, ctimeMs: number, ino: number }} Input
 * @typedef {{ key: string, recordedAt: number, inputs: Input[] }} Manifest
 */

/** What the key covers besides the inputs: Node.js (the code cache), esbuild and ajv, this launcher, where the project is, and which policy rule files exist. */
function baseKey() {
  // Their package.json, not require(): loading the APIs costs more than the check. ajv
  // generates the settings validator's code at bundle time (precompiledSettings).
  const version = (/** @type {string} */ pkg) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
    } catch {
      return 'none'; // no esbuild: the build fails and tsx runs the synth
    }
  };
  return `${process.version}\0${version('esbuild')}\0${version('ajv')}\0${ROOT}\0${sha256(__filename)}\0${ruleFiles().join(',')}`;
}

/** @param {string} base @param {Array<{ file: string, sha256: string }>} inputs */
function keyOf(base, inputs) {
  const h = crypto.createHash('sha256').update(base);
  for (const i of inputs) h.update(`\0${i.file}\0${i.sha256}`);
  return h.digest('hex').slice(0, 24);
}

/**
 * The cached bundle, if every input is unchanged; undefined otherwise.
 * @param {string} base
 * @returns {string | undefined}
 */
function cachedBundle(base) {
  /** @type {Manifest} */
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));
  } catch {
    return undefined;
  }
  const bundle = path.join(CACHE, `bundle-${manifest.key}.js`);
  if (!Array.isArray(manifest.inputs) || manifest.inputs.length === 0 || !fs.existsSync(bundle)) return undefined;
  let rehashed = false;
  for (const i of manifest.inputs) {
    let s;
    try {
      s = fs.statSync(path.join(ROOT, i.file));
    } catch {
      return undefined;
    }
    const same = s.size === i.size && s.mtimeMs === i.mtimeMs && s.ctimeMs === i.ctimeMs && s.ino === i.ino;
    if (same && i.ctimeMs < manifest.recordedAt - RACY_MS) continue;
    // Touched, or racy: only the content decides.
    if (s.size !== i.size || sha256(path.join(ROOT, i.file)) !== i.sha256) return undefined;
    rehashed = true;
  }
  if (keyOf(base, manifest.inputs) !== manifest.key) return undefined;
  if (rehashed) writeManifest(manifest.key, manifest.inputs.map((i) => ({ file: i.file, sha256: i.sha256 })));
  return bundle;
}

/**
 * @param {string} key
 * @param {Array<{ file: string, sha256: string }>} hashed
 */
function writeManifest(key, hashed) {
  const recordedAt = Date.now();
  const inputs = hashed.map(({ file, sha256: digest }) => {
    const s = fs.statSync(path.join(ROOT, file));
    return { file, sha256: digest, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino };
  });
  writeAtomic(MANIFEST, JSON.stringify({ key, recordedAt, inputs }));
}

/** The project's one safe writer (scripts/safe-write.js): atomic, never through a symlink. @param {string} file @param {string | Buffer} data */
function writeAtomic(file, data) {
  require('./safe-write').writeFile(file, data, { createFolders: true });
}

/**
 * Bundles scripts/synth.ts and stores it under its content key.
 * @param {string} base
 * @returns {Promise<string>} the bundle's path
 */
async function build(base) {
  const esbuild = require('esbuild');
  const result = await esbuild.build(bundleOptions({ bundlePackages: true }));
  // Hash the inputs as read now; a file edited during the build then fails the next check.
  const hashed = Object.keys(result.metafile.inputs).sort().map((file) => ({ file, sha256: sha256(path.join(ROOT, file)) }));
  const key = keyOf(base, hashed);
  fs.mkdirSync(CACHE, { recursive: true });
  const bundle = path.join(CACHE, `bundle-${key}.js`);
  writeAtomic(bundle, result.outputFiles[0].text);
  writeManifest(key, hashed);
  // Bundles (and code caches) of earlier sources are never used again.
  for (const f of fs.readdirSync(CACHE)) {
    if (f.startsWith('bundle-') && !f.startsWith(path.basename(bundle))) fs.rmSync(path.join(CACHE, f), { force: true });
  }
  return bundle;
}

/**
 * Loads the bundle as a CommonJS module with V8's compiled code cached beside it (Node 20
 * has no module.enableCompileCache), written at exit of the first run so that the
 * functions the synth ran are in it.
 * @param {string} bundle
 * @returns {{ runCli: typeof import('./synth').runCli }}
 */
function load(bundle) {
  const vm = require('vm');
  const Module = require('module');
  const codeCache = `${bundle}.v8`;
  /** @type {Buffer | undefined} */
  let cachedData;
  try {
    cachedData = fs.readFileSync(codeCache);
  } catch { /* first run */ }
  const script = new vm.Script(Module.wrap(fs.readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
  if (process.env.REFARCH_SYNTH_FAST_DEBUG) process.stderr.write(`synth-fast: ${bundle}, code cache ${cachedData ? (script.cachedDataRejected ? 'rejected' : 'used') : 'absent'}\n`);
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        writeAtomic(codeCache, script.createCachedData());
      } catch { /* a cache, not a result */ }
    });
  }
  return evaluate(script, bundle, ROOT);
}

/**
 * Runs a compiled bundle as a CommonJS module whose packages resolve from `root`.
 * @param {import('vm').Script} script the bundle wrapped by Module.wrap
 * @param {string} filename
 * @param {string} root
 * @returns {{ runCli: typeof import('./synth').runCli }}
 */
function evaluate(script, filename, root) {
  const Module = nodeModule();
  // No parent: a parent keeps each child in its `children`, and the watch loop evaluates a
  // new bundle on every save.
  const m = new Module(filename);
  m.filename = filename;
  // @ts-ignore: Module._nodeModulePaths is internal but stable: where the bundle's require() looks
  m.paths = Module._nodeModulePaths(root);
  script.runInThisContext()(m.exports, Module.createRequire(path.join(root, 'package.json')), m, filename, path.dirname(filename));
  return m.exports;
}

/**
 * Node's own Module class. A test runner may hand out its own require('module') (jest does),
 * whose require() loads packages into another realm than the one vm.Script runs the bundle
 * in: cdk8s's `value.constructor == Object` checks would then fail.
 * @returns {typeof import('module')}
 */
function nodeModule() {
  // @ts-ignore: process.getBuiltinModule is in Node >= 20.16, newer than this project's @types/node
  return typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('module') : require('module');
}

/** The TypeScript entry through tsx, in this process: what runs when the bundle cannot. */
function loadTypeScript() {
  // @ts-ignore: tsx/cjs has no type declarations; requiring it registers the loader
  require('tsx/cjs');
  return require(ENTRY);
}

/** @param {{ runCli: typeof import('./synth').runCli }} synth */
function run(synth) {
  process.exitCode = synth.runCli(process.argv.slice(2), {
    env: process.env,
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}

async function main() {
  let synth;
  try {
    const base = baseKey();
    const bundle = cachedBundle(base) ?? await build(base);
    synth = load(bundle);
  } catch (err) {
    if (process.env.REFARCH_SYNTH_FAST_DEBUG) process.stderr.write(`synth-fast: falling back to tsx: ${/** @type {Error} */ (err).message}\n`);
    synth = loadTypeScript();
  }
  run(synth);
}

module.exports = { bundleOptions, evaluate, nodeModule, baseKey, cachedBundle, ROOT, CACHE, MANIFEST };

if (require.main === module) main();
