/**
 * `npm run synth` (and cdk8s.yaml's `app`) runs scripts/synth-fast.js, a cached esbuild
 * bundle of scripts/synth.ts: it must write the same bytes and fail with the same messages
 * as the TypeScript entry, never run a bundle built from older sources, and take its fast
 * path (cached bundle, V8 code cache, generated validator and rule index) from build
 * outputs alone: reformatting a source changes nothing.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vm from 'vm';
import * as esbuild from 'esbuild';
import { runCli } from '../scripts/synth';
import { baseKey, cachedBundle, evaluate, nodeModule } from '../scripts/synth-fast';
import { withoutSkipReport } from './support';

const root = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-synth-fast-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const env: NodeJS.ProcessEnv = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };
delete env.DB_PASSWORD;
delete env.INIT_CWD;

function fast(args: string[], projectRoot = root, extraEnv: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [path.join(projectRoot, 'scripts', 'synth-fast.js'), ...args], { cwd: projectRoot, env: { ...env, ...extraEnv }, encoding: 'utf8' });
}
/** The TypeScript entry, in this process (what `node --import tsx scripts/synth.ts` runs, without a second Node.js start). */
function typescript(args: string[]) {
  let stdout = '';
  let stderr = '';
  const status = runCli(args, { project: root, env, cwd: root, stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
  return { status, stdout, stderr };
}
/**
 * The bundle `npm run synth` runs, loaded into this process (as the watch loop loads it):
 * the same compiled code, without a Node.js start per case. Built by a real run if the
 * cache has none for the current sources.
 */
function bundledRunCli(): typeof runCli {
  let bundle = cachedBundle(baseKey());
  if (!bundle) {
    expect(fast(['--help']).status).toBe(0);
    bundle = cachedBundle(baseKey());
  }
  expect(bundle).toBeDefined();
  const script = new vm.Script(nodeModule().wrap(fs.readFileSync(bundle!, 'utf8')), { filename: bundle! });
  return evaluate(script, bundle!, root).runCli;
}
function bundled(cli: typeof runCli, args: string[]) {
  let stdout = '';
  let stderr = '';
  const status = cli(args, { project: root, env, cwd: root, stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
  return { status, stdout, stderr };
}
const filesOf = (dir: string) => Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));

test('the fast entry writes the same files, byte for byte, and prints the same lines as the TypeScript entry', () => {
  const a = fast(['--out', path.join(tmp, 'fast')]);
  const b = typescript(['--out', path.join(tmp, 'ts')]);
  expect([a.status, withoutSkipReport(a.stderr)]).toEqual([0, '']);
  expect([b.status, withoutSkipReport(b.stderr)]).toEqual([0, '']);
  const fastFiles = filesOf(path.join(tmp, 'fast'));
  expect(Object.keys(fastFiles)).toEqual(['.refarch-synth.manifest', 'dev.k8s.yaml', 'prod.k8s.yaml']);
  expect(fastFiles).toEqual(filesOf(path.join(tmp, 'ts')));
  expect(fastFiles['prod.k8s.yaml']).toContain('kind: StatefulSet');
  expect(a.stdout.replaceAll(path.join(tmp, 'fast'), 'OUT')).toBe(b.stdout.replaceAll(path.join(tmp, 'ts'), 'OUT'));
});

// The bundle's settings validator is compiled at bundle time (ajv standalone code) rather
// than at run time: each class of schema error must come out the same. The bundle's runCli
// runs in this process (its exit code is what the launcher sets, checked as a process below).
const ERROR_CASES: Array<[string, string[]]> = [
  ['a wrong type', ['--set', 'dev.web.replicas=many', '--out', 'unused']],
  ['an unknown key (with its suggestion)', ['--set', 'dev.web.replica=3']],
  ['a value outside an enum', ['--set', 'dev.web.logLevel=verbose']],
  ['a block lacking required keys', ['--set', 'prod.web.autoscaling={"minReplicas":3}']],
  ['a wrong item type in a list', ['--set', 'dev.database.externalCidrs=["10.0.0.0/8",3]']],
  ['several errors at once', ['--set', 'dev.web={"replicas":"x","logLevel":"loud","title":1}']],
  ['a construct check behind a valid setting', ['--set', 'dev.web.replicas=-1']],
  ['an unknown option', ['--outt', 'x']],
];
describe('errors', () => {
  let cli: typeof runCli;
  beforeAll(() => { cli = bundledRunCli(); });

  test.each(ERROR_CASES)('%s: the same message and exit code from both entries', (_name, args) => {
    const a = bundled(cli, args);
    const b = typescript(args);
    expect(b.status).toBe(1);
    expect(b.stderr).toMatch(/^synth failed: /);
    expect({ status: a.status, stdout: a.stdout, stderr: a.stderr }).toEqual({ status: b.status, stdout: b.stdout, stderr: b.stderr });
  });

  test.each(ERROR_CASES.filter(([name]) => ['several errors at once', 'an unknown option'].includes(name)))('as a process, %s: the same output and exit code', (_name, args) => {
    const a = fast(args);
    const b = typescript(args);
    expect({ status: a.status, stdout: a.stdout, stderr: a.stderr }).toEqual({ status: b.status, stdout: b.stdout, stderr: b.stderr });
  });
});

describe('the bundle cache', () => {
  // A copy of everything the synth is built from, so that editing it leaves the project alone.
  const proj = path.join(tmp, 'proj');
  const webTier = path.join(proj, 'lib', 'web-tier.ts');
  const manifestKey = () => (JSON.parse(fs.readFileSync(path.join(proj, '.cache', 'synth', 'manifest.json'), 'utf8')) as { key: string }).key;
  beforeAll(() => {
    for (const p of ['main.ts', 'package.json', 'lib', 'config', 'imports', 'scripts/synth.ts', 'scripts/synth', 'scripts/synth-fast.js', 'scripts/synth-snapshot.js', 'scripts/safe-write.js', 'plugins/refarch-policy/index.js', 'plugins/refarch-policy/package.json', 'plugins/refarch-policy/write-rule-index.js', 'plugins/refarch-policy/src']) {
      fs.cpSync(path.join(root, p), path.join(proj, p), { recursive: true });
    }
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(proj, 'node_modules'));
  });

  test('an edited input rebuilds the bundle, even with its size and mtime unchanged', () => {
    // A whole-second mtime, so that it can be restored exactly after the edit.
    const mtime = new Date('2026-01-01T00:00:00Z');
    fs.utimesSync(webTier, mtime, mtime);
    const first = fast(['--stdout', '--env', 'dev'], proj);
    expect([first.status, withoutSkipReport(first.stderr)]).toEqual([0, '']);
    const key = manifestKey();
    const bundle = path.join(proj, '.cache', 'synth', `bundle-${key}.js`);
    const builtAt = fs.statSync(bundle).mtimeMs;

    // Unchanged sources: the cached bundle is used as is.
    const again = fast(['--stdout', '--env', 'dev'], proj);
    expect(again.stdout).toBe(first.stdout);
    expect(manifestKey()).toBe(key);
    expect(fs.statSync(bundle).mtimeMs).toBe(builtAt);

    // Same size, mtime restored (as tar or cp -p would): only the content differs.
    const before = fs.statSync(webTier);
    expect(before.mtimeMs).toBe(mtime.getTime());
    const text = fs.readFileSync(webTier, 'utf8');
    expect(text).toContain('revisionHistoryLimit: 5,');
    fs.writeFileSync(webTier, text.replace('revisionHistoryLimit: 5,', 'revisionHistoryLimit: 7,'));
    fs.utimesSync(webTier, mtime, mtime);
    expect([fs.statSync(webTier).size, fs.statSync(webTier).mtimeMs]).toEqual([before.size, before.mtimeMs]);

    const edited = fast(['--stdout', '--env', 'dev'], proj);
    expect([edited.status, withoutSkipReport(edited.stderr)]).toEqual([0, '']);
    expect(manifestKey()).not.toBe(key);
    expect(fs.existsSync(bundle)).toBe(false); // the stale bundle is gone
    const deployment = edited.stdout.split('\n---\n').find((doc) => doc.includes('kind: Deployment'))!;
    expect(deployment).toContain('revisionHistoryLimit: 7');
    expect(first.stdout.split('\n---\n').find((doc) => doc.includes('kind: Deployment'))).toContain('revisionHistoryLimit: 5');
  });

  test('a new policy rule, once `npm run generate` lists it in the rule index, is bundled and runs', () => {
    expect(fast(['--stdout', '--env', 'dev'], proj).status).toBe(0); // builds and caches the bundle
    const rule = path.join(proj, 'plugins', 'refarch-policy', 'src', 'rules', 'zz-every-deployment.js');
    const index = path.join(proj, 'plugins', 'refarch-policy', 'src', 'rule-index.js');
    const indexBefore = fs.readFileSync(index, 'utf8');
    fs.writeFileSync(rule, [
      "'use strict';",
      "const { HYGIENE } = require('../groups');",
      "module.exports = { id: 'zz-every-deployment', group: HYGIENE, reason: 'test', fix: 'test', kinds: ['Deployment'],",
      "  check(o, { report }) { report('metadata.name', 'a rule added after the bundle was built'); } };",
    ].join('\n'));
    try {
      expect(spawnSync(process.execPath, [path.join(proj, 'plugins', 'refarch-policy', 'write-rule-index.js')], { cwd: proj, encoding: 'utf8' }).status).toBe(0);
      expect(fs.readFileSync(index, 'utf8')).toContain('"zz-every-deployment": require("./rules/zz-every-deployment"),');
      const r = fast(['--stdout', '--env', 'dev'], proj);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('a rule added after the bundle was built [zz-every-deployment]');
    } finally {
      fs.rmSync(rule);
      fs.writeFileSync(index, indexBefore);
    }
    expect(fast(['--stdout', '--env', 'dev'], proj).status).toBe(0);
  });

  test('the fast path is taken: a cached bundle with its V8 code cache, no Ajv compiler, the rules from the generated index', () => {
    const traced = () => {
      const r = fast(['--stdout', '--env', 'dev'], proj, { REFARCH_SYNTH_FAST_DEBUG: '1' });
      expect(r.status).toBe(0);
      return r.stderr.split('\n').filter((l) => l.startsWith('synth-fast: ') && !l.startsWith('synth-fast: ms: ')).map((l) => l.replace(/bundle-[0-9a-f]+\.js/, 'bundle-KEY.js'));
    };
    fs.rmSync(path.join(proj, '.cache'), { recursive: true, force: true });
    expect(traced()).toEqual(['synth-fast: bundle stale or absent: building it', 'synth-fast: code cache absent']);
    expect(traced()).toEqual(['synth-fast: bundle cached: .cache/synth/bundle-KEY.js', 'synth-fast: code cache used']);
    // What the bundle is built from: the generated validator and rule index; no part of Ajv.
    const inputs = (JSON.parse(fs.readFileSync(path.join(proj, '.cache', 'synth', 'manifest.json'), 'utf8')) as { inputs: Array<{ file: string }> }).inputs.map((i) => i.file);
    expect(inputs).toEqual(expect.arrayContaining(['config/settings-validator.js', 'plugins/refarch-policy/src/rule-index.js', 'plugins/refarch-policy/src/rules/pss-seccomp.js']));
    expect(inputs.filter((f) => f.includes('node_modules/ajv/'))).toEqual([]);
  });

  test('reformatting the sources the fast path once read (config/settings.ts, the rule registry) changes nothing but the bundle', () => {
    const before = fast(['--stdout', '--env', 'dev'], proj);
    expect(before.status).toBe(0);
    const reformat = (file: string, loader: 'ts' | 'js') => {
      const text = fs.readFileSync(file, 'utf8');
      // esbuild's own printer: every comment and line break the old string matching relied on is gone.
      const out = esbuild.transformSync(text, { loader, minifyWhitespace: true, format: 'cjs' }).code;
      expect(out).not.toBe(text);
      fs.writeFileSync(file, out);
      return () => fs.writeFileSync(file, text);
    };
    const undo = [reformat(path.join(proj, 'config', 'settings.ts'), 'ts'), reformat(path.join(proj, 'plugins', 'refarch-policy', 'src', 'registry.js'), 'js')];
    try {
      const first = fast(['--stdout', '--env', 'dev', '--set', 'dev.web.replica=3'], proj, { REFARCH_SYNTH_FAST_DEBUG: '1' });
      expect(first.stderr).toContain('synth-fast: bundle stale or absent: building it');
      expect(first.stderr).not.toContain('falling back');
      expect(first.stderr).toContain('unknown setting "dev.web.replica". Did you mean "dev.web.replicas"?');
      const again = fast(['--stdout', '--env', 'dev'], proj, { REFARCH_SYNTH_FAST_DEBUG: '1' });
      expect(again.stderr).toContain('synth-fast: code cache used');
      expect(again.stdout).toBe(before.stdout);
    } finally {
      for (const u of undo) u();
    }
  });

  test('a source that does not bundle falls back to the TypeScript entry and its error', () => {
    fs.writeFileSync(path.join(proj, 'lib', 'broken-import.ts'), '');
    fs.appendFileSync(webTier, '\nexport const broken = ;\n');
    const r = fast(['--stdout', '--env', 'dev'], proj);
    expect(r.status).toBe(1);
    // tsx's own transform error, naming the file: what `node --import tsx scripts/synth.ts` prints.
    expect(r.stderr).toContain('web-tier.ts');
    expect(r.stderr).toMatch(/Transform failed|Unexpected ";"/);
  });
});
