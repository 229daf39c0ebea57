/**
 * `npm run watch`: one rebuild step (Rebuilder.rebuild) on a copy of the project, edited
 * the way a user saves a file; and the process itself stopped with Ctrl-C.
 * No timing: the speed is measured by `npm run bench` (bench/watch.ts).
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Rebuilder, SOURCE_FILE } from '../scripts/watch';
import { withoutSkipReport } from './support';

const root = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-watch-'));
const proj = path.join(tmp, 'proj');
const dist = path.join(proj, 'dist');
const env: NodeJS.ProcessEnv = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };
delete env.DB_PASSWORD;
delete env.INIT_CWD;

let out = '';
let err = '';
const io = { stdout: (t: string) => { out += t; }, stderr: (t: string) => { err += t; }, env, cwd: proj };
const rebuilder = new Rebuilder(proj, [], io);
const readDist = () => Object.fromEntries(fs.readdirSync(dist).sort().map((f) => [f, fs.readFileSync(path.join(dist, f), 'utf8')]));
function edit(file: string, from: string, to: string) {
  const full = path.join(proj, file);
  const text = fs.readFileSync(full, 'utf8');
  expect(text).toContain(from);
  fs.writeFileSync(full, text.replace(from, to));
}
async function rebuild(changed: string[]) {
  out = '';
  err = '';
  return rebuilder.rebuild(changed);
}

beforeAll(() => {
  for (const p of ['main.ts', 'package.json', 'lib', 'config', 'imports', 'dist', 'scripts/synth.ts', 'scripts/synth', 'scripts/synth-fast.js', 'scripts/safe-write.js', 'plugins/refarch-policy/index.js', 'plugins/refarch-policy/package.json', 'plugins/refarch-policy/src']) {
    fs.cpSync(path.join(root, p), path.join(proj, p), { recursive: true });
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(proj, 'node_modules'));
});
afterAll(async () => {
  await rebuilder.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('the first run re-synthesizes the committed dist/: nothing changes', async () => {
  const before = readDist();
  const r = await rebuild([]);
  expect([r.ok, withoutSkipReport(err)]).toEqual([true, '']);
  expect(r.diff).toBe('No changes in the manifests.\n');
  expect(out).toMatch(/^watch: dist updated in \d+ ms\nNo changes in the manifests.\n$/);
  expect(readDist()).toEqual(before);
});

test('a saved one-line change in lib/ is in dist/, and its semantic diff is printed', async () => {
  edit('lib/web-tier.ts', 'revisionHistoryLimit: 5,', 'revisionHistoryLimit: 7,');
  const r = await rebuild(['lib/web-tier.ts']);
  expect([r.ok, withoutSkipReport(err)]).toEqual([true, '']);
  for (const e of ['dev', 'prod']) {
    const deployment = readDist()[`${e}.k8s.yaml`].split('\n---\n').find((d) => d.includes('kind: Deployment'))!;
    expect(deployment).toContain('revisionHistoryLimit: 7');
  }
  expect(r.diff).toBe([
    '--- dist/dev.k8s.yaml',
    '~ Deployment refarch-dev/guestbook: spec.revisionHistoryLimit: 5 -> 7',
    '--- dist/prod.k8s.yaml',
    '~ Deployment refarch-prod/guestbook: spec.revisionHistoryLimit: 5 -> 7',
    '1 changed, 0 added, 0 removed object(s).',
    '',
  ].join('\n').replace('1 changed', '2 changed'));
  expect(out).toContain('(lib/web-tier.ts)');
});

describe('a bad edit prints the error and keeps the previous dist/', () => {
  let before: Record<string, string>;
  beforeEach(() => {
    before = readDist();
  });
  afterEach(() => {
    // Nothing but the synth's own files: no temporary file or lock left behind.
    expect(fs.readdirSync(dist).sort()).toEqual(['.refarch-synth.manifest', 'dev.k8s.yaml', 'prod.k8s.yaml']);
  });

  test('a syntax error: esbuild names file and line', async () => {
    edit('lib/web-tier.ts', 'revisionHistoryLimit: 7,', 'revisionHistoryLimit: 7,,');
    const r = await rebuild(['lib/web-tier.ts']);
    expect(r.ok).toBe(false);
    expect(err).toMatch(/^watch: build failed: lib\/web-tier\.ts:\d+:\d+: /);
    expect(err).toContain('watch: dist kept its previous files; fix the error and save again.');
    expect(out).toBe('');
    expect(readDist()).toEqual(before);
    edit('lib/web-tier.ts', 'revisionHistoryLimit: 7,,', 'revisionHistoryLimit: 7,');
  });

  test('a setting the settings schema refuses: the same message as npm run synth', async () => {
    edit('config/environments.ts', 'replicas: 2,', "replicas: 'two' as unknown as number,");
    const r = await rebuild(['config/environments.ts']);
    expect(r.ok).toBe(false);
    expect(err).toMatch(/^watch: synth failed: .*web\.replicas/s);
    expect(err).toContain('Nothing was written; the previous output is unchanged.');
    expect(readDist()).toEqual(before);
    edit('config/environments.ts', "replicas: 'two' as unknown as number,", 'replicas: 2,');
  });

  test('a policy rule that now fails: the edited plugin is loaded again', async () => {
    edit('plugins/refarch-policy/src/rules/image-tag.js', 'if (problem) report(', "if (problem || c.image.includes('guestbook')) report(");
    const r = await rebuild(['plugins/refarch-policy/src/rules/image-tag.js']);
    expect(r.ok).toBe(false);
    expect(err).toContain('manifest checks failed');
    expect(err).toContain('image-tag');
    expect(readDist()).toEqual(before);
    edit('plugins/refarch-policy/src/rules/image-tag.js', "if (problem || c.image.includes('guestbook')) report(", 'if (problem) report(');
  });
});

test('after the errors are fixed the loop carries on from the last good dist/', async () => {
  const r = await rebuild(['plugins/refarch-policy/src/rules/image-tag.js', 'config/environments.ts', 'lib/web-tier.ts']);
  expect([r.ok, withoutSkipReport(err)]).toEqual([true, '']);
  expect(r.diff).toBe('No changes in the manifests.\n');
});

test('a saved shell script under lib/scripts/ (which the synth reads) is in dist/ after its rebuild', async () => {
  edit('lib/scripts/ready.sh', '# Readiness of a Patroni member', '# Readiness (watch test) of a Patroni member');
  try {
    const r = await rebuild(['lib/scripts/ready.sh']);
    expect([r.ok, withoutSkipReport(err)]).toEqual([true, '']);
    expect(readDist()['prod.k8s.yaml']).toContain('# Readiness (watch test) of a Patroni member');
  } finally {
    edit('lib/scripts/ready.sh', '# Readiness (watch test) of a Patroni member', '# Readiness of a Patroni member');
  }
  expect((await rebuild(['lib/scripts/ready.sh'])).ok).toBe(true);
  expect(readDist()['prod.k8s.yaml']).not.toContain('(watch test)');
});

test('the watcher reports saves of shell scripts too', () => {
  expect(['lib/scripts/ready.sh', 'lib/web-tier.ts', 'config/settings-validator.js'].every((f) => SOURCE_FILE.test(f))).toBe(true);
});

test('--out=DIR: the diff is of that folder', async () => {
  const target = path.join(tmp, 'out-eq');
  const other = new Rebuilder(proj, [`--out=${target}`, '--env', 'dev'], io);
  try {
    out = '';
    const r = await other.rebuild([]);
    expect(r.ok).toBe(true);
    expect(r.diff).toContain('+ Deployment refarch-dev/guestbook: added');
    expect(fs.readdirSync(target).sort()).toEqual(['.refarch-synth.manifest', 'dev.k8s.yaml']);
  } finally {
    await other.dispose();
  }
});

test('npm run watch stops on Ctrl-C: exit 0, no temporary file or lock in the output folder', async () => {
  const target = path.join(tmp, 'out');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'watch.ts'), '--out', target, '--env', 'dev'], { cwd: root, env });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('Ctrl-C stops.')) resolve();
    });
    child.on('exit', () => reject(new Error(`watch exited early:\n${stdout}\n${stderr}`)));
  });
  child.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(stderr).toBe('');
  expect(stdout).toContain('watch: stopped.');
  expect(stdout).toContain('+ Deployment refarch-dev/guestbook: added');
  expect(fs.readdirSync(target).sort()).toEqual(['.refarch-synth.manifest', 'dev.k8s.yaml']);
});
