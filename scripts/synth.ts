/**
 * `npm run synth`: synthesizes the environments into dist/ (or --out) without ever
 * leaving a half-written or empty output behind.
 *
 * The app is synthesized into a temporary sibling folder; only when that succeeds
 * does the folder replace the output (two renames). On any error the previous output
 * is untouched and the exit code is 1. (`cdk8s synth` itself deletes its output folder
 * before it runs the app, so a failed `cdk8s synth` leaves dist/ empty.)
 *
 * Usage: synth.ts [--out DIR] [--env NAME]... [--set ENV.PATH=VALUE]...
 *   --env NAME         synthesize only this environment (repeatable; default: all)
 *   --set dev.web.image=refarch.local/guestbook:abc
 *                      override one setting of one environment (VALUE is parsed as
 *                      JSON when it parses, else taken as a string)
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { environments } from '../config/environments';
import { compose, newApp } from '../main';
import { ReferenceArchitectureProps } from '../lib/reference-architecture';
import { checkPolicyFolder, formatResult } from '../plugins/refarch-policy';

/** Options of {@link synthesize}. */
export interface SynthOptions {
  /** Output folder, replaced as a whole on success. */
  readonly outdir: string;
  /** Environments to synthesize. @default all */
  readonly only?: string[];
  /** `env.dotted.path` to value. */
  readonly overrides?: Record<string, unknown>;
  /** Process environment passed to the environment definitions (DB_PASSWORD). */
  readonly env?: NodeJS.ProcessEnv;
}

/** Synthesizes into a temporary folder, then swaps it in. Returns the written file names. */
export function synthesize(options: SynthOptions): string[] {
  const all = environments(options.env ?? process.env);
  const names = options.only && options.only.length > 0 ? options.only : Object.keys(all);
  const selected: Record<string, ReferenceArchitectureProps> = {};
  for (const name of names) {
    if (!(name in all)) throw new Error(`Unknown environment "${name}". Known environments: ${Object.keys(all).join(', ')}.`);
    selected[name] = structuredClone(all[name]);
  }
  for (const [key, value] of Object.entries(options.overrides ?? {})) applyOverride(selected, key, value);

  const outdir = path.resolve(options.outdir);
  const parent = path.dirname(outdir);
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.synth-${path.basename(outdir)}-`));
  try {
    compose(newApp(staging), selected).synth();
    // Manifest quality gates (plugins/refarch-policy, also run by `cdk8s synth`):
    // a violation fails here, before the swap, so dist/ keeps the previous output.
    const checks = checkPolicyFolder(staging, options.outdir);
    if (checks.violations.length > 0) throw new Error(`manifest checks failed:\n${formatResult(checks)}`);
    if (checks.skipped.length > 0) console.log(formatResult(checks));
    const files = fs.readdirSync(staging).sort();
    const previous = `${staging}.previous`;
    if (fs.existsSync(outdir)) fs.renameSync(outdir, previous);
    fs.renameSync(staging, outdir);
    fs.rmSync(previous, { recursive: true, force: true });
    return files;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Sets `env.a.b.c` in the selected environments, refusing unknown environments. */
function applyOverride(envs: Record<string, ReferenceArchitectureProps>, key: string, value: unknown): void {
  const [envName, ...pathParts] = key.split('.');
  if (!(envName in envs) || pathParts.length === 0) {
    throw new Error(`--set ${key}: must be <environment>.<setting path>, with an environment among: ${Object.keys(envs).join(', ')}.`);
  }
  let target = envs[envName] as Record<string, unknown>;
  for (const part of pathParts.slice(0, -1)) {
    if (target[part] === undefined) target[part] = {};
    if (typeof target[part] !== 'object' || target[part] === null) throw new Error(`--set ${key}: "${part}" is not an object.`);
    target = target[part] as Record<string, unknown>;
  }
  target[pathParts[pathParts.length - 1]] = value;
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function main(): void {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: 'dist' },
      env: { type: 'string', multiple: true },
      set: { type: 'string', multiple: true },
    },
  });
  const overrides: Record<string, unknown> = {};
  for (const assignment of values.set ?? []) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new Error(`--set ${assignment}: expected ENV.PATH=VALUE, e.g. dev.web.replicas=3.`);
    overrides[assignment.slice(0, eq)] = parseValue(assignment.slice(eq + 1));
  }
  const files = synthesize({ outdir: values.out!, only: values.env, overrides });
  for (const file of files) console.log(`  - ${path.join(values.out!, file)}`);
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    console.error(`synth failed: ${(err as Error).message}`);
    console.error('Nothing was written; the previous output is unchanged.');
    process.exit(1);
  }
}
