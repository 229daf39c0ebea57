/**
 * e2e/harness.ts, the step runner of both e2e stages: the plan is printed before any step
 * runs, skipped steps are listed and counted, and the closing count always adds up to the
 * declared steps (a fatal failure or a crash turns the steps not run into failures), which
 * is what .ci/run checks. Each case runs a small suite in its own process, since the
 * runner ends its process with the suite's exit code.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-harness-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs `body` (TypeScript with `harness` in scope) as a suite; returns its exit code and lines. */
function suite(name: string, body: string): { status: number | null; lines: string[] } {
  const file = path.join(tmp, `${name}.ts`);
  fs.writeFileSync(file, `import { Harness } from ${JSON.stringify(path.join(root, 'e2e', 'harness'))};
const harness = new Harness({ label: 'e2e', diagnose: () => console.log('diagnose'), cleanup: () => console.log('cleanup') });
async function main(): Promise<void> {
${body}
}
main().catch((err) => harness.crashed(err));
`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, E2E_KEEP: '' } });
  return { status: r.status, lines: `${r.stdout}${r.stderr}`.split('\n') };
}

test('the plan first, then the steps; skipped steps listed and counted; a failure diagnosed and counted; exit 1', () => {
  const { status, lines } = suite('mixed', `
  await harness.run([
    { title: 'passes', run: () => 'fine' },
    { title: 'fails', run: () => { throw new Error('broken'); } },
    { title: 'not here', skip: 'needs E2E_X', run: () => { throw new Error('must not run'); } },
    { title: 'passes too', run: async () => undefined },
  ]);`);
  expect(status).toBe(1);
  expect(lines).toContain('e2e: plan: 4 steps (3 to run, 1 skipped)');
  expect(lines).toContain('e2e: skipped: 3. not here (needs E2E_X)');
  expect(lines.indexOf('e2e: plan: 4 steps (3 to run, 1 skipped)')).toBeLessThan(lines.findIndex((l) => l.includes('1. passes')));
  expect(lines.filter((l) => l === 'diagnose')).toHaveLength(1);
  expect(lines.some((l) => l.includes('must not run'))).toBe(false);
  expect(lines).toContain('  FAIL  2. fails  (broken)');
  expect(lines).toContain('  SKIP  3. not here  (needs E2E_X)');
  expect(lines).toContain('e2e: 2 passed, 1 failed, 1 skipped (of 4 declared)');
  expect(lines).toContain('cleanup');
});

test('every step passing: exit 0 and nothing skipped', () => {
  const { status, lines } = suite('green', `
  await harness.run([{ title: 'a', run: () => undefined }, { title: 'b', run: () => undefined }]);`);
  expect(status).toBe(0);
  expect(lines).toContain('e2e: 2 passed, 0 failed, 0 skipped (of 2 declared)');
});

test('a fatal failure: the steps after it count as failed, never as passed or skipped', () => {
  const { status, lines } = suite('fatal', `
  await harness.run([
    { title: 'apply', fatal: true, run: () => { throw new Error('refused'); } },
    { title: 'later', run: () => { throw new Error('must not run'); } },
    { title: 'optional', skip: 'not configured', run: () => undefined },
  ]);`);
  expect(status).toBe(1);
  expect(lines.some((l) => l.includes('must not run'))).toBe(false);
  expect(lines).toContain('  FAIL  2. later  (not run: step 1 failed and the steps after it depend on it)');
  // A declared skip that was never reached is not run either: failed, so the count adds up.
  expect(lines).toContain('e2e: 0 passed, 3 failed, 0 skipped (of 3 declared)');
});

test('a crash outside any step after the plan: the rest counts as failed; before the plan: 0 declared', () => {
  const after = suite('crash-after', `
  const steps = [{ title: 'a', run: () => undefined }, { title: 'b', run: () => { setImmediate(() => { throw new Error('boom'); }); return new Promise<void>(() => undefined); } }];
  process.on('uncaughtException', (err) => harness.crashed(err));
  await harness.run(steps);`);
  expect(after.status).toBe(1);
  expect(after.lines).toContain('e2e: 1 passed, 1 failed, 0 skipped (of 2 declared)');
  const before = suite('crash-before', `
  throw new Error('synth failed');`);
  expect(before.status).toBe(1);
  expect(before.lines.some((l) => l.startsWith('e2e: plan:'))).toBe(false);
  expect(before.lines).toContain('e2e: 0 passed, 1 failed, 0 skipped (of 0 declared)');
});

test('declaring twice or nothing is a programming error', () => {
  expect(suite('empty', '  await harness.run([]);').lines).toContain('e2e: 0 passed, 1 failed, 0 skipped (of 0 declared)');
  const twice = suite('twice', `
  await Promise.all([harness.run([{ title: 'a', run: () => new Promise<void>((r) => setTimeout(r, 200)) }]), harness.run([{ title: 'b', run: () => undefined }])]);`);
  expect(twice.status).toBe(1);
  expect(twice.lines.some((l) => l.includes('the steps were declared already'))).toBe(true);
});
