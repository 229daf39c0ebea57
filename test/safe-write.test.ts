/**
 * scripts/safe-write.js, the one writer of generated files: checks before the first
 * rename, all or nothing (also when a rename fails half-way), never through a symlink,
 * mode 0644 whatever replaced, pseudo-filesystems refused by their type.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { PSEUDO_FILESYSTEMS, SafeWriteError, checkWritable, pseudoFilesystemOf, replaceFiles, tempFilePattern, writeFile } from '../scripts/safe-write';

let dir: string;
const listening: net.Server[] = [];
afterAll(() => listening.forEach((s) => s.close()));
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-safe-write-')); });
afterEach(() => {
  fs.chmodSync(dir, 0o755);
  fs.rmSync(dir, { recursive: true, force: true });
});

const p = (name: string) => path.join(dir, name);
/** Every entry of the folder: kind, mode and content; equal snapshots mean untouched. */
function snapshot(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).sort()) {
    const st = fs.lstatSync(p(name));
    out[name] = st.isSymbolicLink() ? `-> ${fs.readlinkSync(p(name))}` : !st.isFile() ? (st.isDirectory() ? 'dir' : 'special')
      : `${(st.mode & 0o777).toString(8)} ${fs.readFileSync(p(name), 'utf8')}`;
  }
  return out;
}
const refusal = (f: () => unknown): SafeWriteError => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(SafeWriteError);
    return err as SafeWriteError;
  }
  throw new Error('expected a SafeWriteError');
};

test('writes new files and replaces old ones, 0644 whatever the umask or the old mode', () => {
  fs.writeFileSync(p('a'), 'old a', { mode: 0o600 });
  const umask = process.umask(0o077);
  try {
    replaceFiles([{ path: p('a'), data: 'new a' }, { path: p('b'), data: Buffer.from('new b') }]);
  } finally {
    process.umask(umask);
  }
  expect(snapshot()).toEqual({ a: '644 new a', b: '644 new b' });
});

test('a symlink is replaced, never written through: its target keeps its bytes and mode', () => {
  fs.writeFileSync(p('target'), 'precious', { mode: 0o600 });
  fs.symlinkSync(p('target'), p('out.svg'));
  fs.symlinkSync(p('nowhere'), p('dangling.svg'));
  replaceFiles([{ path: p('out.svg'), data: 'generated' }, { path: p('dangling.svg'), data: 'generated too' }]);
  expect(snapshot()).toEqual({ 'dangling.svg': '644 generated too', 'out.svg': '644 generated', target: '600 precious' });
});

describe('every target is checked before anything is written: the bad entry is named, nothing changes', () => {
  beforeEach(() => {
    fs.writeFileSync(p('a.yaml'), 'old a');
    fs.writeFileSync(p('b.yaml'), 'old b');
  });
  test.each([
    ['a folder', () => fs.mkdirSync(p('b.yaml-new')), 'b.yaml-new', 'it is a folder, not a file'],
    // A socket rather than a FIFO (mkfifo would start a process): the same check of the file type.
    ['a socket', () => listening.push(net.createServer().listen(p('b.yaml-new'))), 'b.yaml-new', 'it is a socket, not a file'],
    ['a missing folder', () => undefined, 'no-such-folder/c.yaml', 'no-such-folder does not exist'],
    ['a file as folder', () => fs.writeFileSync(p('file'), 'x'), 'file/c.yaml', 'is a file, not a folder'],
    ['a name too long', () => undefined, `${'x'.repeat(256)}.yaml`, 'the name is too long for the filesystem (at most 255 bytes per name'],
  ])('%s', (_what, setUp, entry, message) => {
    setUp();
    const before = snapshot();
    const err = refusal(() => replaceFiles([{ path: p('a.yaml'), data: 'new a' }, { path: p(entry), data: 'new', display: `shown/${entry}` }]));
    expect(err.message).toContain(`refusing to write shown/${entry}: `);
    expect(err.message).toContain(message);
    expect(err.entry).toBe(`shown/${entry}`);
    expect(snapshot()).toEqual(before);
  });

  test('a read-only folder', () => {
    if (process.getuid?.() === 0) {
      // root writes anywhere; the access check still runs (it is what names the folder).
      expect(() => checkWritable(p('c.yaml'))).not.toThrow();
      return;
    }
    fs.chmodSync(dir, 0o555);
    expect(refusal(() => writeFile(p('c.yaml'), 'x')).message).toContain(`the folder ${dir} is not writable`);
  });

  test('a file to remove that is a folder; the same file twice', () => {
    fs.mkdirSync(p('gone.svg'));
    const before = snapshot();
    expect(refusal(() => replaceFiles([{ path: p('a.yaml'), data: 'new' }], { remove: [p('gone.svg')] })).message)
      .toBe(`refusing to remove ${p('gone.svg')}: it is a folder, not a file. Move it away.`);
    expect(refusal(() => replaceFiles([{ path: p('a.yaml'), data: '1' }, { path: path.join(dir, '.', 'a.yaml'), data: '2', display: 'again' }])).message)
      .toBe(`refusing to write again: it is given twice (also as ${p('a.yaml')}).`);
    expect(snapshot()).toEqual(before);
  });
});

test('a rename that fails half-way puts back what it replaced: all or nothing', () => {
  fs.writeFileSync(p('1'), 'old 1');
  fs.symlinkSync(p('elsewhere'), p('2'));
  fs.writeFileSync(p('elsewhere'), 'not ours');
  fs.writeFileSync(p('old-orphan'), 'orphan');
  const before = snapshot();
  // Checks passed; between them and the renames, the third target becomes a folder.
  const err = refusal(() => replaceFiles(
    [{ path: p('1'), data: 'new 1' }, { path: p('2'), data: 'new 2' }, { path: p('3'), data: 'new 3' }],
    { remove: [p('old-orphan')], pauseAt: (point) => { if (point === 'written') fs.mkdirSync(p('3')); } },
  ));
  expect(err.message).toMatch(new RegExp(`^could not replace ${p('3')}: .*; the 2 file\\(s\\) replaced before it were restored: nothing changed\\.$`));
  expect(snapshot()).toEqual({ ...before, 3: 'dir' });
});

test('files to remove go in the same step; a missing one is fine; a symlink is removed, not its target', () => {
  fs.writeFileSync(p('target'), 'keep');
  fs.symlinkSync(p('target'), p('orphan.svg'));
  const result = replaceFiles([{ path: p('a.svg'), data: 'a' }], { remove: [p('orphan.svg'), p('missing.svg')] });
  expect(result).toEqual({ written: [p('a.svg')], unchanged: [], removed: [p('orphan.svg')] });
  expect(snapshot()).toEqual({ 'a.svg': '644 a', target: '644 keep' });
});

test('keepIdentical leaves a regular file with the same bytes and mode alone, and rewrites anything else', () => {
  fs.writeFileSync(p('same'), 'x');
  fs.chmodSync(p('same'), 0o644);
  fs.writeFileSync(p('other-mode'), 'x');
  fs.chmodSync(p('other-mode'), 0o600);
  fs.writeFileSync(p('target'), 'x');
  fs.symlinkSync(p('target'), p('link'));
  fs.writeFileSync(p('changed'), 'y');
  const inode = fs.statSync(p('same')).ino;
  const past = new Date('2026-01-01T00:00:00Z');
  fs.utimesSync(p('same'), past, past);
  const result = replaceFiles(['same', 'other-mode', 'link', 'changed'].map((f) => ({ path: p(f), data: 'x' })), { keepIdentical: true });
  expect(result).toEqual({ written: [p('other-mode'), p('link'), p('changed')], unchanged: [p('same')], removed: [] });
  expect([fs.statSync(p('same')).ino, fs.statSync(p('same')).mtimeMs]).toEqual([inode, past.getTime()]);
  expect(snapshot()).toEqual({ same: '644 x', 'other-mode': '644 x', link: '644 x', changed: '644 x', target: '644 x' });
  expect(fs.lstatSync(p('link')).isSymbolicLink()).toBe(false); // replaced, never kept: a link is not a file of ours
  // Nothing to do at all: no temporary file, no rename.
  expect(replaceFiles([{ path: p('same'), data: 'x' }], { keepIdentical: true, pauseAt: () => { throw new Error('wrote something'); } }))
    .toEqual({ written: [], unchanged: [p('same')], removed: [] });
});

test('createFolders makes missing folders, after the checks', () => {
  writeFile(p('x/y/z.yaml'), 'z', { createFolders: true });
  expect(fs.readFileSync(p('x/y/z.yaml'), 'utf8')).toBe('z');
});

test('temporary files are named for their tag, and none is left behind', () => {
  expect(tempFilePattern('refarch-synth').test('.dev.k8s.yaml.refarch-synth-0123456789ab.tmp')).toBe(true);
  expect(tempFilePattern('refarch-synth').test('.dev.k8s.yaml.refarch-0123456789ab.tmp')).toBe(false);
  replaceFiles([{ path: p('a'), data: '1' }], { tag: 'refarch-synth', pauseAt: (point) => {
    if (point === 'written') expect(fs.readdirSync(dir).filter((f) => tempFilePattern('refarch-synth').test(f))).toHaveLength(1);
  } });
  expect(fs.readdirSync(dir)).toEqual(['a']);
});

describe('pseudo-filesystems', () => {
  test.each(['/proc/self/x', '/proc/1/environ', '/sys/kernel/x', '/dev/null', '/dev/shm/x', '/dev/pts/x'])('%s is refused', (target) => {
    const err = refusal(() => writeFile(target, 'x'));
    expect(err.message).toMatch(new RegExp(`^refusing to write ${target}: it is on \\S+ \\(.*\\), a pseudo-filesystem of kernel interfaces, not a place for files\\.$`));
  });

  test('also through a symlink to one, by the real path', () => {
    fs.symlinkSync('/proc/self', p('link'));
    expect(pseudoFilesystemOf(p('link/x'))).toBe('proc (/proc)');
  });

  // By type, not only by path: statfs(2) of the mounted /proc and /sys report the magic
  // numbers the module lists (a pseudo-filesystem mounted elsewhere is found by this).
  test.each([['/proc', 'proc'], ['/sys', 'sysfs'], ['/sys/fs/cgroup', 'cgroup2']])('statfs of %s is %s', (mount, name) => {
    if (name === 'cgroup2' && Number(fs.statfsSync(mount).type) !== 0x63677270) return; // a cgroup v1 host mounts tmpfs there
    expect(PSEUDO_FILESYSTEMS.get(Number(fs.statfsSync(mount).type))).toBe(name);
  });

  test('a real filesystem is not one', () => {
    expect(pseudoFilesystemOf(p('x'))).toBeUndefined();
    expect(pseudoFilesystemOf('/procfoo/x')).toBeUndefined();
  });
});
