/**
 * The committed dist/ is what a fresh synth produces, and a failed synth writes nothing.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthesize } from '../scripts/synth';

const root = path.resolve(__dirname, '..');
const read = (dir: string) => Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
let tmp: string;

beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-synth-test-')); });
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('the committed dist/ matches a fresh synth (run `npm run synth` and commit if this fails)', () => {
  const files = synthesize({ outdir: path.join(tmp, 'dist'), env: {} });
  expect(files).toEqual(['dev.k8s.yaml', 'prod.k8s.yaml']);
  expect(read(path.join(root, 'dist'))).toEqual(read(path.join(tmp, 'dist')));
});

test('synthesis is deterministic', () => {
  synthesize({ outdir: path.join(tmp, 'a'), env: {} });
  synthesize({ outdir: path.join(tmp, 'b'), env: {} });
  expect(read(path.join(tmp, 'a'))).toEqual(read(path.join(tmp, 'b')));
});

test('overrides change one environment and leave the rest; --env selects', () => {
  const files = synthesize({ outdir: path.join(tmp, 'out'), env: {}, only: ['dev'], overrides: { 'dev.web.image': 'refarch.local/guestbook:e2e', 'dev.web.title': 'Changed' } });
  expect(files).toEqual(['dev.k8s.yaml']);
  const yaml = fs.readFileSync(path.join(tmp, 'out', 'dev.k8s.yaml'), 'utf8');
  expect(yaml).toContain('image: refarch.local/guestbook:e2e');
  expect(yaml).toContain('APP_TITLE: Changed');
});

describe('npm run synth on bad input', () => {
  const runSynth = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/synth.ts', '--out', path.join(tmp, 'dist'), ...args], {
    cwd: root, encoding: 'utf8', env: { ...process.env, DB_PASSWORD: '', ...env },
  });

  beforeEach(() => {
    fs.mkdirSync(path.join(tmp, 'dist'));
    fs.writeFileSync(path.join(tmp, 'dist', 'dev.k8s.yaml'), 'previous output\n');
  });

  test.each([
    [['--set', 'dev.web.replicas=0'], 'Invalid dev/Web: replicas: 0. Must be an integer from 1 to 1000.'],
    [['--set', 'dev.web.image=nginx'], 'Invalid dev/Web: image: "nginx". Must be an image reference pinned to a tag or digest'],
    [['--set', 'dev.database.storage=ten gigs'], 'Invalid dev/Database: storage: "ten gigs". Must be a non-negative Kubernetes quantity'],
    [['--set', 'dev.web.servicePort=65536'], 'Invalid dev/Web: servicePort: 65536. Must be an integer from 1 to 65535.'],
    [['--set', 'prod.ingress.host=https://x'], 'Invalid prod/Ingress: host: "https://x". Must be a fully qualified lowercase hostname'],
    [['--set', 'dev.namespace=Dev_NS'], 'Invalid dev: namespace: "Dev_NS". Must be a DNS-1123 label'],
    [['--set', 'prod.web.replicas=3'], 'Invalid prod/Web: replicas: 3. Conflicts with autoscaling'],
    [['--env', 'staging'], 'Unknown environment "staging". Known environments: dev, prod.'],
  ])('%j fails with its message and leaves the previous output untouched', (args, message) => {
    const result = runSynth(args);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('Nothing was written; the previous output is unchanged.');
    expect(read(path.join(tmp, 'dist'))).toEqual({ 'dev.k8s.yaml': 'previous output\n' });
    expect(fs.readdirSync(tmp)).toEqual(['dist']);
  });

  test('a good synth replaces the output; DB_PASSWORD sets the dev password', () => {
    const result = runSynth(['--env', 'dev'], { DB_PASSWORD: 'from-the-environment' });
    expect(result.status).toBe(0);
    const yaml = fs.readFileSync(path.join(tmp, 'dist', 'dev.k8s.yaml'), 'utf8');
    expect(yaml).toContain(`password: ${Buffer.from('from-the-environment').toString('base64')}`);
    expect(fs.readdirSync(tmp)).toEqual(['dist']);
  });
});

test('`cdk8s synth` runs the same app offline (upgrade check off) and writes both environments', () => {
  const out = path.join(tmp, 'cdk8s-out');
  execFileSync(path.join(root, 'node_modules', '.bin', 'cdk8s'), ['synth', '--check-upgrade=false', '--output', out], {
    cwd: root, env: { ...process.env, DB_PASSWORD: '', CDK8S_CHECK_UPGRADE: 'false' }, stdio: 'pipe',
  });
  expect(read(out)).toEqual(read(path.join(root, 'dist')));
}, 60_000);
