/**
 * The output folder of `npm run synth`: which folders it may write into, and how it
 * replaces files there so that nothing but its own output is ever deleted or replaced.
 *
 * A synth marks its folder with a manifest, `.refarch-synth.manifest`, listing the files it
 * generated. Only those are replaced or removed. Each file is written beside its target
 * under a temporary name and renamed over it (atomic on POSIX), so a killed run leaves
 * every old file complete; the next run removes the stray temporary files (only names
 * matching {@link TEMP_FILE}). A lock file keeps two runs from writing into one folder.
 */
import * as fs from 'fs';
import * as path from 'path';
import { SafeWriteError, checkWritable, pseudoFilesystemOf, replaceFiles, tempFilePattern } from '../safe-write';
import { HeldLock, LOCK_FILE, LockError, lockFolder } from './lock';

/**
 * Name of the manifest a synth keeps in its output folder: JSON, but not named `.json`,
 * so that tools reading every .yaml/.json file of dist/ (npm run check:schema,
 * kubeconform, Checkov) do not take it for a Kubernetes manifest.
 */
export const MANIFEST_FILE = '.refarch-synth.manifest';
/** Marker of a run's temporary files (scripts/safe-write.js names them). */
const TEMP_TAG = 'refarch-synth';
/** Temporary files of a run: `.<target>.refarch-synth-<12 hex>.tmp`. */
export const TEMP_FILE = tempFilePattern(TEMP_TAG);
export { LOCK_FILE };
/** What a manifest may list: plain file names, never a path. */
const GENERATED_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.k8s\.yaml$/;
/** More than any list of environment files; a larger "manifest" is not one. */
const MAX_MANIFEST_BYTES = 1 << 20;

/** A folder that is not safe to write into, or a file there that a synth did not write. */
export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputError';
  }
}

/** A checked output folder. */
export interface OutputFolder {
  /** Absolute path. */
  readonly dir: string;
  /** As the user wrote it, for messages. */
  readonly display: string;
  /** Files a synth wrote there before (from the manifest); empty for a new or empty folder. */
  readonly generated: readonly string[];
  /** Whether the folder exists. */
  readonly exists: boolean;
}

/** The path with its existing part resolved through symlinks. */
function realPath(p: string): string {
  const missing: string[] = [];
  let existing = p;
  for (;;) {
    try {
      return path.join(fs.realpathSync(existing), ...missing.reverse());
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return p;
      missing.push(path.basename(existing));
      existing = parent;
    }
  }
}

function isWithin(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Reads and checks the manifest of `dir`; undefined when there is none. */
export function readManifest(dir: string, display: string): string[] | undefined {
  const file = path.join(dir, MANIFEST_FILE);
  const shown = path.join(display, MANIFEST_FILE);
  const distrust = `refusing to trust it. Restore it (git checkout -- ${shown}) or delete the folder.`;
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  // A synth writes it as a regular file; a symlink or folder there was put by someone else.
  if (!st.isFile()) throw new OutputError(`${shown} is ${st.isSymbolicLink() ? `a symlink (to ${fs.readlinkSync(file)})` : 'not a regular file'}, not a manifest a synth wrote; ${distrust}`);
  if (st.size > MAX_MANIFEST_BYTES) throw new OutputError(`${shown} is ${st.size} bytes, more than a manifest of generated files can be (${MAX_MANIFEST_BYTES}); ${distrust}`);
  const text = fs.readFileSync(file, 'utf8');
  let files: unknown;
  try {
    files = (JSON.parse(text) as { files?: unknown }).files;
  } catch (err) {
    throw new OutputError(`${shown} is not valid JSON (${(err as Error).message}); ${distrust}`);
  }
  if (!Array.isArray(files)) throw new OutputError(`${shown} must hold {"files": [<environment>.k8s.yaml, ...]}; ${distrust}`);
  for (const [i, f] of files.entries()) {
    if (typeof f === 'string' && GENERATED_FILE.test(f)) continue;
    const where = typeof f === 'string' && (f.includes('/') || f.includes('\\') || f === '..' || f === '.')
      ? 'a path, but a manifest lists only files in its own folder' : 'not a plain <environment>.k8s.yaml file name';
    throw new OutputError(`${shown} lists ${JSON.stringify(f)} (files[${i}]): ${where}; ${distrust}`);
  }
  return [...new Set(files as string[])].sort();
}

/** Entries of `dir` other than a killed run's temporary files and lock. */
function entriesOf(dir: string): string[] {
  return fs.readdirSync(dir).filter((e) => !TEMP_FILE.test(e) && e !== LOCK_FILE).sort();
}

const listOf = (names: readonly string[]) => (names.length > 5 ? `${names.slice(0, 5).join(', ')}, ...` : names.join(', '));

/**
 * Checks that `out` is a folder a synth may write into, touching nothing: not the project
 * root or an ancestor of it, not a file, not a source folder of the project (or inside
 * one), and, when it exists, empty or marked by a synth's manifest.
 */
export function checkOutputFolder(out: string, options: { cwd: string; projectRoot: string }): OutputFolder {
  if (out.trim() === '') throw new OutputError(`--out "${out}": must name a folder, e.g. --out dist.`);
  const dir = path.resolve(options.cwd, out);
  const root = realPath(options.projectRoot);
  const refuse = (why: string) => new OutputError(`--out ${out}: refusing to write into ${dir}: ${why}`);
  // First, before any other look at the path: a read or mkdir there can block or spin (/proc/self/...).
  const pseudo = pseudoFilesystemOf(dir);
  if (pseudo !== undefined) throw refuse(`it is on ${pseudo}, a pseudo-filesystem of kernel interfaces, not a place for files. Choose a folder on a real filesystem, e.g. --out dist.`);
  for (const candidate of new Set([dir, realPath(dir)])) {
    if (isWithin(root, candidate)) throw refuse(`it is the project root${candidate === root ? '' : ' or an ancestor of it'}. Synth writes into a folder of its own, e.g. --out dist.`);
  }

  // Inside the project, every folder between the root and the output must be the output's
  // own kind: a folder that holds files no synth wrote is source (lib/, config/, .git/...).
  for (const candidate of new Set([dir, realPath(dir)])) {
    if (!isWithin(candidate, root)) continue;
    const rel = path.relative(root, candidate).split(path.sep);
    for (let i = 1; i < rel.length; i++) {
      const ancestor = path.join(root, ...rel.slice(0, i));
      if (!fs.existsSync(ancestor)) break;
      if (!fs.statSync(ancestor).isDirectory()) throw refuse(`${path.relative(root, ancestor)} is a file.`);
      if (readManifest(ancestor, path.relative(root, ancestor)) === undefined && entriesOf(ancestor).length > 0) {
        throw refuse(`it is inside ${path.relative(root, ancestor)}/, a source folder of the project. Choose dist/ or a folder of its own.`);
      }
    }
  }

  if (!fs.existsSync(dir)) {
    let parent = path.dirname(dir);
    while (!fs.existsSync(parent)) parent = path.dirname(parent);
    if (!fs.statSync(parent).isDirectory()) throw refuse(`${parent} is a file, not a folder.`);
    return { dir, display: out, generated: [], exists: false };
  }
  if (!fs.statSync(dir).isDirectory()) throw refuse('it is an existing file, not a folder.');
  const generated = readManifest(dir, out);
  if (generated === undefined) {
    const entries = entriesOf(dir);
    if (entries.length > 0) {
      const inProject = isWithin(realPath(dir), root);
      const cdk8sHint = entries.every((e) => GENERATED_FILE.test(e))
        ? ` If \`cdk8s synth\` wrote it (the cdk8s CLI empties its output and writes no ${MANIFEST_FILE}), restore the manifest with \`git checkout -- ${path.join(out, MANIFEST_FILE)}\` or empty the folder.`
        : '';
      throw refuse(`${inProject ? 'it is a source folder of the project' : 'it is not empty'} and has no ${MANIFEST_FILE}, so no synth made it `
        + `(it holds ${listOf(entries)}). Choose a new or empty folder.${cdk8sHint}`);
    }
  }
  return { dir, display: out, generated: generated ?? [], exists: true };
}

/** What {@link writeOutput} did. */
export interface WriteResult {
  /** Files written (replaced or new), sorted. */
  readonly written: string[];
  /** Files of earlier synths removed because no environment produces them any more. */
  readonly removed: string[];
  /** What was taken over on the way (a stale lock), for the user. */
  readonly notes: string[];
}

/**
 * Pauses the process at a named point when REFARCH_SYNTH_TEST_PAUSE_AT names it, so a
 * test can SIGKILL a run at a known moment. Prints `paused at <point>` on stderr first.
 */
function testPause(point: string): void {
  if (process.env.REFARCH_SYNTH_TEST_PAUSE_AT !== point) return;
  process.stderr.write(`paused at ${point}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
}

function manifestText(files: readonly string[]): string {
  return `${JSON.stringify({
    comment: 'Written by `npm run synth`: the files it generated in this folder. It replaces or removes only these.',
    files: [...files].sort(),
  }, null, 2)}\n`;
}

/**
 * Replaces the generated files in a checked folder, all or nothing (scripts/safe-write.js:
 * every target is checked before the first rename, never written through a symlink, mode
 * 0644). `complete` means every environment was synthesized: files listed by the manifest
 * that no environment produced any more are removed. Refuses (before writing anything) to
 * replace a file the manifest does not list.
 */
export function writeOutput(folder: OutputFolder, files: ReadonlyMap<string, string>, complete: boolean): WriteResult {
  const { dir, display } = folder;
  const names = [...files.keys()].sort();
  for (const name of names) {
    if (!GENERATED_FILE.test(name)) throw new OutputError(`refusing to write ${JSON.stringify(name)}: not a <environment>.k8s.yaml name.`);
    if (folder.exists && !folder.generated.includes(name) && fs.existsSync(path.join(dir, name))) {
      throw new OutputError(`refusing to replace ${path.join(display, name)}: it exists but no synth wrote it (${path.join(display, MANIFEST_FILE)} does not list it). Move it away or choose another --out.`);
    }
  }
  const removed = complete ? folder.generated.filter((f) => !files.has(f)) : [];
  const final = complete ? names : [...new Set([...folder.generated, ...names])].sort();
  // The manifest is widened in the same step as the files, so that at every moment it lists
  // each file a synth may have written: a run killed between the renames leaves no unlisted
  // file. It shrinks (files removed) only after they are gone.
  const widened = [...new Set([...folder.generated, ...names])].sort();
  const entry = (name: string, text: string) => ({ path: path.join(dir, name), data: text, display: path.join(display, name) });
  // Test points: after the manifest's rename (the first, unless it is unchanged), and after the first environment file's.
  let renamedFiles = 0;
  const pauseAt = (point: string, _count: number, target?: string) => {
    if (point !== 'renamed' || target === undefined) return;
    if (path.basename(target) === MANIFEST_FILE) testPause('after-manifest');
    else if (++renamedFiles === 1) testPause('after-first-rename');
  };
  const replace = (writes: ReturnType<typeof entry>[], remove: string[] = [], pause?: typeof pauseAt) => {
    try {
      // keepIdentical: a file whose bytes are already the synth's is not rewritten (a synth
      // of unchanged sources flushes and renames nothing, and mtimes keep their meaning).
      replaceFiles(writes, { tag: TEMP_TAG, keepIdentical: true, remove: remove.map((f) => ({ path: path.join(dir, f), display: path.join(display, f) })), pauseAt: pause });
    } catch (err) {
      if (err instanceof SafeWriteError) throw new OutputError(err.message);
      throw err;
    }
  };
  // Every target checked before anything is created, the folder included.
  for (const e of [entry(MANIFEST_FILE, ''), ...names.map((n) => entry(n, ''))]) checkSafe(e.path, e.display, !folder.exists);

  fs.mkdirSync(dir, { recursive: true });
  const lock = lockOrExplain(dir, display);
  try {
    // Stray temporary files of a killed run: ours by name, and no other run is writing.
    for (const e of fs.readdirSync(dir)) if (TEMP_FILE.test(e)) fs.rmSync(path.join(dir, e), { force: true });
    replace([entry(MANIFEST_FILE, manifestText(widened)), ...names.map((n) => entry(n, files.get(n)!))], removed, pauseAt);
    if (final.join('\n') !== widened.join('\n')) replace([entry(MANIFEST_FILE, manifestText(final))]);
  } finally {
    lock.release();
  }
  return { written: names, removed, notes: lock.note ? [lock.note] : [] };
}

function checkSafe(file: string, display: string, createFolders: boolean): void {
  try {
    checkWritable(file, { display, createFolders });
  } catch (err) {
    if (err instanceof SafeWriteError) throw new OutputError(err.message);
    throw err;
  }
}

function lockOrExplain(dir: string, display: string): HeldLock {
  try {
    return lockFolder(dir, display);
  } catch (err) {
    if (err instanceof LockError) throw new OutputError(err.message);
    throw err;
  }
}

/** The git work tree that contains `dir` (nearest ancestor with a `.git`), if any. */
export function gitWorkTreeOf(dir: string): string | undefined {
  let current = realPath(path.resolve(dir));
  for (;;) {
    if (fs.existsSync(path.join(current, '.git'))) return current;
    const parent = path.dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}
