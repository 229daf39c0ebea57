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
 *
 * When no file changed since the last passing check, tsc does not run at all (it would
 * spend ~3 s of CPU re-reading 600 files to find that out). "No file changed" is decided
 * from .cache/tsc/passed, written after a passing check: the size, mtime, ctime and inode
 * of every file of that check's program (tsbuildinfo lists them, node_modules and
 * TypeScript's lib files included) and of every file under the folders tsconfig.json
 * includes (so a new file counts), plus tsconfig.json, package.json, package-lock.json,
 * Node.js and TypeScript versions. ctime cannot be set back by tools that restore mtimes
 * (tar, cp -p, mv, touch -d), so an edit always shows. A file changed after the check
 * started (or within a second of it) leaves no record: the next run checks again.
 */
const { spawn } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const bin = (name) => path.join(ROOT, 'node_modules', '.bin', name);
const started = Date.now();
const TSC_CACHE = path.join(ROOT, '.cache', 'tsc');
const BUILD_INFO = path.join(TSC_CACHE, 'tsbuildinfo');
const PASSED = path.join(TSC_CACHE, 'passed');
/** A file whose ctime or mtime is this close to (or after) the check's start may have changed during it. */
const RACY_MS = 1000;

/**
 * Every file under what tsconfig.json includes ("lib/**\/*.ts" walks lib/; "main.ts" is a
 * file), any extension, without node_modules folders and tsconfig.json's excludes.
 * Undefined if tsconfig.json cannot be read as plain JSON or has inputs besides "include":
 * then tsc always runs.
 * @returns {string[] | undefined}
 */
function includedFiles() {
  let config;
  try {
    config = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8'));
  } catch {
    return undefined;
  }
  // Inputs this walk would not see (a base config, listed files, other projects): always check.
  if (!Array.isArray(config.include) || config.extends || config.files || config.references) return undefined;
  const excluded = new Set((config.exclude ?? []).map((/** @type {string} */ e) => path.normalize(e)));
  /** @type {string[]} */
  const files = [];
  /** @param {string} rel */
  const walk = (rel) => {
    if (excluded.has(rel) || path.basename(rel) === 'node_modules') return;
    let st;
    try {
      st = fs.lstatSync(path.join(ROOT, rel));
    } catch {
      return;
    }
    if (st.isDirectory()) for (const name of fs.readdirSync(path.join(ROOT, rel)).sort()) walk(path.join(rel, name));
    else files.push(rel);
  };
  for (const pattern of config.include) walk(path.normalize(String(pattern).split(/\/?\*/)[0] || '.'));
  return [...new Set(files)];
}

/**
 * What the last check depended on, as one digest; undefined when it cannot be told (no
 * tsbuildinfo yet, an unreadable config) or a file changed at or after `since`.
 * @param {number} since
 * @returns {string | undefined}
 */
function inputsDigest(since) {
  let fileNames;
  try {
    fileNames = JSON.parse(fs.readFileSync(BUILD_INFO, 'utf8')).fileNames;
  } catch {
    return undefined;
  }
  const included = includedFiles();
  if (!Array.isArray(fileNames) || !included) return undefined;
  let typescript = 'none';
  try {
    typescript = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'typescript', 'package.json'), 'utf8')).version;
  } catch { /* tsc will say what is wrong */ }
  const hash = crypto.createHash('sha256').update(`${process.version}\0${typescript}\0`);
  const files = [...included, ...fileNames.map((/** @type {string} */ f) => path.relative(ROOT, path.resolve(TSC_CACHE, f))), 'tsconfig.json', 'package.json', 'package-lock.json'];
  for (const file of files) {
    let s;
    try {
      s = fs.statSync(path.resolve(ROOT, file));
    } catch {
      hash.update(`${file}\0(none)\n`);
      continue;
    }
    if (s.ctimeMs >= since - RACY_MS || s.mtimeMs >= since - RACY_MS) return undefined;
    hash.update(`${file}\0${s.size}\0${s.mtimeMs}\0${s.ctimeMs}\0${s.ino}\n`);
  }
  return hash.digest('hex');
}

/** @returns {Promise<{ status: number, output: string, skipped?: boolean }>} */
async function typeCheck() {
  const before = inputsDigest(started);
  let passed;
  try {
    passed = fs.readFileSync(PASSED, 'utf8');
  } catch { /* none yet */ }
  if (before !== undefined && before === passed) return { status: 0, output: '', skipped: true };
  fs.rmSync(PASSED, { force: true });
  const checkStarted = Date.now();
  const result = await run(bin('tsc'), ['--noEmit', '--incremental', '--tsBuildInfoFile', BUILD_INFO], true);
  if (result.status === 0) {
    // Stat'ed after the check: a file touched since it started leaves no record.
    const after = inputsDigest(checkStarted);
    if (after !== undefined) fs.writeFileSync(PASSED, after);
  }
  return result;
}

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
  const tsc = typeCheck();
  const jest = run(bin('jest'), process.argv.slice(2), false);
  const [t, j] = await Promise.all([tsc, jest]);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (t.status !== 0) process.stderr.write(`\ntsc --noEmit failed:\n${t.output}`);
  const typeResult = t.skipped ? 'passed (no input changed since the last passing check)' : t.status === 0 ? 'passed' : 'FAILED';
  process.stderr.write(`\ntype check ${typeResult}, jest ${j.status === 0 ? 'passed' : 'FAILED'} (${seconds} s)\n`);
  process.exitCode = t.status === 0 && j.status === 0 ? 0 : 1;
}

// Ctrl-C reaches both children (same process group); wait for them to end.
process.on('SIGINT', () => { process.exitCode = 130; });
main();
