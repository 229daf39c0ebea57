// @ts-check
'use strict';
/**
 * The one way this project writes a generated file (synth output, its bundle cache,
 * diagrams, the settings schema, README tables, bench renders, imports): every writer
 * calls {@link replaceFiles} or {@link writeFile}. Plain CommonJS with Node built-ins only,
 * so that plain-node entry points (scripts/synth-fast.js, the policy plugin's
 * rules-table.js) can load it before any TypeScript tooling, and any entry point can.
 *
 * What it guarantees, for a set of files:
 * - Checked first, written after: every target (and every file to remove) is checked
 *   before the first byte is written. A target that is a folder, a FIFO, a socket or a
 *   device, a folder that is missing or not writable, or a pseudo-filesystem (/proc,
 *   /sys, /dev, devpts, cgroup, ...: detected by the filesystem's type via statfs(2),
 *   not only by path) is refused with a message that names the entry.
 * - All or nothing: each file is written to a temporary file beside its target, flushed,
 *   and renamed over it (atomic on POSIX). The old files are kept (hard links) until every
 *   rename has succeeded; if one fails, the ones already replaced are put back.
 * - Never through a symlink: rename replaces a symlink itself; the file it pointed to
 *   is untouched.
 * - Mode 0644 (or options.mode) for every file written, whatever the file it replaced or
 *   a symlink's target had, and whatever the umask.
 * - With options.keepIdentical, a target that already is a regular file (not a symlink)
 *   with exactly the new bytes and that mode is left alone: nothing to flush or rename,
 *   and its mtime keeps saying when its content last changed.
 *
 * A run killed between renames leaves every file complete (its old or its new bytes) and
 * temporary files named `.<name>.<tag>-<12 hex>.tmp` ({@link tempFilePattern}), which the
 * owner of the folder may remove on its next run.
 */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

/** A file that cannot be written safely; `path` is the entry as the caller named it. */
class SafeWriteError extends Error {
  /** @param {string} message @param {string} [entry] */
  constructor(message, entry) {
    super(message);
    this.name = 'SafeWriteError';
    /** The entry the message is about, as the caller named it. */
    this.entry = entry;
  }
}

/**
 * statfs(2) f_type of the Linux filesystems whose files are kernel interfaces, not data:
 * a write there changes kernel state, blocks or spins (`/proc/self/mem`...). From
 * include/uapi/linux/magic.h. devtmpfs reports tmpfs' magic (like /tmp), so /dev is also
 * refused by its path below.
 * @type {ReadonlyMap<number, string>}
 */
const PSEUDO_FILESYSTEMS = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x6165676c, 'pstore'],
  [0xcafe4a11, 'bpf'],
  [0x62656570, 'configfs'],
  [0xde5e81e4, 'efivarfs'],
  [0x19800202, 'mqueue'],
  [0xf97cff8c, 'selinuxfs'],
  [0x43415d53, 'smackfs'],
  [0x42494e4d, 'binfmt_misc'],
  [0x65735543, 'fusectl'],
  [0x6e736673, 'nsfs'],
  [0x958458f6, 'hugetlbfs'],
  [0x7655821, 'resctrl'],
]);
/** Where those are mounted on every Linux system; also refused where statfs is missing. */
const PSEUDO_PREFIXES = ['/proc', '/sys', '/dev'];

/**
 * The pseudo-filesystem `p` is on (by its nearest existing folder), or undefined.
 * @param {string} p
 * @returns {string | undefined}
 */
function pseudoFilesystemOf(p) {
  const existing = nearestExisting(path.resolve(p));
  let real = existing;
  try {
    real = fs.realpathSync(existing);
  } catch { /* a dangling symlink: its own path is all there is */ }
  for (const candidate of new Set([path.resolve(p), real])) {
    const prefix = PSEUDO_PREFIXES.find((x) => candidate === x || candidate.startsWith(`${x}/`));
    if (prefix !== undefined) return `${prefix.slice(1)} (${prefix})`;
  }
  if (typeof fs.statfsSync !== 'function') return undefined;
  try {
    const type = Number(fs.statfsSync(real).type);
    const name = PSEUDO_FILESYSTEMS.get(type);
    return name === undefined ? undefined : `${name} (filesystem type 0x${type.toString(16)})`;
  } catch {
    return undefined; // cannot tell: the other checks still apply
  }
}

/** @param {string} p absolute @returns {string} the nearest existing ancestor (or p) */
function nearestExisting(p) {
  let current = p;
  for (;;) {
    try {
      fs.lstatSync(current);
      return current;
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}

/** @param {fs.Stats} st @returns {string} */
function kindOf(st) {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSymbolicLink()) return 'a symlink';
  return 'a file';
}

/**
 * @typedef {object} FileWrite
 * @property {string} path Where the file goes.
 * @property {string | Uint8Array} data Its new content (strings are written as UTF-8).
 * @property {string} [display] How messages name it. Default: `path`.
 */

/**
 * @typedef {object} ReplaceOptions
 * @property {number} [mode] Mode of every file written. Default: 0o644.
 * @property {string} [tag] Marker in temporary file names. Default: 'refarch'.
 * @property {boolean} [createFolders] Create missing parent folders (after every check). Default: false.
 * @property {boolean} [keepIdentical] Leave a target that already is a regular file with these bytes and mode as it is. Default: false.
 * @property {ReadonlyArray<string | { path: string, display?: string }>} [remove] Files removed in the same
 *   all-or-nothing step (a symlink is removed, not its target; a missing file is fine). Default: none.
 * @property {(point: 'written' | 'renamed', count: number, target?: string) => void} [pauseAt] Called when every
 *   temporary file is written (count 0) and after each rename (count: renamed so far; target: the file
 *   just renamed, absolute). Tests use it
 *   to change the filesystem between the checks and the renames, or to stop a run. Default: none.
 */

/**
 * @typedef {object} ReplaceResult
 * @property {string[]} written Absolute paths written, in the order given.
 * @property {string[]} unchanged Absolute paths left as they were (keepIdentical), in the order given.
 * @property {string[]} removed Absolute paths removed (those that existed).
 */

/**
 * Temporary files of a tag: `.<name>.<tag>-<12 hex>.tmp`.
 * @param {string} [tag]
 * @returns {RegExp}
 */
function tempFilePattern(tag = 'refarch') {
  return new RegExp(`^\\..+\\.${tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-[0-9a-f]{12}\\.tmp$`);
}

/** @param {string} target @param {string} tag */
function tempBeside(target, tag) {
  return path.join(path.dirname(target), `.${path.basename(target)}.${tag}-${crypto.randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Checks one target (or, with `removal`, a file to remove) without touching anything.
 * Returns whether it exists (as a file or symlink). Throws SafeWriteError naming it.
 * @param {string} target absolute
 * @param {string} display
 * @param {{ createFolders: boolean, removal?: boolean }} options
 * @returns {boolean}
 */
function checkTarget(target, display, options) {
  const refuse = (/** @type {string} */ why) => new SafeWriteError(`refusing to ${options.removal ? 'remove' : 'write'} ${display}: ${why}`, display);
  const name = path.basename(target);
  if (name === '' || name === '.' || name === '..' || target === path.parse(target).root) throw refuse('it names a folder, not a file.');
  const pseudo = pseudoFilesystemOf(target);
  if (pseudo !== undefined) throw refuse(`it is on ${pseudo}, a pseudo-filesystem of kernel interfaces, not a place for files.`);
  /** @type {fs.Stats | undefined} */
  let st;
  try {
    st = fs.lstatSync(target);
  } catch (err) {
    const code = /** @type {NodeJS.ErrnoException} */ (err).code;
    if (code === 'ENAMETOOLONG') throw refuse('the name is too long for the filesystem (at most 255 bytes per name).');
    if (code === 'ENOTDIR') throw refuse(`a part of ${path.dirname(display)} is a file, not a folder.`);
    if (code !== 'ENOENT') throw refuse(`${/** @type {Error} */ (err).message}.`);
  }
  if (st !== undefined && !st.isFile() && !st.isSymbolicLink()) {
    throw refuse(`it is ${kindOf(st)}, not a file${st.isDirectory() ? '' : ' (writing to it could block or change something else)'}. Move it away.`);
  }
  const folder = path.dirname(target);
  const existing = nearestExisting(folder);
  let folderStat;
  try {
    folderStat = fs.statSync(existing);
  } catch (err) {
    throw refuse(`its folder ${existing} cannot be read (${/** @type {Error} */ (err).message}).`);
  }
  if (!folderStat.isDirectory()) throw refuse(`${existing} is ${kindOf(folderStat)}, not a folder.`);
  if (existing !== folder && !options.createFolders) throw refuse(`its folder ${folder} does not exist.`);
  try {
    fs.accessSync(existing, fs.constants.W_OK | fs.constants.X_OK);
  } catch {
    throw refuse(`the folder ${existing} is not writable.`);
  }
  if (Buffer.byteLength(`.${name}.x-000000000000.tmp`) > 255) throw refuse('the name is too long for the filesystem (at most 255 bytes per name, with room for a temporary name).');
  return st !== undefined;
}

/**
 * Keeps the current `target` under a temporary name (a hard link, so the file itself is
 * not touched), for putting it back if a later rename fails.
 * @param {string} target @param {string} tag @returns {string}
 */
function keepOld(target, tag) {
  const kept = tempBeside(target, tag);
  try {
    fs.linkSync(target, kept); // link(2) does not follow a symlink: the link itself is kept
  } catch {
    // A filesystem without hard links: a copy of the file, or of the symlink.
    const st = fs.lstatSync(target);
    if (st.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(target), kept);
    else fs.copyFileSync(target, kept, fs.constants.COPYFILE_EXCL);
  }
  return kept;
}

/** @param {string} file @param {string | Uint8Array} data @param {number} mode */
function writeTemp(file, data, mode) {
  const fd = fs.openSync(file, 'wx', 0o600);
  try {
    fs.writeFileSync(fd, data);
    fs.fchmodSync(fd, mode); // openSync's mode is reduced by the umask; the file gets exactly `mode`
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Flushes a folder's entries (the renames) to disk; not every platform can. @param {string} dir */
function syncFolder(dir) {
  let fd;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch { /* e.g. Windows cannot open a folder */ } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** @param {string} file */
function removeQuietly(file) {
  try {
    fs.rmSync(file, { force: true });
  } catch { /* best effort: a temporary file left behind is named as ours */ }
}

/**
 * Replaces a set of files all or nothing (see the file comment). Returns what it did;
 * throws SafeWriteError (nothing changed) when a check fails or a write or rename fails.
 * @param {ReadonlyArray<FileWrite>} writes
 * @param {ReplaceOptions} [options]
 * @returns {ReplaceResult}
 */
function replaceFiles(writes, options = {}) {
  const mode = options.mode ?? 0o644;
  const tag = options.tag ?? 'refarch';
  if (!/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(tag)) throw new TypeError(`replaceFiles: tag ${JSON.stringify(tag)} must be letters, digits and '-'`);
  const createFolders = options.createFolders ?? false;
  const removals = (options.remove ?? []).map((r) => (typeof r === 'string' ? { path: r, display: r } : { path: r.path, display: r.display ?? r.path }));

  // 1. Every check, before anything is written.
  /** @type {Map<string, string>} */
  const seen = new Map();
  const targets = writes.map((w) => {
    const display = w.display ?? w.path;
    const target = path.resolve(w.path);
    if (seen.has(target)) throw new SafeWriteError(`refusing to write ${display}: it is given twice (also as ${seen.get(target)}).`, display);
    seen.set(target, display);
    return { target, display, data: w.data, existed: checkTarget(target, display, { createFolders }) };
  });
  const toRemove = removals.map((r) => {
    const target = path.resolve(r.path);
    if (seen.has(target)) throw new SafeWriteError(`refusing to remove ${r.display}: it is also written (as ${seen.get(target)}).`, r.display);
    seen.set(target, r.display);
    return { target, display: r.display, existed: checkTarget(target, r.display, { createFolders: true, removal: true }) };
  }).filter((r) => r.existed);
  /** @type {string[]} */
  const unchanged = [];
  if (options.keepIdentical) {
    for (const t of [...targets]) {
      if (!t.existed || !holds(t.target, t.data, mode)) continue;
      unchanged.push(t.target);
      targets.splice(targets.indexOf(t), 1);
    }
    if (targets.length === 0 && toRemove.length === 0) return { written: [], unchanged, removed: [] };
  }

  // 2. New content beside each target. A failure here (disk full...) changes nothing.
  /** @type {Map<string, string>} */
  const temps = new Map();
  /** @type {Map<string, string>} */
  const kept = new Map();
  const cleanUp = () => {
    for (const t of temps.values()) removeQuietly(t);
    for (const k of kept.values()) removeQuietly(k);
  };
  try {
    for (const t of targets) {
      if (createFolders) fs.mkdirSync(path.dirname(t.target), { recursive: true });
      const temp = tempBeside(t.target, tag);
      temps.set(t.target, temp);
      writeTemp(temp, t.data, mode);
    }
    for (const t of [...targets, ...toRemove]) if (t.existed) kept.set(t.target, keepOld(t.target, tag));
  } catch (err) {
    cleanUp();
    const which = [...temps.keys()].pop();
    throw new SafeWriteError(`could not write ${which === undefined ? 'the files' : seen.get(which)}: ${/** @type {Error} */ (err).message}. Nothing was replaced.`, which && seen.get(which));
  }
  options.pauseAt?.('written', 0);

  // 3. The renames; if one fails, the files already replaced get their old version back.
  /** @type {Array<{ target: string, existed: boolean }>} */
  const done = [];
  try {
    for (const t of targets) {
      fs.renameSync(/** @type {string} */ (temps.get(t.target)), t.target);
      temps.delete(t.target);
      done.push(t);
      options.pauseAt?.('renamed', done.length, t.target);
    }
    for (const r of toRemove) {
      fs.rmSync(r.target, { force: true });
      done.push(r);
    }
  } catch (err) {
    const failed = [...targets, ...toRemove][done.length];
    /** @type {string[]} */
    const notRestored = [];
    for (const d of done.reverse()) {
      try {
        const old = kept.get(d.target);
        if (old !== undefined) {
          fs.renameSync(old, d.target);
          kept.delete(d.target);
        } else {
          fs.rmSync(d.target, { force: true });
        }
      } catch {
        notRestored.push(/** @type {string} */ (seen.get(d.target)));
      }
    }
    cleanUp();
    const restored = notRestored.length === 0
      ? `${done.length === 0 ? 'Nothing was replaced' : `the ${done.length} file(s) replaced before it were restored: nothing changed`}.`
      : `could not restore ${notRestored.join(', ')} (each is complete: its old or new version).`;
    throw new SafeWriteError(`could not ${toRemove.includes(/** @type {any} */ (failed)) ? 'remove' : 'replace'} ${failed.display}: ${/** @type {Error} */ (err).message}; ${restored}`, failed.display);
  }
  cleanUp(); // the old versions, now replaced
  for (const dir of new Set([...targets, ...toRemove].map((t) => path.dirname(t.target)))) syncFolder(dir);
  return { written: targets.map((t) => t.target), unchanged, removed: toRemove.map((r) => r.target) };
}

/**
 * Whether `file` is a regular file (not a symlink) with exactly `data` and `mode`.
 * @param {string} file @param {string | Uint8Array} data @param {number} mode
 */
function holds(file, data, mode) {
  const st = fs.lstatSync(file);
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return st.isFile() && (st.mode & 0o7777) === mode && st.size === bytes.length && fs.readFileSync(file).equals(bytes);
}

/**
 * Replaces one file; see {@link replaceFiles}.
 * @param {string} file
 * @param {string | Uint8Array} data
 * @param {Omit<ReplaceOptions, 'remove'> & { display?: string }} [options]
 */
function writeFile(file, data, options = {}) {
  const { display, ...rest } = options;
  replaceFiles([{ path: file, data, display }], rest);
}

/**
 * Checks, touching nothing, that `file` could be written by {@link writeFile}; throws
 * SafeWriteError naming it otherwise.
 * @param {string} file
 * @param {{ display?: string, createFolders?: boolean }} [options]
 */
function checkWritable(file, options = {}) {
  checkTarget(path.resolve(file), options.display ?? file, { createFolders: options.createFolders ?? false });
}

module.exports = { SafeWriteError, replaceFiles, writeFile, checkWritable, pseudoFilesystemOf, tempFilePattern, PSEUDO_FILESYSTEMS };
