/**
 * The synth command (`npm run synth`, scripts/synth.sh) starts from a V8 startup snapshot
 * of the bundle (scripts/synth-snapshot.js). It must print and write what the launcher
 * (scripts/synth-fast.js) does, never run code older than the sources, fall back to the
 * launcher when Node.js refuses the snapshot, and hold nothing of the caller's environment.
 * In a copy of the project, so that editing its sources leaves the project alone.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makeSnapshot } from './support';

const root = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-synth-snapshot-'));
const proj = path.join(tmp, 'proj');
const cache = path.join(proj, '.cache', 'synth');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const env: NodeJS.ProcessEnv = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };
for (const name of ['DB_PASSWORD', 'INIT_CWD', 'REFARCH_SYNTH_FAST_DEBUG', 'REFARCH_SYNTH_SNAPSHOT']) delete env[name];

beforeAll(() => {
  for (const p of ['main.ts', 'package.json', 'lib', 'config', 'imports', 'scripts', 'plugins/refarch-policy/index.js', 'plugins/refarch-policy/package.json', 'plugins/refarch-policy/src']) {
    fs.cpSync(path.join(root, p), path.join(proj, p), { recursive: true });
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(proj, 'node_modules'));
});

type Run = { status: number | null; stdout: string; stderr: string; trace: string[] };
/** The synth command, with the launcher's debug trace apart from what a user sees. */
function command(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync('sh', ['scripts/synth.sh', ...args], { cwd: proj, env: { ...env, REFARCH_SYNTH_FAST_DEBUG: '1', ...extraEnv }, encoding: 'utf8', timeout: 180_000 });
  const lines = r.stderr.split('\n');
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: lines.filter((l) => !l.startsWith('synth-fast: ')).join('\n'),
    trace: lines.filter((l) => l.startsWith('synth-fast: ') && !l.startsWith('synth-fast: ms: ')).map((l) => l.replace(/bundle-[0-9a-f]+\.js/, 'bundle-KEY.js')),
  };
}
function launcher(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, ['scripts/synth-fast.js', ...args], { cwd: proj, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 180_000 });
}
const filesOf = (dir: string) => Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));

test('after a synth that succeeded the command makes its snapshot, and runs from it: the launcher\'s bytes and lines', () => {
  fs.rmSync(path.join(proj, '.cache'), { recursive: true, force: true });
  const first = command(['--stdout', '--env', 'dev']);
  expect(first.trace).toEqual(['synth-fast: bundle stale or absent: building it', 'synth-fast: code cache absent', 'synth-fast: snapshot built']);
  expect(fs.readFileSync(path.join(cache, 'snapshot.args'), 'utf8')).toBe('--no-opt --no-sparkplug --regexp-interpret-all\n');

  const again = command(['--stdout', '--env', 'dev']);
  expect(again.trace).toEqual(['synth-fast: startup snapshot used: bundle-KEY.js']);
  const plain = launcher(['--stdout', '--env', 'dev']);
  expect([again.status, again.stdout, again.stderr]).toEqual([plain.status, plain.stdout, plain.stderr]);
  expect(again.stdout).toContain('kind: Deployment');

  // Into a folder: the same files, listed alike.
  const a = command(['--out', path.join(tmp, 'snap-out')]);
  const b = launcher(['--out', path.join(tmp, 'launcher-out')]);
  expect(a.trace).toEqual(['synth-fast: startup snapshot used: bundle-KEY.js']);
  expect(a.stdout.replaceAll('snap-out', 'OUT')).toBe(b.stdout.replaceAll('launcher-out', 'OUT'));
  expect(filesOf(path.join(tmp, 'snap-out'))).toEqual(filesOf(path.join(tmp, 'launcher-out')));
  expect(filesOf(path.join(tmp, 'snap-out'))['dev.k8s.yaml']).toBe(fs.readFileSync(path.join(root, 'dist', 'dev.k8s.yaml'), 'utf8'));
});

test.each([
  ['a misspelled --set', ['--stdout', '--set', 'dev.web.replica=3']],
  ['an unknown option', ['--frobnicate']],
  ['an unknown environment', ['--env', 'staging', '--stdout']],
  ['--help', ['--help']],
])('from the snapshot, %s: the launcher\'s output and exit status', (_name, args) => {
  makeSnapshot(proj, env);
  const r = command(args);
  expect(r.trace).toEqual(['synth-fast: startup snapshot used: bundle-KEY.js']);
  const plain = launcher(args);
  expect([r.status, r.stdout, r.stderr]).toEqual([plain.status, plain.stdout, plain.stderr]);
});

test('an edited source: the snapshot does not run it; the launcher\'s path does, in the same process, and makes a new snapshot', () => {
  makeSnapshot(proj, env);
  const webTier = path.join(proj, 'lib', 'web-tier.ts');
  const text = fs.readFileSync(webTier, 'utf8');
  expect(text).toContain('revisionHistoryLimit: 5,');
  fs.writeFileSync(webTier, text.replace('revisionHistoryLimit: 5,', 'revisionHistoryLimit: 7,'));
  try {
    const edited = command(['--stdout', '--env', 'dev']);
    expect(edited.trace).toEqual(["synth-fast: startup snapshot stale: taking the launcher's path", 'synth-fast: bundle stale or absent: building it', 'synth-fast: code cache absent', 'synth-fast: snapshot built']);
    expect(edited.status).toBe(0);
    expect(edited.stdout).toContain('revisionHistoryLimit: 7');
    const again = command(['--stdout', '--env', 'dev']);
    expect(again.trace).toEqual(['synth-fast: startup snapshot used: bundle-KEY.js']);
    expect(again.stdout).toBe(edited.stdout);
  } finally {
    fs.writeFileSync(webTier, text);
  }
});

test('a snapshot that Node.js refuses (other V8 flags) leaves the synth to the launcher', () => {
  makeSnapshot(proj, env);
  fs.writeFileSync(path.join(cache, 'snapshot.args'), '--no-opt\n');
  try {
    const r = command(['--stdout', '--env', 'dev']);
    // Node.js refused it (exit 14) before anything ran: the launcher's path, the output once.
    expect(r.trace).toEqual(['synth-fast: bundle cached: .cache/synth/bundle-KEY.js', expect.stringMatching(/^synth-fast: code cache (used|rejected)$/), 'synth-fast: snapshot current']);
    expect([r.status, r.stdout]).toEqual([0, launcher(['--stdout', '--env', 'dev']).stdout]);
  } finally {
    fs.writeFileSync(path.join(cache, 'snapshot.args'), '--no-opt --no-sparkplug --regexp-interpret-all\n');
  }
});

test('with NODE_OPTIONS set (its V8 flags would make Node.js refuse the snapshot) the launcher runs, silently', () => {
  makeSnapshot(proj, env);
  const r = command(['--stdout', '--env', 'dev'], { NODE_OPTIONS: '--max-old-space-size=2048' });
  expect(r.trace).toEqual(['synth-fast: bundle cached: .cache/synth/bundle-KEY.js', expect.stringMatching(/^synth-fast: code cache (used|rejected)$/), 'synth-fast: snapshot current']);
  expect([r.status, r.stdout, r.stderr]).toEqual([0, launcher(['--stdout', '--env', 'dev']).stdout, launcher(['--stdout', '--env', 'dev']).stderr]);
});

test('the snapshot holds nothing of the caller\'s environment: a DB_PASSWORD is in the output, not in the snapshot', () => {
  fs.rmSync(path.join(proj, '.cache'), { recursive: true, force: true });
  const secret = 'snapshot-must-not-hold-this-9f3c2';
  const out = path.join(tmp, 'secret-out'); // outside any git work tree: a real secret may be written there
  const r = command(['--out', out], { DB_PASSWORD: secret });
  expect(r.trace).toContain('synth-fast: snapshot built');
  expect(fs.readFileSync(path.join(out, 'dev.k8s.yaml'), 'utf8')).toContain(Buffer.from(secret).toString('base64'));
  const blob = fs.readFileSync(path.join(cache, 'snapshot.blob'));
  for (const text of [secret, Buffer.from(secret).toString('base64')]) {
    for (const encoding of ['latin1', 'utf16le'] as const) expect(blob.includes(Buffer.from(text, encoding))).toBe(false);
  }
  // A run from the snapshot reads the caller's DB_PASSWORD now, as the launcher does.
  const again = command(['--stdout', '--env', 'dev'], { DB_PASSWORD: 'another-one' });
  expect(again.trace).toEqual(['synth-fast: startup snapshot used: bundle-KEY.js']);
  expect(again.stdout).toContain(Buffer.from('another-one').toString('base64'));
});

test('a copy of the project made with its .cache/ runs its own launcher, never the original\'s code or output folder', () => {
  makeSnapshot(proj, env);
  const copy = path.join(tmp, 'copy');
  fs.cpSync(proj, copy, { recursive: true, verbatimSymlinks: true });
  const before = fs.statSync(path.join(cache, 'snapshot.blob')).mtimeMs;
  const r = spawnSync('sh', ['scripts/synth.sh', '--out', 'out'], { cwd: copy, env: { ...env, REFARCH_SYNTH_FAST_DEBUG: '1' }, encoding: 'utf8', timeout: 180_000 });
  const trace = r.stderr.split('\n').filter((l) => l.startsWith('synth-fast: ') && !l.startsWith('synth-fast: ms: '));
  expect(trace[0]).toBe(`synth-fast: startup snapshot of another folder (${proj}): leaving the run to the launcher`);
  expect(trace).toContain('synth-fast: bundle stale or absent: building it'); // the copy's own bundle: its path is part of the key
  expect(trace).toContain('synth-fast: snapshot built');
  expect(r.status).toBe(0);
  expect(fs.readFileSync(path.join(copy, 'out', 'dev.k8s.yaml'), 'utf8')).toBe(fs.readFileSync(path.join(root, 'dist', 'dev.k8s.yaml'), 'utf8'));
  expect(fs.existsSync(path.join(proj, 'out'))).toBe(false);
  expect(fs.statSync(path.join(cache, 'snapshot.blob')).mtimeMs).toBe(before);
  // And from then on, from its own snapshot.
  const again = spawnSync('sh', ['scripts/synth.sh', '--help'], { cwd: copy, env: { ...env, REFARCH_SYNTH_FAST_DEBUG: '1' }, encoding: 'utf8' });
  expect(again.stderr).toContain('synth-fast: startup snapshot used');
});
