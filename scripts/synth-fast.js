#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * The fast entry of the synth pipeline: what `npm run synth` and cdk8s.yaml's `app` run.
 * scripts/synth.ts, but from a cached esbuild bundle instead of transpiling the TypeScript
 * on every run (tsx spends ~0.4 s of a 0.5 s synth compiling imports/k8s.ts and friends;
 * see bench/README.md). Same arguments, output, messages and exit codes as
 * `node --import tsx scripts/synth.ts`: the bundle runs the same runCli().
 *
 * The speed comes from build outputs only, never from reading or rewriting source text:
 * the bundle (esbuild, of the sources as they are), V8's code cache of it, and two files
 * that `npm run generate` writes and commits: the settings validator
 * (config/settings-validator.js, Ajv's standalone code) and the policy rule index
 * (plugins/refarch-policy/src/rule-index.js, static requires). Reformatting any source
 * changes the bundle's bytes, nothing else. REFARCH_SYNTH_FAST_DEBUG=1 prints which path a
 * run took (test/synth-fast.test.ts checks it).
 *
 * The cache (.cache/synth/, git-ignored) is keyed by the content of every file esbuild
 * read to build it, and of this launcher. A stale bundle is never run: each input's size, mtime, ctime and inode
 * must equal what was recorded, and any input whose recorded ctime is within a second of
 * the recording (a "racy" entry, as git calls it: it could have been edited again in the
 * same clock tick) is hashed and compared instead. ctime cannot be set back by tools that
 * restore mtimes (tar, cp -p, touch -d), so an edited file always fails the check.
 * Anything that goes wrong with bundling or the cache (esbuild missing, a syntax error, a
 * read-only checkout) falls back to running scripts/synth.ts through tsx in this process,
 * so the errors are exactly the TypeScript entry's.
 */
// How long Node.js took to get here: process.uptime() counts from the process's start. Not
// performance.now(): the `performance` global loads perf_hooks (about 1 ms; see now()).
let NODE_START_MS = process.uptime() * 1000;
/** Milliseconds on a monotonic clock (scripts/synth/timing.ts's now()). */
const now = () => Number(process.hrtime.bigint()) / 1e6;
let NOW_AT_START = now();
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
  const dedupe = bundlePackages ? sharedYaml(root) : undefined;
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
    absWorkingDir: root,
    plugins: dedupe ? [dedupe] : [],
  };
}

/**
 * cdk8s ships its own copy of the `yaml` package (a bundled dependency) beside the
 * project's, which scripts/synth/yaml.ts writes with. When both are the same version the
 * bundle holds one copy: a quarter of its code that every synth would load twice.
 * @param {string} root
 * @returns {import('esbuild').Plugin | undefined}
 */
function sharedYaml(root) {
  const version = (/** @type {string} */ dir) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
    } catch {
      return undefined;
    }
  };
  const ours = path.join(root, 'node_modules', 'yaml');
  const cdk8s = path.join(root, 'node_modules', 'cdk8s');
  if (version(ours) === undefined || version(ours) !== version(path.join(cdk8s, 'node_modules', 'yaml'))) return undefined;
  const entry = require.resolve('yaml', { paths: [root] });
  return {
    name: 'shared-yaml',
    setup(build) {
      build.onResolve({ filter: /^yaml$/ }, (args) => (args.resolveDir.startsWith(cdk8s + path.sep) ? { path: entry } : undefined));
    },
  };
}

/** @param {string} file */
function sha256(file) {
  // Loaded here, not at the top: a run whose cache is current hashes nothing (3 ms saved).
  return require('crypto').createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/**
 * @typedef {{ file: string, sha256: string, size: number, mtimeMs: number, ctimeMs: number, ino: number }} Input
 * @typedef {{ base: string, key: string, recordedAt: number, inputs: Input[] }} Manifest
 */

/**
 * What the cache depends on besides its input files: Node.js (the code cache), esbuild and
 * where the project is. Compared as text with the manifest's, so that a run whose cache
 * is current computes no hash.
 */
function baseKey() {
  // esbuild's package.json, not require(): loading its API costs more than the check.
  let esbuild = 'none'; // no esbuild: the build fails and tsx runs the synth
  try {
    esbuild = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'esbuild', 'package.json'), 'utf8')).version;
  } catch { /* as above */ }
  return `node ${process.version}, esbuild ${esbuild}, ${ROOT}`;
}

/**
 * Files the bundled code reads at run time beside its own module, by folder: the bundle's
 * counterpart of each source folder (`lib/postgres-scripts.ts` reads the shell scripts from
 * `path.join(__dirname, 'scripts')`; in the bundle `__dirname` is the cache folder). They are
 * copied there with every bundle and are inputs of the cache key like the sources.
 */
const ASSETS = [{ from: path.join('lib', 'scripts'), to: 'scripts' }];

/** Whether a project-relative path (with / or the platform's separator) is an asset file. @param {string} rel */
function isAsset(rel) {
  return ASSETS.some((a) => path.normalize(rel).startsWith(a.from + path.sep));
}

/** The asset files, project-relative. @param {string} root */
function assetFiles(root) {
  return ASSETS.flatMap((a) => fs.readdirSync(path.join(root, a.from)).sort().map((f) => path.join(a.from, f)));
}

/**
 * Copies the asset files into `<root>/.cache/synth/` (the folder of every bundle the fast
 * path and the watch loop evaluate), replacing what is there.
 * @param {string} root
 */
function syncAssets(root) {
  const { replaceFiles } = require('./safe-write');
  for (const a of ASSETS) {
    const dest = path.join(root, '.cache', 'synth', a.to);
    const names = fs.readdirSync(path.join(root, a.from)).sort();
    replaceFiles(names.map((f) => ({ path: path.join(dest, f), data: fs.readFileSync(path.join(root, a.from, f)), display: path.join(a.to, f) })), { createFolders: true });
    for (const f of fs.existsSync(dest) ? fs.readdirSync(dest) : []) if (!names.includes(f)) fs.rmSync(path.join(dest, f), { force: true });
  }
}

/**
 * The inputs of a bundle: what esbuild read, the assets it reads, this launcher (it loads the
 * bundle) and the startup snapshot's builder (it wraps both).
 * @param {string[]} files project-relative
 */
function withLauncher(files) {
  const launchers = [__filename, path.join(__dirname, 'synth-snapshot.js')].filter((f) => fs.existsSync(f)).map((f) => path.relative(ROOT, f));
  return [...new Set([...files, ...assetFiles(ROOT), ...launchers])].sort();
}

/** @param {string} base @param {Array<{ file: string, sha256: string }>} inputs */
function keyOf(base, inputs) {
  const h = require('crypto').createHash('sha256').update(base);
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
  if (manifest.base !== base || !Array.isArray(manifest.inputs) || manifest.inputs.length === 0 || !fs.existsSync(bundle)) return undefined;
  // The assets' copies beside the bundle (a cache folder someone emptied by hand: rebuild).
  if (!ASSETS.every((a) => fs.existsSync(path.join(CACHE, a.to)))) return undefined;
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
  if (rehashed) writeManifest(base, manifest.key, manifest.inputs.map((i) => ({ file: i.file, sha256: i.sha256 })));
  return bundle;
}

/**
 * @param {string} base
 * @param {string} key
 * @param {Array<{ file: string, sha256: string }>} hashed
 */
function writeManifest(base, key, hashed) {
  const recordedAt = Date.now();
  const inputs = hashed.map(({ file, sha256: digest }) => {
    const s = fs.statSync(path.join(ROOT, file));
    return { file, sha256: digest, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino };
  });
  writeAtomic(MANIFEST, JSON.stringify({ base, key, recordedAt, inputs }));
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
  const hashed = withLauncher(Object.keys(result.metafile.inputs)).map((file) => ({ file, sha256: sha256(path.join(ROOT, file)) }));
  const key = keyOf(base, hashed);
  fs.mkdirSync(CACHE, { recursive: true });
  const bundle = path.join(CACHE, `bundle-${key}.js`);
  syncAssets(ROOT);
  writeAtomic(bundle, result.outputFiles[0].text);
  writeManifest(base, key, hashed);
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
  const script = launcherStep('compile', () => new vm.Script(Module.wrap(fs.readFileSync(bundle, 'utf8')), { filename: bundle, cachedData }));
  trace(`code cache ${cachedData ? (script.cachedDataRejected ? 'rejected' : 'used') : 'absent'}`);
  // A run from the startup snapshot has its V8 flags (scripts/synth-snapshot.js): a code cache
  // written with them would be rejected, and rewritten, by the next launcher run.
  if ((!cachedData || script.cachedDataRejected) && !fromSnapshot) {
    process.once('exit', () => {
      try {
        writeAtomic(codeCache, script.createCachedData());
      } catch { /* a cache, not a result */ }
    });
  }
  return launcherStep('evaluate', () => evaluate(script, bundle, ROOT));
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

/** @typedef {{ runCli: typeof import('./synth').runCli, phaseTimings?: typeof import('./synth').phaseTimings }} Synth */

/** @param {Synth} synth @param {string[]} args the command line's arguments */
function run(synth, args) {
  process.exitCode = synth.runCli(args, {
    project: ROOT,
    env: process.env,
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
  if (!process.env.REFARCH_SYNTH_FAST_DEBUG) return;
  // Where this run's time went: the launcher's steps, then the pipeline's phases (scripts/synth/timing.ts).
  const phases = [...LAUNCHER_STEPS, ...(synth.phaseTimings?.() ?? [])];
  trace(`ms: node start ${NODE_START_MS.toFixed(1)}, ${phases.map(([p, ms]) => `${p} ${ms.toFixed(1)}`).join(', ')}, total ${(NODE_START_MS + now() - NOW_AT_START).toFixed(1)}`);
}

/** @type {Array<[string, number]>} */
const LAUNCHER_STEPS = [];
/** Whether this process started from the startup snapshot (set by snapshotMain). */
let fromSnapshot = false;
/**
 * Runs one step of the launcher, timed for the debug trace.
 * @template T @param {string} step @param {() => T} fn @returns {T}
 */
function launcherStep(step, fn) {
  const start = now();
  try {
    return fn();
  } finally {
    LAUNCHER_STEPS.push([step, now() - start]);
  }
}

/** With REFARCH_SYNTH_FAST_DEBUG set: which path this run took, on stderr. @param {string} step */
function trace(step) {
  if (process.env.REFARCH_SYNTH_FAST_DEBUG) process.stderr.write(`synth-fast: ${step}\n`);
}

/**
 * The launcher's path: the cached bundle (built first if the sources changed), else the
 * TypeScript entry. Then, for scripts/synth.sh (which sets REFARCH_SYNTH_SNAPSHOT=1) and
 * after a synth that succeeded, the startup snapshot of the bundle that ran, if it has
 * none yet (scripts/synth-snapshot.js).
 * @param {string[]} args the command line's arguments
 * @param {boolean} snapshot whether to make the startup snapshot
 */
async function main(args, snapshot = process.env.REFARCH_SYNTH_SNAPSHOT === '1') {
  let synth;
  let bundle;
  try {
    const base = baseKey();
    bundle = launcherStep('cache check', () => cachedBundle(base));
    trace(bundle ? `bundle cached: ${path.relative(ROOT, bundle)}` : 'bundle stale or absent: building it');
    if (!bundle) {
      const start = now();
      bundle = await build(base);
      LAUNCHER_STEPS.push(['bundle build', now() - start]);
    }
    synth = load(bundle);
  } catch (err) {
    trace(`falling back to tsx: ${/** @type {Error} */ (err).message}`);
    synth = loadTypeScript();
    bundle = undefined;
  }
  run(synth, args);
  if (snapshot && process.exitCode === 0 && bundle) {
    const key = path.basename(bundle).replace(/^bundle-(.*)\.js$/, '$1');
    try {
      trace(require('./synth-snapshot').ensureSnapshot(bundle, key));
    } catch (err) {
      trace(`snapshot not built: ${/** @type {Error} */ (err).message}`); // a cache, not a result
    }
  }
}

/**
 * The main function of the startup snapshot (scripts/synth-snapshot.js), whose heap holds
 * this launcher and the bundle with cache key `key`, already evaluated. Runs it if the
 * sources are still the ones it was built from (the same check as every launcher run);
 * otherwise takes the launcher's path, in this process.
 * @param {Synth & { resetPhaseTimings?: () => void }} synth the bundle's exports
 * @param {string} key
 */
function snapshotMain(synth, key) {
  fromSnapshot = true;
  NODE_START_MS = process.uptime() * 1000;
  NOW_AT_START = now();
  // The heap holds the project's path from when it was made. A copy of the project made
  // with its .cache/ (cp -r) must not run, and write, the original: 14, as when Node.js
  // refuses a snapshot before anything ran, makes scripts/synth.sh run the copy's launcher.
  if (!isThisProjectsSnapshot()) {
    trace(`startup snapshot of another folder (${ROOT}): leaving the run to the launcher`);
    process.exit(14);
  }
  // `node --snapshot-blob F -- ARGS`: no script in argv.
  const args = process.argv.slice(1);
  const bundle = launcherStep('cache check', () => cachedBundle(baseKey()));
  if (bundle !== undefined && path.basename(bundle) === `bundle-${key}.js`) {
    trace(`startup snapshot used: bundle-${key}.js`);
    synth.resetPhaseTimings?.();
    run(synth, args);
    return;
  }
  trace('startup snapshot stale: taking the launcher\'s path');
  LAUNCHER_STEPS.length = 0;
  main(args, true);
}

/** Whether this process was started from a snapshot file in ROOT's own cache folder (`--snapshot-blob F`). */
function isThisProjectsSnapshot() {
  const args = process.execArgv;
  const at = args.indexOf('--snapshot-blob');
  const blob = at >= 0 ? args[at + 1] : args.find((a) => a.startsWith('--snapshot-blob='))?.slice('--snapshot-blob='.length);
  try {
    return blob !== undefined && path.dirname(fs.realpathSync(blob)) === fs.realpathSync(CACHE);
  } catch {
    return false; // either file gone: not provably this project's
  }
}

module.exports = { bundleOptions, evaluate, nodeModule, baseKey, cachedBundle, syncAssets, isAsset, snapshotMain, ROOT, CACHE, MANIFEST };

if (require.main === module) main(process.argv.slice(2));
