#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * `npm test [-- jest arguments]`: the full type check (`tsc --noEmit`, then lib/ under
 * tsconfig.strict-lib.json's exactOptionalPropertyTypes and noUncheckedIndexedAccess) and the unit tests
 * (jest project "unit", see jest.config.js), run at the same time instead of one after the
 * other. jest's output streams as it runs; tsc's is printed when it ends. Fails (exit 1) when
 * either fails; both always run to the end, so one run reports every problem.
 *
 *   npm test                       type check + unit tests (the inner loop)
 *   npm test -- test/foo.test.ts   type check + the named tests, whichever group they are in
 *   npm run test:integration       the integration tests only (they start processes)
 *   npm run test:all               type check + every test: what CI runs
 *
 * tsc is incremental: it keeps what it learned about unchanged files in
 * .cache/tsc/tsbuildinfo (git-ignored; not node_modules/.cache, which may be shared
 * between checkouts) and re-checks what changed and everything that depends on it: the
 * same diagnostics as a full run. Delete .cache/tsc to start from nothing.
 */
const { spawn } = require('child_process');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const bin = (name) => path.join(ROOT, 'node_modules', '.bin', name);
const started = Date.now();

/** @param {string} command @param {string[]} args @param {boolean} buffered @returns {Promise<{ status: number, output: string, skipped?: boolean }>} */
function run(command, args, buffered) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: buffered ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    if (buffered) {
      child.stdout?.on('data', (d) => { output += d; });
      child.stderr?.on('data', (d) => { output += d; });
    }
    child.on('error', (err) => resolve({ status: 1, output: `${command}: ${err.message}\n` }));
    child.on('close', (status, signal) => resolve({ status: status ?? (signal ? 1 : 0), output }));
  });
}

/**
 * The jest arguments for a mode flag (--integration, --all; default: unit), or all projects
 * when the user names test files or patterns, so `npm test -- test/synth.test.ts` runs it.
 * @param {string[]} args
 * @returns {{ jestArgs: string[], typeCheck: boolean }}
 */
function plan(args) {
  const mode = args.includes('--integration') ? 'integration' : args.includes('--all') ? 'all' : 'unit';
  const rest = args.filter((a) => a !== '--integration' && a !== '--all');
  // A positional argument (one not starting with -, nor the value of an option that takes one) selects tests.
  const takesValue = /^(--(outputFile|testNamePattern|testTimeout|maxWorkers|reporters|shard|seed|config|selectProjects)|-[tcw])$/;
  const named = rest.some((a, i) => !a.startsWith('-') && !(i > 0 && takesValue.test(rest[i - 1])));
  const projects = mode === 'all' || (mode === 'unit' && named) ? [] : ['--selectProjects', mode];
  return { jestArgs: [...projects, ...rest], typeCheck: mode !== 'integration' };
}

async function main() {
  const { jestArgs, typeCheck } = plan(process.argv.slice(2));
  // The project, then lib/ under the strictest settings a user's project may have (tsconfig.strict-lib.json).
  const tsc = typeCheck
    ? run(bin('tsc'), ['--noEmit', '--incremental', '--tsBuildInfoFile', path.join(ROOT, '.cache', 'tsc', 'tsbuildinfo')], true)
      .then((first) => (first.status !== 0 ? first
        : run(bin('tsc'), ['-p', 'tsconfig.strict-lib.json', '--incremental', '--tsBuildInfoFile', path.join(ROOT, '.cache', 'tsc', 'strict-lib.tsbuildinfo')], true)))
    : Promise.resolve({ status: 0, output: '', skipped: true });
  const jest = run(bin('jest'), jestArgs, false);
  const [t, j] = await Promise.all([tsc, jest]);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (t.status !== 0) process.stderr.write(`\ntsc --noEmit failed:\n${t.output}`);
  const typeResult = t.skipped ? 'not run (npm test or npm run test:all runs it)' : t.status === 0 ? 'passed' : 'FAILED';
  process.stderr.write(`\ntype check ${typeResult}, jest ${j.status === 0 ? 'passed' : 'FAILED'} (${seconds} s)\n`);
  process.exitCode = t.status === 0 && j.status === 0 ? 0 : 1;
}

// Ctrl-C reaches both children (same process group); wait for them to end.
process.on('SIGINT', () => { process.exitCode = 130; });
main();
