#!/usr/bin/env node
// @ts-check
'use strict';
/**
 * `npm test [-- jest arguments]`: the full type check (`tsc --noEmit`) and jest, run at the
 * same time instead of one after the other. jest's output streams as it runs; tsc's is
 * printed when it ends. Fails (exit 1) when either fails; both always run to the end, so
 * one run reports every problem.
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

/** @param {string} command @param {string[]} args @param {boolean} buffered */
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

async function main() {
  const tsc = run(bin('tsc'), ['--noEmit', '--incremental', '--tsBuildInfoFile', path.join(ROOT, '.cache', 'tsc', 'tsbuildinfo')], true);
  const jest = run(bin('jest'), process.argv.slice(2), false);
  const [t, j] = await Promise.all([tsc, jest]);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (t.status !== 0) process.stderr.write(`\ntsc --noEmit failed:\n${t.output}`);
  process.stderr.write(`\ntype check ${t.status === 0 ? 'passed' : 'FAILED'}, jest ${j.status === 0 ? 'passed' : 'FAILED'} (${seconds} s)\n`);
  process.exitCode = t.status === 0 && j.status === 0 ? 0 : 1;
}

// Ctrl-C reaches both children (same process group); wait for them to end.
process.on('SIGINT', () => { process.exitCode = 130; });
main();
