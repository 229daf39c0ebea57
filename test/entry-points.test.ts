/**
 * One synth pipeline behind every entry point (issue 18, item 1): `cdk8s synth` with the
 * project's cdk8s.yaml, `npm run synth` (also from its startup snapshot), the fast entry (scripts/synth-fast.js), the
 * TypeScript entries (scripts/synth.ts, main.ts run directly) and `npm run watch` run the
 * same settings check, construct checks, policy rules, secret refusal and safe writer.
 *
 * One table: each bad input goes through each entry point, as a real process in a copy of
 * the project (a git work tree of its own), and must give the same message while leaving
 * dist/, and every other file the command does not own, byte for byte as it was. The last
 * row is valid input: every entry point writes the same dist/ (the committed one).
 */
import { spawn, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makeSnapshot } from './support';

const root = path.resolve(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-entry-points-'));
const proj = path.join(tmp, 'proj');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const baseEnv: NodeJS.ProcessEnv = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };
for (const name of ['DB_PASSWORD', 'INIT_CWD', 'CDK8S_OUTDIR', 'REFARCH_SYNTH_FAST_DEBUG']) delete baseEnv[name];

/** What a run printed. */
interface Outcome { status: number | null; stdout: string; stderr: string }

/** An entry point: how to run it with an output folder (undefined: the default, dist/). */
interface EntryPoint { name: string; run: (out: string | undefined, env: NodeJS.ProcessEnv) => Promise<Outcome> }

function runProcess(argv: string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
  const r = spawnSync(argv[0], argv.slice(1), { cwd: proj, env: { ...baseEnv, ...env }, encoding: 'utf8', timeout: 120_000 });
  return Promise.resolve({ status: r.status, stdout: r.stdout, stderr: r.stderr });
}

/** A run of the synth command that must start from its startup snapshot (test/synth-snapshot.test.ts tests the snapshot itself). */
function snapshotRun(argv: string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
  makeSnapshot(proj, { ...baseEnv, ...env });
  return runProcess(argv, { ...env, REFARCH_SYNTH_FAST_DEBUG: '1' }).then((o) => {
    if (!o.stderr.includes('synth-fast: startup snapshot used')) throw new Error(`the synth command did not start from its snapshot:\n${o.stderr}`);
    return { ...o, stderr: o.stderr.split('\n').filter((l) => !l.startsWith('synth-fast: ')).join('\n') };
  });
}

/**
 * `npm run watch`: started, read until its first run is over (it then says it is
 * watching), and stopped with Ctrl-C (SIGINT to its process group, which it leads).
 */
function runWatch(args: string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'watch', '--', ...args], { cwd: proj, env: { ...baseEnv, ...env }, detached: true });
    let stdout = '';
    let stderr = '';
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      process.kill(-child.pid!, 'SIGINT');
    };
    const timer = setTimeout(() => { stop(); reject(new Error(`npm run watch did not finish its first run in 120 s:\n${stdout}\n${stderr}`)); }, 120_000);
    child.stdout.on('data', (d) => { stdout += d; if (stdout.includes('watch: watching')) stop(); });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
  });
}

const cdk8s = path.join(root, 'node_modules', '.bin', 'cdk8s');
const ENTRY_POINTS: readonly EntryPoint[] = [
  { name: 'cdk8s synth', run: (out, env) => runProcess([cdk8s, 'synth', '--check-upgrade=false', ...(out ? ['-o', out] : [])], env) },
  { name: 'npm run synth', run: (out, env) => runProcess(['npm', 'run', '--silent', 'synth', '--', ...(out ? ['--out', out] : [])], env) },
  // The synth command from its startup snapshot, made first for the sources as they are (bad ones included).
  { name: 'synth command from its startup snapshot', run: (out, env) => snapshotRun(['sh', 'scripts/synth.sh', ...(out ? ['--out', out] : [])], env) },
  { name: 'fast entry: node scripts/synth-fast.js', run: (out, env) => runProcess([process.execPath, 'scripts/synth-fast.js', ...(out ? ['--out', out] : [])], env) },
  { name: 'TypeScript entry: node --import tsx scripts/synth.ts', run: (out, env) => runProcess([process.execPath, '--import', 'tsx', 'scripts/synth.ts', ...(out ? ['--out', out] : [])], env) },
  // As a cdk8s app of someone's own cdk8s.yaml would run it: the output folder is CDK8S_OUTDIR.
  { name: 'main.ts run directly (a cdk8s app)', run: (out, env) => runProcess([process.execPath, '--import', 'tsx', 'main.ts'], out ? { ...env, CDK8S_OUTDIR: out } : env) },
  { name: 'npm run watch', run: (out, env) => runWatch(out ? ['--out', out] : [], env) },
];

/** Rewrites config/environments.ts with `edit`, which must change it. */
function editEnvironments(edit: (text: string) => string): () => void {
  const file = path.join(proj, 'config', 'environments.ts');
  const before = fs.readFileSync(file, 'utf8');
  const after = edit(before);
  if (after === before) throw new Error('the edit of config/environments.ts matched nothing: update this test to the file');
  fs.writeFileSync(file, after);
  return () => fs.writeFileSync(file, before);
}
/** config/environments.ts with dev's `<key>: <value>` in its web block replaced. */
const devWeb = (find: RegExp, replace: string) => () => editEnvironments((t) => t.replace(/(dev: \{[\s\S]*?web: \{[\s\S]*?)(\n\s*\})/, (_m, block: string, end: string) => block.replace(find, replace) + end));

interface BadInput {
  what: string;
  /** Sets the input up; returns the undo. */
  setUp?: () => () => void;
  env?: NodeJS.ProcessEnv;
  out?: string;
  /** Part of the message every entry point must print. */
  says: string;
}

const BAD_INPUTS: readonly BadInput[] = [
  { what: 'a typo in config/environments.ts', setUp: devWeb(/\breplicas: 2,/, 'replica: 2,'), says: 'config/environments.ts: dev.web.replica: unknown setting "dev.web.replica". Did you mean "dev.web.replicas"?' },
  { what: 'a wrong type in config/environments.ts', setUp: devWeb(/\breplicas: 2,/, "replicas: 'two',"), says: 'config/environments.ts: dev.web.replicas: setting "dev.web.replicas" must be a number; got "two" (string).' },
  { what: 'a value a construct refuses', setUp: devWeb(/\breplicas: 2,/, 'replicas: -1,'), says: 'Invalid dev/Web: replicas: -1.' },
  { what: 'a real DB_PASSWORD', env: { DB_PASSWORD: 'a-real-password-1' }, says: 'refusing to write a real secret into' },
  { what: 'an output that is a source folder', out: 'config/generated', says: 'config/generated: refusing to write into' },
  { what: 'a policy violation', setUp: devWeb(/\btitle: '[^']*',/, "title: 'AKIAIOSFODNN7EXAMPLE',"), says: 'holds a literal value, and its value looks like an AWS access key id. [no-literal-secrets]' },
];

/** Every file of the project a command does not own, with its hash (not node_modules, .git, .cache or the cdk8s CLI's cdk8s.out/). */
function tree(dir = proj, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (!rel && ['node_modules', '.git', '.cache', 'cdk8s.out'].includes(e.name)) continue;
    if (e.isDirectory()) Object.assign(out, tree(path.join(dir, e.name), r));
    else out[r] = crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, e.name))).digest('hex');
  }
  return out;
}
const distOf = (t: Record<string, string>) => Object.fromEntries(Object.entries(t).filter(([f]) => f.startsWith('dist/')));
/** The message of a failed synth: between "synth failed: " and the line saying nothing was written. */
const messageOf = (o: Outcome) => /synth failed: ([\s\S]*?)\nNothing was written; the previous output is unchanged\./.exec(o.stderr)?.[1];

beforeAll(() => {
  for (const p of ['main.ts', 'package.json', 'cdk8s.yaml', 'tsconfig.json', 'lib', 'config', 'imports', 'scripts', 'dist']) {
    fs.cpSync(path.join(root, p), path.join(proj, p), { recursive: true });
  }
  fs.cpSync(path.join(root, 'plugins', 'refarch-policy'), path.join(proj, 'plugins', 'refarch-policy'), { recursive: true, filter: (src) => !path.relative(path.join(root, 'plugins', 'refarch-policy'), src).split(path.sep).includes('test') });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(proj, 'node_modules'));
  // A git work tree, as a checkout is: the secret refusal is about files inside one.
  expect(spawnSync('git', ['init', '-q', proj]).status).toBe(0);
});

describe.each(BAD_INPUTS)('$what', (input) => {
  let outcomes: Array<[string, Outcome]>;
  let before: Record<string, string>;
  const after: Record<string, Record<string, string>> = {};
  beforeAll(async () => {
    const undo = input.setUp?.();
    try {
      before = tree();
      outcomes = [];
      for (const entry of ENTRY_POINTS) {
        outcomes.push([entry.name, await entry.run(input.out, input.env ?? {})]);
        after[entry.name] = tree();
      }
    } finally {
      undo?.();
    }
  }, 600_000);

  test('every entry point fails with the same message', () => {
    const messages = outcomes.map(([name, o]) => [name, messageOf(o) ?? `no synth failure in:\n${o.stderr}\n${o.stdout}`]);
    for (const [name, message] of messages) expect({ name, message }).toEqual({ name, message: expect.stringContaining(input.says) });
    for (const [name, message] of messages) expect({ name, message }).toEqual({ name, message: messages[0][1] });
    // The commands exit non-zero; the watch loop keeps watching until Ctrl-C.
    for (const [name, o] of outcomes.filter(([n]) => n !== 'npm run watch')) expect({ name, failed: o.status !== 0 }).toEqual({ name, failed: true });
  });

  test('every entry point leaves dist/ and every other file it does not own byte for byte as they were', () => {
    for (const entry of ENTRY_POINTS) {
      expect({ entry: entry.name, dist: distOf(after[entry.name]) }).toEqual({ entry: entry.name, dist: distOf(before) });
      expect({ entry: entry.name, files: after[entry.name] }).toEqual({ entry: entry.name, files: before });
    }
    expect(Object.keys(distOf(before)).sort()).toEqual(['dist/.refarch-synth.manifest', 'dist/dev.k8s.yaml', 'dist/prod.k8s.yaml']);
  });
});

describe('valid input', () => {
  const results: Array<[string, Outcome, Record<string, string>]> = [];
  let committed: Record<string, string>;
  beforeAll(async () => {
    committed = tree();
    for (const entry of ENTRY_POINTS) {
      // Each starts from a dist/ that is not the answer, so that a run that writes nothing fails.
      fs.appendFileSync(path.join(proj, 'dist', 'dev.k8s.yaml'), '# stale\n');
      const outcome = await entry.run(undefined, {});
      results.push([entry.name, outcome, tree()]);
    }
  }, 600_000);

  test('every entry point writes the same dist/: the committed one', () => {
    for (const [name, o, files] of results) {
      // The watch loop keeps running until stopped: its exit says nothing.
      expect({ name, status: name === 'npm run watch' ? 0 : o.status, failed: messageOf(o) }).toEqual({ name, status: 0, failed: undefined });
      expect({ name, files }).toEqual({ name, files: committed });
    }
  });

  test('cdk8s synth lists its staging copies and names dist/ as the output', () => {
    const [, o] = results.find(([name]) => name === 'cdk8s synth')!;
    expect(o.stdout).toContain('  - cdk8s.out/dev.k8s.yaml');
    expect(o.stderr).toContain('  - dist/dev.k8s.yaml\n  - dist/prod.k8s.yaml\n');
    for (const f of ['dev.k8s.yaml', 'prod.k8s.yaml']) expect(fs.readFileSync(path.join(proj, 'cdk8s.out', f), 'utf8')).toBe(fs.readFileSync(path.join(proj, 'dist', f), 'utf8'));
  });
});
