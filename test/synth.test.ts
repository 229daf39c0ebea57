/**
 * `npm run synth`: synthesis is deterministic (test/environments.test.ts compares it with the
 * committed dist/), and the output folder is safe: only files a synth wrote are replaced or
 * removed, each atomically, unsafe folders are refused with nothing touched, and real secrets never land in git.
 */
import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { render, runCli } from '../scripts/synth';
import { processStartTime } from '../scripts/synth/lock';
import { LOCK_FILE, MANIFEST_FILE } from '../scripts/synth/output';
import { parse } from 'yaml';
import { withoutSkipReport } from './support';

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
let tmp: string;

let template: string;

beforeAll(() => {
  // One real synth, copied for each test that needs an output folder a synth made: a
  // full synth per test would make this file the slowest of the suite.
  template = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-synth-template-'));
  expect(runCli(['--out', path.join(template, 'out')], { project: root, env: {}, cwd: root, stdout: () => undefined, stderr: (t) => { if (withoutSkipReport(t).trim()) throw new Error(t); } })).toBe(0);
});
afterAll(() => fs.rmSync(template, { recursive: true, force: true }));
beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-synth-test-')); });
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** tmp/out as an earlier full synth left it (dev and prod, manifest), mode 0755. */
function synthOutput(): string {
  const out = path.join(tmp, 'out');
  fs.cpSync(path.join(template, 'out'), out, { recursive: true });
  fs.chmodSync(out, 0o755);
  return out;
}

/** Names, modes and bytes of a folder (not recursive): equal snapshots mean untouched. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = { '.': (fs.statSync(dir).mode & 0o7777).toString(8) };
  for (const name of fs.readdirSync(dir).sort()) {
    const st = fs.lstatSync(path.join(dir, name));
    out[name] = `${(st.mode & 0o7777).toString(8)} ${st.isFile() ? fs.readFileSync(path.join(dir, name), 'utf8') : '(folder)'}`;
  }
  return out;
}

/** Runs the CLI in-process (no child process: fast), capturing its output. */
function cli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  let stdout = '';
  let stderr = '';
  const status = runCli(args, {
    project: root, env: options.env ?? {}, cwd: options.cwd ?? root, stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; },
  });
  return { status, stdout, stderr };
}

const yamlFiles = (dir: string) => Object.fromEntries(fs.readdirSync(dir).filter((f) => f.endsWith('.k8s.yaml')).sort()
  .map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));

test('synthesis is deterministic', () => {
  expect(render({ env: {} }).files).toEqual(render({ env: {} }).files);
});

describe('the output folder', () => {
  let out: string;
  beforeEach(() => { out = synthOutput(); });

  test('a new folder gets the files, the manifest and 0644 files; the folder keeps its mode', () => {
    fs.chmodSync(out, 0o750);
    expect(cli(['--out', out, '--set', 'dev.web.title=Changed'])).toMatchObject({ status: 0 });
    const after = snapshot(out);
    expect(after['.']).toBe('750');
    expect(Object.keys(after)).toEqual(['.', MANIFEST_FILE, 'dev.k8s.yaml', 'prod.k8s.yaml']);
    for (const name of [MANIFEST_FILE, 'dev.k8s.yaml', 'prod.k8s.yaml']) expect(after[name]).toMatch(/^644 /);
    expect(after['dev.k8s.yaml']).toContain('APP_TITLE: Changed');
  });

  test('--env dev replaces only dev.k8s.yaml; other environments keep their files', () => {
    fs.writeFileSync(path.join(out, 'prod.k8s.yaml'), 'an older prod\n');
    expect(cli(['--out', out, '--env', 'dev', '--set', 'dev.web.title=Changed']).status).toBe(0);
    expect(fs.readFileSync(path.join(out, 'prod.k8s.yaml'), 'utf8')).toBe('an older prod\n');
    expect(fs.readFileSync(path.join(out, 'dev.k8s.yaml'), 'utf8')).toContain('APP_TITLE: Changed');
  });

  test('a full synth removes listed files no environment produces; unlisted files stay', () => {
    fs.writeFileSync(path.join(out, MANIFEST_FILE), JSON.stringify({ files: ['dev.k8s.yaml', 'prod.k8s.yaml', 'staging.k8s.yaml'] }));
    fs.writeFileSync(path.join(out, 'staging.k8s.yaml'), 'from an environment that is gone\n');
    fs.writeFileSync(path.join(out, 'notes.txt'), 'mine\n');
    // A partial synth keeps it: it cannot know which environments still exist.
    expect(cli(['--out', out, '--env', 'dev']).status).toBe(0);
    expect(fs.existsSync(path.join(out, 'staging.k8s.yaml'))).toBe(true);
    const full = cli(['--out', out]);
    expect(full.stdout).toContain(`removed ${path.join(out, 'staging.k8s.yaml')}`);
    expect(fs.readdirSync(out).sort()).toEqual([MANIFEST_FILE, 'dev.k8s.yaml', 'notes.txt', 'prod.k8s.yaml']);
    expect(JSON.parse(fs.readFileSync(path.join(out, MANIFEST_FILE), 'utf8')).files).toEqual(['dev.k8s.yaml', 'prod.k8s.yaml']);
    expect(fs.readFileSync(path.join(out, 'notes.txt'), 'utf8')).toBe('mine\n');
  });

  test('stray temporary files of a killed run are removed, other dot files are not', () => {
    fs.writeFileSync(path.join(out, '.dev.k8s.yaml.refarch-synth-0123456789ab.tmp'), 'half a file');
    fs.writeFileSync(path.join(out, '.dev.k8s.yaml.tmp'), 'not ours');
    expect(cli(['--out', out]).status).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['.dev.k8s.yaml.tmp', MANIFEST_FILE, 'dev.k8s.yaml', 'prod.k8s.yaml']);
  });

  test('a folder another live synth is writing into is refused; a dead writer\'s lock is taken over', () => {
    const before = snapshot(out);
    fs.writeFileSync(path.join(out, LOCK_FILE), `${process.pid}\n`);
    const result = cli(['--out', out]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`another synth (pid ${process.pid}) is writing into ${out}`);
    expect(result.stderr).toContain('Nothing was written; the previous output is unchanged.');
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    fs.writeFileSync(path.join(out, LOCK_FILE), `${dead}\n`);
    expect(cli(['--out', out]).status).toBe(0);
    expect(snapshot(out)).toEqual(before);
  });

  test('a lock whose pid now belongs to another process (a later start time) is taken over; our own live lock is not', () => {
    const before = snapshot(out);
    const started = processStartTime(process.pid)!;
    const lock = (owner: object) => fs.writeFileSync(path.join(out, LOCK_FILE), `${JSON.stringify({ host: os.hostname(), ...owner })}\n`);
    lock({ pid: process.pid, started: String(Number(started) - 1) });
    const taken = cli(['--out', out]);
    expect(taken.status).toBe(0);
    expect(withoutSkipReport(taken.stderr)).toBe(`synth: took over ${out}/${LOCK_FILE}: pid ${process.pid} is now another process (started after the lock was written): the synth that wrote it is gone.\n`);
    expect(snapshot(out)).toEqual(before);
    lock({ pid: process.pid, started });
    expect(cli(['--out', out]).stderr).toContain(`another synth (pid ${process.pid}) is writing into ${out}`);
    lock({ pid: process.pid, started, host: 'elsewhere' });
    expect(cli(['--out', out]).stderr).toContain(`is held by a synth on host elsewhere (pid ${process.pid}), which this host (${os.hostname()}) cannot check`);
  });

  test('a lock that is a folder is refused, naming what to do; a dangling symlink lock is removed (never its target)', () => {
    fs.mkdirSync(path.join(out, LOCK_FILE));
    expect(cli(['--out', out]).stderr).toContain(`${out}/${LOCK_FILE} is a folder, not a lock a synth writes; remove it (rmdir ${out}/${LOCK_FILE}) and run again.`);
    fs.rmdirSync(path.join(out, LOCK_FILE));
    const target = path.join(tmp, 'precious');
    fs.writeFileSync(target, 'keep');
    fs.symlinkSync(target, path.join(out, LOCK_FILE));
    const r = cli(['--out', out]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`it was a symlink (to ${target}), not a lock a synth writes`);
    expect(fs.readFileSync(target, 'utf8')).toBe('keep');
    expect(fs.existsSync(path.join(out, LOCK_FILE))).toBe(false);
  });

  test('a symlinked output file is replaced by a 0644 file; the file it pointed to keeps its bytes and mode', () => {
    const target = path.join(tmp, 'elsewhere.yaml');
    fs.writeFileSync(target, 'not dist', { mode: 0o600 });
    fs.rmSync(path.join(out, 'dev.k8s.yaml'));
    fs.symlinkSync(target, path.join(out, 'dev.k8s.yaml'));
    expect(cli(['--out', out, '--env', 'dev']).status).toBe(0);
    expect(fs.lstatSync(path.join(out, 'dev.k8s.yaml')).isFile()).toBe(true);
    expect(fs.statSync(path.join(out, 'dev.k8s.yaml')).mode & 0o777).toBe(0o644);
    expect([fs.readFileSync(target, 'utf8'), fs.statSync(target).mode & 0o777]).toEqual(['not dist', 0o600]);
  });

  test('a listed file that is now a folder: refused before anything is replaced, naming it; the same with a file to remove', () => {
    const before = snapshot(out);
    fs.rmSync(path.join(out, 'prod.k8s.yaml'));
    fs.mkdirSync(path.join(out, 'prod.k8s.yaml'));
    const r = cli(['--out', out, '--set', 'dev.web.title=Changed']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`synth failed: refusing to write ${out}/prod.k8s.yaml: it is a folder, not a file. Move it away.\nNothing was written; the previous output is unchanged.\n`);
    expect({ ...snapshot(out), 'prod.k8s.yaml': before['prod.k8s.yaml'] }).toEqual(before);
    fs.rmdirSync(path.join(out, 'prod.k8s.yaml'));
    fs.writeFileSync(path.join(out, MANIFEST_FILE), JSON.stringify({ files: ['dev.k8s.yaml', 'prod.k8s.yaml', 'gone.k8s.yaml'] }));
    fs.mkdirSync(path.join(out, 'gone.k8s.yaml'));
    expect(cli(['--out', out]).stderr).toContain(`refusing to remove ${out}/gone.k8s.yaml: it is a folder, not a file. Move it away.`);
    expect(fs.readFileSync(path.join(out, 'dev.k8s.yaml'), 'utf8')).toBe(before['dev.k8s.yaml'].slice(4));
  });

  test('a run killed between two renames leaves every file complete, and the next run cleans up', async () => {
    const before = snapshot(out);
    // What `npm run synth` runs (the cached bundle of scripts/synth.ts: the same runCli).
    const child = spawn(process.execPath, ['scripts/synth-fast.js', '--out', out, '--set', 'dev.web.title=New', '--set', 'prod.web.title=New'], {
      cwd: root, env: { ...process.env, DB_PASSWORD: '', TMPDIR: tmp, REFARCH_SYNTH_TEST_PAUSE_AT: 'after-first-rename' },
    });
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (d) => { err += d; if (err.includes('paused at after-first-rename')) { child.kill('SIGKILL'); } });
      child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`exit ${code}: ${err}`))));
    });
    const dev = fs.readFileSync(path.join(out, 'dev.k8s.yaml'), 'utf8');
    expect(dev).toContain('APP_TITLE: New'); // renamed before the kill, complete
    expect(dev).toBe(render({ env: {}, sets: ['dev.web.title=New'], only: ['dev'] }).files.get('dev.k8s.yaml'));
    expect(`644 ${fs.readFileSync(path.join(out, 'prod.k8s.yaml'), 'utf8')}`).toBe(before['prod.k8s.yaml']); // old, complete
    // prod's new version, not yet renamed, and the old dev and prod, kept (hard links) to be
    // put back if a rename failed: all named as a run's temporary files. The manifest lists
    // the same files as before, so it was left alone (not rewritten).
    const temps = fs.readdirSync(out).filter((f) => f.endsWith('.tmp')).map((f) => f.replace(/-[0-9a-f]{12}\.tmp$/, '')).sort();
    expect(temps).toEqual(['.dev.k8s.yaml.refarch-synth', '.prod.k8s.yaml.refarch-synth', '.prod.k8s.yaml.refarch-synth']);
    expect(fs.existsSync(path.join(out, LOCK_FILE))).toBe(true); // the killed run's, taken over below
    expect(cli(['--out', out]).status).toBe(0);
    expect(snapshot(out)).toEqual(before);
  }, 60_000);
});

describe('bad settings: exit 1, the message, the output folder byte for byte and mode as it was, nothing else written', () => {
  test.each([
    ['dev.web.replica=3', '--set dev.web.replica=3: unknown setting "dev.web.replica". Did you mean "dev.web.replicas"? Known keys of dev.web: image,'],
    ['dev.database.passwrd=x', 'Did you mean "dev.credentials.password"?'],
    ['dev.web=big', '--set dev.web=big: setting "dev.web" must be an object with keys image, replicas,'],
    ['dev.__proto__.storageClassName=fast', '--set dev.__proto__.storageClassName=fast: "__proto__" is not allowed in a setting path'],
    ['dev.ingress.enabled=no', '--set dev.ingress.enabled=no: setting "dev.ingress.enabled" must be a boolean: true or false; got no (string).'],
    ['dev.web.logLevel=verbose', 'must be one of "debug", "info", "warn", "error"; got verbose (string).'],
    ['dev.web={"replicas":', '--set dev.web={"replicas":: the value is not valid JSON: '],
    ['dev.web.resources.cpuLimit="1"', '--set dev.web.resources.cpuLimit="1": setting "dev.web.resources" lacks required "cpuRequest"'],
    ['prd.web.replicas=3', '--set prd.web.replicas=3: unknown environment "prd". Did you mean "prod"?'],
    ['dev.web.replicas=0', 'Invalid dev/Web: replicas: 0. Must be an integer from 1 to 1000.'],
    // The count itself, not the replication password that more than one replica would need.
    ['dev.database.replicas=11', 'Invalid dev: database.replicas: 11. Must be an integer from 1 to 10.'],
    ['dev.web.image=nginx', 'Invalid dev: web.image: "nginx". Must be an image reference pinned to a tag or digest'],
    ['prod.web.replicas=3', 'Invalid prod/Web: replicas: 3. Conflicts with autoscaling'],
  ])('--set %s', (set, message) => {
    const out = synthOutput();
    fs.chmodSync(out, 0o705);
    const before = snapshot(out);
    const result = cli(['--out', out, '--set', set]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('Nothing was written; the previous output is unchanged.');
    expect(snapshot(out)).toEqual(before);
    expect(fs.readdirSync(tmp)).toEqual(['out']);
  });

  test('--env of an unknown environment', () => {
    const result = cli(['--env', 'staging'], { cwd: tmp });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('--env staging: unknown environment "staging". Known environments: dev, prod.');
    expect(fs.readdirSync(tmp)).toEqual([]);
  });
});

describe('refused outputs: exit 1, a message, nothing touched', () => {
  const rootListing = () => fs.readdirSync(root).sort();
  test.each([
    [['--out', '.'], `refusing to write into ${root}: it is the project root.`],
    [['--out', ''], '--out "": must name a folder, e.g. --out dist.'],
    [['--out', path.dirname(root)], 'it is the project root or an ancestor of it.'],
    [['--out', 'lib'], 'it is a source folder of the project and has no .refarch-synth.manifest, so no synth made it (it holds app-config.ts'],
    [['--out', 'lib/generated'], 'it is inside lib/, a source folder of the project.'],
    [['--out', 'README.md'], `refusing to write into ${path.join(root, 'README.md')}: it is an existing file, not a folder.`],
  ])('%j', (args, message) => {
    const listing = rootListing();
    const lib = snapshot(path.join(root, 'lib'));
    const before = snapshot(dist);
    const result = cli(args);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('Nothing was written; the previous output is unchanged.');
    expect(rootListing()).toEqual(listing);
    expect(snapshot(path.join(root, 'lib'))).toEqual(lib);
    expect(snapshot(dist)).toEqual(before);
  });

  test('an explicit --out is relative to the directory npm was run in (INIT_CWD)', () => {
    fs.mkdirSync(path.join(tmp, 'sub'));
    expect(cli(['--out', 'out', '--env', 'dev'], { env: { INIT_CWD: path.join(tmp, 'sub') } }).status).toBe(0);
    expect(fs.readdirSync(path.join(tmp, 'sub', 'out')).sort()).toEqual([MANIFEST_FILE, 'dev.k8s.yaml']);
  });

  test('a folder below a file', () => {
    fs.writeFileSync(path.join(tmp, 'file'), 'x');
    const result = cli(['--out', path.join(tmp, 'file', 'out')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${path.join(tmp, 'file')} is a file, not a folder.`);
    expect(fs.readdirSync(tmp)).toEqual(['file']);
  });

  test('a non-empty folder that no synth made', () => {
    const out = path.join(tmp, 'mine');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'dev.k8s.yaml'), 'hand-written\n');
    const before = snapshot(out);
    const result = cli(['--out', out]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`it is not empty and has no ${MANIFEST_FILE}, so no synth made it (it holds dev.k8s.yaml). Choose a new or empty folder. If \`cdk8s synth\` wrote it`);
    expect(snapshot(out)).toEqual(before);
  });

  test('a file the manifest does not list', () => {
    const out = path.join(tmp, 'out');
    expect(cli(['--out', out, '--env', 'dev']).status).toBe(0);
    fs.writeFileSync(path.join(out, 'prod.k8s.yaml'), 'hand-written\n');
    const before = snapshot(out);
    const result = cli(['--out', out]);
    expect(result.stderr).toContain(`refusing to replace ${out}/prod.k8s.yaml: it exists but no synth wrote it (${out}/${MANIFEST_FILE} does not list it).`);
    expect(result.status).toBe(1);
    expect(snapshot(out)).toEqual(before);
  });

  test.each([
    ['not json', 'is not valid JSON'],
    [JSON.stringify({ files: ['../../etc/passwd'] }), `lists "../../etc/passwd" (files[0]): a path, but a manifest lists only files in its own folder; refusing to trust it.`],
    [JSON.stringify({ files: ['dev.k8s.yaml', '../x.k8s.yaml'] }), `lists "../x.k8s.yaml" (files[1]): a path`],
    [JSON.stringify({ files: 'dev.k8s.yaml' }), 'must hold {"files": [<environment>.k8s.yaml, ...]}'],
  ])('a manifest that cannot be trusted: %s', (text, message) => {
    const out = path.join(tmp, 'out');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, MANIFEST_FILE), text);
    const before = snapshot(out);
    const result = cli(['--out', out]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(message);
    expect(snapshot(out)).toEqual(before);
  });
});

describe('secrets never reach git', () => {
  const secret = 'x-real-password-4711';
  const leaks = (text: string) => text.includes(secret) || text.includes(Buffer.from(secret).toString('base64'));

  test('DB_PASSWORD with the default dist/ (inside the work tree) is refused; dist/ stays free of it', () => {
    const before = snapshot(dist);
    const result = cli([], { env: { DB_PASSWORD: secret } });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`refusing to write a real secret into ${dist}, which is inside the git work tree`);
    expect(result.stderr).toContain('dist/dev.k8s.yaml: Secret refarch-dev/guestbook-db-credentials key password (from DB_PASSWORD)');
    expect(result.stderr).toContain('--out <dir outside the repository>');
    expect(result.stderr).toContain('--stdout --env <name> | kubectl apply -f -');
    expect(snapshot(dist)).toEqual(before);
    expect(Object.values(snapshot(dist)).some(leaks)).toBe(false);
  });

  test('also in any other git work tree, and for a password given with --set', () => {
    fs.mkdirSync(path.join(tmp, 'repo', '.git'), { recursive: true });
    const result = cli(['--out', path.join(tmp, 'repo', 'out'), '--set', `dev.credentials.password=${secret}`]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`inside the git work tree ${path.join(tmp, 'repo')}`);
    expect(fs.readdirSync(path.join(tmp, 'repo'))).toEqual(['.git']);
  });

  test('--out outside a repository gets the password', () => {
    const out = path.join(tmp, 'out');
    expect(cli(['--out', out, '--env', 'dev'], { env: { DB_PASSWORD: secret } }).status).toBe(0);
    expect(leaks(fs.readFileSync(path.join(out, 'dev.k8s.yaml'), 'utf8'))).toBe(true);
  });

  test('--stdout prints the one environment and writes nothing', () => {
    const before = snapshot(dist);
    const result = cli(['--stdout', '--env', 'dev'], { env: { DB_PASSWORD: secret }, cwd: tmp });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(render({ env: { DB_PASSWORD: secret }, only: ['dev'] }).files.get('dev.k8s.yaml'));
    expect(leaks(result.stdout)).toBe(true);
    expect(fs.readdirSync(tmp)).toEqual([]);
    expect(snapshot(dist)).toEqual(before);
  });

  test.each([
    [['--stdout'], '--stdout prints one environment: give exactly one --env (got 0).'],
    [['--stdout', '--env', 'dev', '--env', 'prod'], '--stdout prints one environment: give exactly one --env (got 2).'],
    [['--stdout', '--env', 'dev', '--out', 'x'], '--stdout writes no files; drop --out.'],
  ])('%j is a usage error', (args, message) => {
    const result = cli(args, { cwd: tmp });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('Usage: npm run synth -- [options]');
    expect(fs.readdirSync(tmp)).toEqual([]);
  });
});

describe('the command line', () => {
  test('--help prints the usage and exits 0', () => {
    const result = cli(['--help']);
    expect(result).toMatchObject({ status: 0, stderr: '' });
    for (const text of ['--out DIR', '--env NAME', '--set ENV.PATH=VALUE', '--stdout', 'docs/configuration.md', 'Examples:']) {
      expect(result.stdout).toContain(text);
    }
  });

  test.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['dist'], "Unexpected argument 'dist'"],
    [['--out'], "Option '--out <value>' argument missing"],
    [['--out', 'a', '--out', 'b'], '--out given 2 times (a, b); give one output folder.'],
  ])('%j is refused with the usage', (args, message) => {
    const result = cli(args, { cwd: tmp });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('Usage: npm run synth -- [options]');
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  test('the quality gates run before anything is replaced', () => {
    const out = synthOutput();
    const before = snapshot(out);
    const result = cli(['--out', out, '--set', 'dev.web.title=AKIAIOSFODNN7EXAMPLE']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`synth failed: manifest checks failed:\n${out}/dev.k8s.yaml: ConfigMap refarch-dev/guestbook-config: data.APP_TITLE`);
    expect(snapshot(out)).toEqual(before);
  });

  test('npm run synth as a process: a good run writes and lists the files', () => {
    const out = path.join(tmp, 'out');
    // scripts/synth-fast.js is what `npm run synth` runs (package.json), without npm's own start.
    const stdout = execFileSync(process.execPath, ['scripts/synth-fast.js', '--out', out, '--env', 'dev'], {
      cwd: root, encoding: 'utf8', env: { ...process.env, DB_PASSWORD: '', TMPDIR: tmp },
    });
    expect(stdout).toBe(`  - ${out}/dev.k8s.yaml\n`);
    // Nothing but the output (and tsx's compile cache, which it keeps in TMPDIR when the bundle falls back to it).
    expect(fs.readdirSync(tmp).filter((f) => !f.startsWith('tsx-'))).toEqual(['out']);
  }, 60_000);
});

test('`cdk8s synth -o DIR` runs the same pipeline offline (upgrade check off) and writes the same files into DIR, manifest included', () => {
  const out = path.join(tmp, 'cdk8s-out');
  const r = spawnSync(path.join(root, 'node_modules', '.bin', 'cdk8s'), ['synth', '--check-upgrade=false', '--output', out], {
    cwd: root, env: { ...process.env, DB_PASSWORD: '', CDK8S_CHECK_UPGRADE: 'false' }, encoding: 'utf8',
  });
  expect(r.status).toBe(0);
  // The app writes DIR (CDK8S_OUTDIR) as `npm run synth -- --out DIR` would, and lists it on stderr (the CLI keeps its stdout).
  expect(withoutSkipReport(r.stderr)).toBe(`  - ${out}/dev.k8s.yaml\n  - ${out}/prod.k8s.yaml\n`);
  expect(fs.readdirSync(out).sort()).toEqual([MANIFEST_FILE, ...Object.keys(yamlFiles(dist))]);
  expect(yamlFiles(out)).toEqual(yamlFiles(dist));
}, 60_000);

test('cdk8s.yaml: the CLI\'s output is the staging folder the app is told about, and it is git-ignored', () => {
  const config = parse(fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8')) as { app: string; output: string; validations?: unknown };
  expect(config.app).toBe(`sh scripts/synth.sh --cdk8s-app --cdk8s-staging ${config.output}`);
  expect(config.output).not.toBe('dist');
  expect(config.validations).toBeUndefined(); // the pipeline runs the policy rules itself
  expect(spawnSync('git', ['check-ignore', '-q', `${config.output}/`], { cwd: root }).status).toBe(0);
});
