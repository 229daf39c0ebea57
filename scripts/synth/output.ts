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
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/**
 * Name of the manifest a synth keeps in its output folder: JSON, but not named `.json`,
 * so that tools reading every .yaml/.json file of dist/ (npm run check:schema,
 * kubeconform, Checkov) do not take it for a Kubernetes manifest.
 */
export const MANIFEST_FILE = '.refarch-synth.manifest';
/** Temporary files of a run: `.<target>.refarch-synth-<12 hex>.tmp`. */
export const TEMP_FILE = /^\..+\.refarch-synth-[0-9a-f]{12}\.tmp$/;
/** Held while a run writes into the folder; holds the writer's pid. */
export const LOCK_FILE = '.refarch-synth.lock';
/** What a manifest may list: plain file names, never a path. */
const GENERATED_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.k8s\.yaml$/;

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
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let files: unknown;
  try {
    files = (JSON.parse(text) as { files?: unknown }).files;
  } catch (err) {
    throw new OutputError(`${path.join(display, MANIFEST_FILE)} is not valid JSON (${(err as Error).message}); refusing to trust it. Restore it (git checkout) or delete the folder.`);
  }
  if (!Array.isArray(files) || !files.every((f) => typeof f === 'string' && GENERATED_FILE.test(f))) {
    throw new OutputError(`${path.join(display, MANIFEST_FILE)} must hold {"files": [<name>.k8s.yaml, ...]}; refusing to trust it. Restore it (git checkout) or delete the folder.`);
  }
  return [...new Set(files as string[])].sort();
}

/** Entries of `dir` other than a killed run's temporary files and lock. */
function entriesOf(dir: string): string[] {
  return fs.readdirSync(dir).filter((e) => !TEMP_FILE.test(e) && e !== LOCK_FILE).sort();
}

/**
 * Takes the folder's lock, so that two runs never write (or clean up temporary files)
 * in the same folder at once. A lock left by a killed run (its pid is gone) is taken over.
 * Returns the function that releases it.
 */
function lockFolder(dir: string, display: string): () => void {
  const lock = path.join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: 'wx', mode: 0o644 });
      return () => fs.rmSync(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
    }
    const pid = Number.parseInt(fs.readFileSync(lock, 'utf8'), 10);
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
      throw new OutputError(`another synth (pid ${pid}) is writing into ${display} (${path.join(display, LOCK_FILE)}); wait for it to finish.`);
    }
    fs.rmSync(lock, { force: true }); // its writer is gone: a killed run
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, but someone else's
  }
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

/** Writes `text` to a new temporary file beside `target` with `mode`, flushed to disk. */
function writeTemp(dir: string, target: string, text: string, mode: number): string {
  const temp = path.join(dir, `.${target}.refarch-synth-${crypto.randomBytes(6).toString('hex')}.tmp`);
  const fd = fs.openSync(temp, 'wx', mode);
  try {
    fs.writeSync(fd, text);
    fs.fchmodSync(fd, mode); // the umask applies to openSync's mode; the file gets exactly `mode`
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return temp;
}

function manifestText(files: readonly string[]): string {
  return `${JSON.stringify({
    comment: 'Written by `npm run synth`: the files it generated in this folder. It replaces or removes only these.',
    files: [...files].sort(),
  }, null, 2)}\n`;
}

/**
 * Replaces the generated files in a checked folder. `complete` means every environment
 * was synthesized: files listed by the manifest that no environment produced any more
 * are removed. Refuses (before writing anything) to replace a file the manifest does not
 * list.
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

  fs.mkdirSync(dir, { recursive: true });
  const unlock = lockFolder(dir, display);
  // Stray temporary files of a killed run: ours by name, and no other run is writing.
  for (const entry of fs.readdirSync(dir)) if (TEMP_FILE.test(entry)) fs.rmSync(path.join(dir, entry), { force: true });

  const temps = new Map<string, string>();
  try {
    for (const name of names) {
      let mode = 0o644;
      try {
        mode = fs.statSync(path.join(dir, name)).mode & 0o777; // a replaced file keeps its mode
      } catch { /* a new file */ }
      temps.set(name, writeTemp(dir, name, files.get(name)!, mode));
    }
    // The manifest is widened first, so that at every moment it lists each file a synth
    // may have written: a run killed between the renames below leaves no unlisted file.
    const widened = [...new Set([...folder.generated, ...names])].sort();
    const manifestMode = 0o644;
    fs.renameSync(writeTemp(dir, MANIFEST_FILE, manifestText(widened), manifestMode), path.join(dir, MANIFEST_FILE));
    testPause('after-manifest');
    for (const [i, name] of names.entries()) {
      fs.renameSync(temps.get(name)!, path.join(dir, name));
      temps.delete(name);
      if (i === 0) testPause('after-first-rename');
    }
    for (const name of removed) fs.rmSync(path.join(dir, name), { force: true });
    if (final.join('\n') !== widened.join('\n')) {
      fs.renameSync(writeTemp(dir, MANIFEST_FILE, manifestText(final), manifestMode), path.join(dir, MANIFEST_FILE));
    }
    syncFolder(dir);
  } finally {
    for (const temp of temps.values()) fs.rmSync(temp, { force: true });
    unlock();
  }
  return { written: names, removed };
}

/** Flushes the folder's entries (the renames) to disk; not every platform can. */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch { /* e.g. Windows cannot open a folder */ } finally {
    if (fd !== undefined) fs.closeSync(fd);
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
