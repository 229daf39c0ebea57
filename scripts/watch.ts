/**
 * `npm run watch [-- synth options]`: keeps one process warm and re-synthesizes on every
 * save, then prints what changed in the manifests.
 *
 * On a change under lib/, config/, imports/, plugins/refarch-policy/, scripts/synth/ or in
 * scripts/safe-write.js or main.ts, an esbuild context rebuilds the bundle of scripts/synth.ts incrementally (only
 * the changed files are parsed again; the bundle options are npm run synth's, from
 * scripts/synth-fast.js), the new bundle is evaluated in this process (packages, and the
 * project's plain JavaScript: the policy plugin, settings validator and safe writer, stay
 * loaded until a save there), and its runCli() runs with the given options: the same settings schema,
 * construct checks, policy plugin, secret refusal and atomic replacement of dist/ as
 * `npm run synth`. A failing edit prints the error; dist/ keeps its previous files and the
 * loop keeps watching. The semantic diff of each updated file is printed
 * (scripts/review/semantic-diff.ts, as `npm run diff` prints it).
 *
 * Ctrl-C stops it between two runs (a run is synchronous, so never half-way through
 * writing): no temporary file or lock is left behind.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
import * as esbuild from 'esbuild';
import { parseManifests } from './review/manifests';
import { FileDiff, diffManifests, formatText } from './review/semantic-diff';
import { bundleOptions, evaluate, isAsset, nodeModule, syncAssets } from './synth-fast';

const PROJECT = path.resolve(__dirname, '..');
// CommonJS's function wrapper (exports, require, module, __filename, __dirname) around the bundle.
const wrap = (code: string) => (nodeModule() as unknown as { wrap(code: string): string }).wrap(code);
/** What a save there can change in the output: the sources the synth is built from. */
export const WATCHED = ['lib', 'config', 'imports', 'plugins/refarch-policy', 'scripts/synth', 'scripts/safe-write.js', 'main.ts', 'scripts/synth.ts'];
// The shell scripts under lib/scripts/ too: the synth reads them (scripts/synth-fast.js's assets).
export const SOURCE_FILE = /\.(ts|js|json|sh)$/;

/** Where the watch loop reads and writes; tests pass their own. */
export interface WatchIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/**
 * Plain JavaScript of the project that the synth loads (the policy plugin, the generated
 * settings validator, the safe writer): left out of the watch bundle and required by Node.js,
 * so it is loaded once and stays warm instead of being printed, parsed and evaluated again on
 * every save (a third of the bundle); a save under one of these paths drops it from
 * require's cache ({@link Rebuilder}). The TypeScript is bundled as before.
 */
const LOADED_ONCE = ['plugins/refarch-policy', 'config/settings-validator.js', 'scripts/safe-write.js'];

/** The esbuild plugin that leaves {@link LOADED_ONCE} files out of the bundle, by absolute path. */
function loadedOnce(root: string): esbuild.Plugin {
  const roots = LOADED_ONCE.map((p) => path.join(root, p));
  return {
    name: 'watch-loaded-once',
    setup(build) {
      // Only specifiers that can name them: a callback per import on every rebuild costs more
      // than it saves. Inside them, Node.js resolves their own requires.
      build.onResolve({ filter: /^\..*(refarch-policy|settings-validator|safe-write)/ }, (args) => {
        const base = path.resolve(args.resolveDir, args.path);
        const file = [base, `${base}.js`, path.join(base, 'index.js')].find((f) => f.endsWith('.js') && fs.existsSync(f));
        return file && roots.some((p) => file === p || file.startsWith(p + path.sep)) ? { path: file, external: true } : undefined;
      });
    },
  };
}

/** What one rebuild did. */
export interface RebuildResult {
  /** Whether dist/ (or --out) now holds the output of the current sources. */
  readonly ok: boolean;
  /** From the start of the rebuild to the files written (or the failure). */
  readonly ms: number;
  /** performance.now() when the files were written (or the failure was known). */
  readonly at: number;
  /** The semantic diff of the written files (empty when nothing was written). */
  readonly diff: string;
}

/**
 * The rebuild step of the watch loop, without the file watching: `rebuild()` after each
 * save (or batch of saves).
 */
export class Rebuilder {
  private context?: esbuild.BuildContext<ReturnType<typeof bundleOptions>>;
  private assetsCopied = false;
  private readonly outDir: string;

  /**
   * @param root the project (its sources, node_modules and default dist/)
   * @param args `npm run synth` options passed to every run (--env, --set, --out)
   */
  constructor(private readonly root: string, private readonly args: readonly string[], private readonly io: WatchIo) {
    // The folder the synth writes, to diff it: --out DIR or --out=DIR (synth refuses more
    // than one), taken from where npm was run, as npm run synth does.
    let out: string | undefined;
    args.forEach((a, i) => {
      if (a === '--out' && args[i + 1] !== undefined) out = args[i + 1];
      else if (a.startsWith('--out=')) out = a.slice('--out='.length);
    });
    this.outDir = out !== undefined ? path.resolve(io.env.INIT_CWD || io.cwd, out) : path.join(root, 'dist');
  }

  /** Rebuilds, re-synthesizes and prints the outcome. `changed`: files saved since the last run (project-relative). */
  async rebuild(changed: readonly string[] = []): Promise<RebuildResult> {
    const started = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
    const fail = (what: string, message: string): RebuildResult => {
      this.io.stderr(`watch: ${what} failed: ${message.trimEnd()}\nwatch: ${path.relative(this.io.cwd, this.outDir) || '.'} kept its previous files; fix the error and save again.\n`);
      return { ok: false, ms: elapsed(), at: performance.now(), diff: '' };
    };

    let code: string;
    try {
      // Whitespace out: esbuild prints a quarter less and V8 parses less on every save
      // (rebuild 48 -> 36 ms); nothing else changes, names included.
      const options = bundleOptions({ bundlePackages: false, root: this.root });
      this.context ??= await esbuild.context({ ...options, minifyWhitespace: true, plugins: [...(options.plugins ?? []), loadedOnce(this.root)] });
      this.forgetLoadedOnce(changed);
      const result = await this.context.rebuild();
      code = result.outputFiles[0].text;
    } catch (err) {
      const errors = (err as { errors?: esbuild.Message[] }).errors;
      const text = errors?.length
        ? errors.map((e) => `${e.location ? `${e.location.file}:${e.location.line}:${e.location.column + 1}: ` : ''}${e.text}`).join('\n')
        : (err as Error).message;
      return fail('build', text);
    }

    const before = this.readOutput();
    let status: number;
    let stdout = '';
    let stderr = '';
    try {
      const filename = path.join(this.root, '.cache', 'synth', 'watch-bundle.js');
      // The files the bundle reads beside itself (lib/scripts/), as saved now: copied at the
      // first run and after a save there, not on every save (10-20 ms of one).
      if (!this.assetsCopied || changed.some(isAsset)) syncAssets(this.root);
      this.assetsCopied = true;
      const synth = evaluate(new vm.Script(wrap(code), { filename }), filename, this.root);
      status = synth.runCli(this.args, {
        project: this.root,
        env: this.io.env,
        cwd: this.io.cwd,
        stdout: (t: string) => { stdout += t; },
        stderr: (t: string) => { stderr += t; },
      });
    } catch (err) {
      // Thrown while loading the new code (e.g. by a module's top level): runCli itself catches everything else.
      return fail('synth', (err as Error).stack ?? String(err));
    }
    if (status !== 0) return fail('synth', stderr.replace(/^synth failed: /, ''));
    const ms = elapsed();
    const at = performance.now();
    if (stderr) this.io.stderr(stderr); // the policy plugin's report of rules switched off

    const after = this.readOutput();
    const files: FileDiff[] = [];
    for (const name of [...new Set([...before.keys(), ...after.keys()])].sort()) {
      const [a, b] = [before.get(name), after.get(name)];
      if (a === b) continue;
      const display = path.relative(this.io.cwd, path.join(this.outDir, name));
      files.push({ name: display, objects: diffManifests(a ? parseManifests(a, `previous ${display}`) : [], b ? parseManifests(b, display) : []) });
    }
    const diff = files.length === 0 ? 'No changes in the manifests.\n' : formatText(files);
    const where = path.relative(this.io.cwd, this.outDir) || '.';
    this.io.stdout(`watch: ${where} updated in ${Math.round(ms)} ms${changed.length ? ` (${changed.join(', ')})` : ''}\n${diff}`);
    return { ok: true, ms, at, diff };
  }

  /** Drops the {@link LOADED_ONCE} modules under a saved path from require's cache, so the next bundle loads them anew. */
  private forgetLoadedOnce(changed: readonly string[]): void {
    const cache = nodeModule().createRequire(path.join(this.root, 'package.json')).cache;
    for (const entry of LOADED_ONCE) {
      if (!changed.some((f) => f === entry || f.startsWith(`${entry}/`))) continue;
      const under = path.join(this.root, entry);
      for (const file of Object.keys(cache)) if (file === under || file.startsWith(under + path.sep)) delete cache[file];
    }
  }

  private readOutput(): Map<string, string> {
    const out = new Map<string, string>();
    let entries: string[] = [];
    try {
      entries = fs.readdirSync(this.outDir);
    } catch { /* not written yet */ }
    for (const f of entries.filter((e) => e.endsWith('.k8s.yaml')).sort()) out.set(f, fs.readFileSync(path.join(this.outDir, f), 'utf8'));
    return out;
  }

  /** Stops esbuild's service process. */
  async dispose(): Promise<void> {
    await this.context?.dispose();
    this.context = undefined;
  }
}

/**
 * Watches the sources and rebuilds after each batch of saves (editors write a file in
 * several steps: the batch closes 10 ms after the last event). Returns the function that stops it.
 */
export function watchSources(root: string, onChange: (files: string[]) => Promise<void>): () => void {
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const flush = () => {
    timer = undefined;
    if (running) return; // picked up when the run ends
    const files = [...pending].sort();
    pending = new Set();
    running = onChange(files).finally(() => {
      running = undefined;
      if (pending.size > 0 && !timer) timer = setTimeout(flush, 0);
    });
  };
  const note = (file: string) => {
    if (!SOURCE_FILE.test(file)) return;
    pending.add(file);
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, 10);
  };
  // One non-recursive watcher per folder: a folder's watch reports every save by file name,
  // also an editor's save that renames a new file over the old one. (Node 20's recursive
  // mode on Linux follows each file's inode and misses every save after such a rename.)
  // A folder created later is not watched until the next start.
  const watchers: fs.FSWatcher[] = [];
  const watchFolder = (rel: string, only?: string) => {
    watchers.push(fs.watch(path.join(root, rel), (_event, name) => {
      const file = name?.toString();
      if (file && (only === undefined || file === only)) note(rel ? `${rel}/${file}` : file);
    }));
  };
  const folders = (rel: string): string[] => [rel, ...fs.readdirSync(path.join(root, rel), { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'test' && d.name !== 'node_modules' && !d.name.startsWith('.'))
    .flatMap((d) => folders(`${rel}/${d.name}`))];
  for (const entry of WATCHED) {
    const full = path.join(root, entry);
    if (!fs.existsSync(full)) continue;
    if (fs.statSync(full).isDirectory()) for (const dir of folders(entry)) watchFolder(dir);
    else watchFolder(path.dirname(entry) === '.' ? '' : path.dirname(entry), path.basename(entry));
  }
  return () => {
    if (timer) clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}

async function main(argv: string[]): Promise<void> {
  const io: WatchIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), env: process.env, cwd: process.env.INIT_CWD || process.cwd() };
  if (argv.includes('--help') || argv.includes('-h')) {
    // Not synth's USAGE imported here: that would load (and tsx-compile) every construct into this process.
    io.stdout(`Usage: npm run watch -- [synth options]\n\nRe-synthesizes on every save under ${WATCHED.join(', ')}\nand prints the semantic diff of what changed. Takes the options of npm run synth\n(--out, --env, --set; see npm run synth -- --help) except --stdout. Ctrl-C stops it.\n`);
    return;
  }
  if (argv.includes('--stdout')) {
    io.stderr('watch: --stdout is not supported (the loop writes files and prints their diff); use --out DIR.\n');
    process.exitCode = 1;
    return;
  }
  const rebuilder = new Rebuilder(PROJECT, argv, io);
  let stop: (() => void) | undefined;
  let stopping = false;
  // Installed first, so that a Ctrl-C at any moment takes this path. A synth run is
  // synchronous, so the handler never runs while files are being replaced.
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    stop?.();
    void rebuilder.dispose().finally(() => {
      io.stdout('watch: stopped.\n');
      process.exit(0);
    });
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  await rebuilder.rebuild();
  if (stopping) return;
  stop = watchSources(PROJECT, async (files) => {
    await rebuilder.rebuild(files);
  });
  io.stdout(`watch: watching ${WATCHED.join(', ')}; Ctrl-C stops.\n`);
}

if (require.main === module) void main(process.argv.slice(2));
