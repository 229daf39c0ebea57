/**
 * The lock that keeps two synths from writing (or cleaning up temporary files) in one
 * output folder at once: `<folder>/.refarch-synth.lock`, a regular file created atomically
 * (written aside, then hard-linked into place, so it is never seen half written) that names
 * its writer: pid, the process's start time and the host.
 *
 * A lock is taken over only when its writer provably is not running: its pid is gone, or
 * the pid now belongs to a process that started after the lock was written (a reused pid),
 * or the lock is not one a synth writes (a symlink, dangling or not: removing a symlink
 * never touches its target). A lock of a running synth, of another host, or a folder or
 * device in its place is refused with a message that says what to do.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The lock's name in the output folder. */
export const LOCK_FILE = '.refarch-synth.lock';

/** What a lock file holds (one JSON line). */
interface LockOwner {
  readonly pid: number;
  /** Start time of the process (Linux: clock ticks since boot, /proc/<pid>/stat field 22). */
  readonly started?: string;
  readonly host?: string;
}

/** A lock that is held by someone else (or is not a lock): the message says what to do. */
export class LockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockError';
  }
}

/** The held lock: release it when done; `note` says what was taken over, if anything. */
export interface HeldLock {
  readonly release: () => void;
  readonly note?: string;
}

/** The start time of a process, or undefined where /proc cannot say. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) is in parentheses and may hold spaces or ')': count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
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

function parseOwner(text: string): LockOwner | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed) }; // written by an older synth: the pid only
  try {
    const o = JSON.parse(trimmed) as Partial<LockOwner>;
    if (Number.isSafeInteger(o.pid) && (o.pid as number) > 0) return { pid: o.pid as number, started: typeof o.started === 'string' ? o.started : undefined, host: typeof o.host === 'string' ? o.host : undefined };
  } catch { /* not ours */ }
  return undefined;
}

/**
 * Why the existing lock at `lock` may be taken over, or a LockError when it may not.
 * `shown` is how messages name it.
 */
function staleReason(lock: string, shown: string, folder: string): string {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(lock);
  } catch {
    return 'it was removed meanwhile';
  }
  if (st.isSymbolicLink()) {
    let target = '?';
    try { target = fs.readlinkSync(lock); } catch { /* gone meanwhile */ }
    return `it was a symlink (to ${target}${fs.existsSync(lock) ? '' : ', which does not exist'}), not a lock a synth writes`;
  }
  if (!st.isFile()) {
    throw new LockError(`${shown} is ${st.isDirectory() ? 'a folder' : 'not a regular file'}, not a lock a synth writes; `
      + `remove it (${st.isDirectory() ? 'rmdir' : 'rm'} ${shown}) and run again.`);
  }
  const text = st.size > 4096 ? '' : fs.readFileSync(lock, 'utf8');
  const owner = parseOwner(text);
  if (owner === undefined) return `it named no writer (${st.size} bytes that are not a synth's lock)`;
  const here = os.hostname();
  if (owner.host !== undefined && owner.host !== here) {
    throw new LockError(`${shown} is held by a synth on host ${owner.host} (pid ${owner.pid}), which this host (${here}) cannot check; `
      + `wait for it to finish, or remove the lock if no synth runs there.`);
  }
  if (!isAlive(owner.pid)) return `its synth (pid ${owner.pid}) is gone: a killed run`;
  const started = processStartTime(owner.pid);
  if (owner.started !== undefined && started !== undefined && started !== owner.started) {
    return `pid ${owner.pid} is now another process (started after the lock was written): the synth that wrote it is gone`;
  }
  if (owner.started === undefined && started !== undefined && !isNodeProcess(owner.pid)) {
    return `pid ${owner.pid} is not a synth (not a node process): the synth that wrote it is gone and its pid was reused`;
  }
  throw new LockError(`another synth (pid ${owner.pid}) is writing into ${folder} (${shown}); wait for it to finish.`);
}

function isNodeProcess(pid: number): boolean {
  try {
    const argv0 = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    return /(^|\/)node(js)?(\d+)?$/.test(argv0) || argv0 === process.execPath;
  } catch {
    return true; // cannot tell: assume it may be one
  }
}

/**
 * Takes the lock of `dir` (an existing folder); `display` names the folder in messages.
 * Throws LockError when another synth holds it, or when something that is not a lock is in
 * its place.
 */
export function lockFolder(dir: string, display: string): HeldLock {
  const lock = path.join(dir, LOCK_FILE);
  const shown = path.join(display, LOCK_FILE);
  const owner: LockOwner = { pid: process.pid, started: processStartTime(process.pid), host: os.hostname() };
  let note: string | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    // Named like a run's temporary files, so a killed run's leftover is cleaned up with them.
    const temp = path.join(dir, `.${LOCK_FILE}.refarch-synth-${crypto.randomBytes(6).toString('hex')}.tmp`);
    fs.writeFileSync(temp, `${JSON.stringify(owner)}\n`, { flag: 'wx', mode: 0o644 });
    try {
      try {
        fs.linkSync(temp, lock); // atomic, and fails if anything (even a dangling symlink) is there
      } catch (err) {
        // A filesystem without hard links: an exclusive create (O_EXCL also refuses a symlink).
        if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
        fs.writeFileSync(lock, `${JSON.stringify(owner)}\n`, { flag: 'wx', mode: 0o644 });
      }
      return { release: () => fs.rmSync(lock, { force: true }), note };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(temp, { force: true });
    }
    const why = staleReason(lock, shown, display);
    fs.rmSync(lock, { force: true }); // unlinks a symlink itself, never its target
    note = `took over ${shown}: ${why}.`;
  }
  throw new LockError(`${shown} keeps reappearing: another synth is starting in ${display}; wait for it to finish.`);
}
