/**
 * `npm run diff`: what a change does to the synthesized objects, object by object and
 * field by field.
 *
 *   npm run diff                         committed dist/ of HEAD -> working-tree dist/ (run `npm run synth` first)
 *   npm run diff -- main                 committed dist/ of main -> working-tree dist/
 *   npm run diff -- --from a.yaml --to b.yaml   two files
 *   npm run diff -- --format markdown    for a pull request description
 *   npm run diff -- --env prod           only some environments (repeatable)
 *   npm run diff -- --exit-code          exit 1 when there are differences (like git diff)
 *   npm run diff -- --cluster [-- KUBECTL ARGS]   live cluster vs working-tree dist/ via `kubectl diff --server-side`
 *
 * The old side is read with `git show REV:dist/<env>.k8s.yaml` rather than synthesized
 * from REV's sources: dist/ is committed, so it is exact and takes milliseconds.
 * Exit status: 0 (or 1 with --exit-code and differences), 2 on bad usage or errors.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { distEnvironments, parseManifests, readManifests } from './manifests';
import { FileDiff, diffManifests, formatMarkdown, formatText } from './semantic-diff';

// The repository is the one the command runs in (npm runs scripts at the package root), like git.
function repoRoot(cwd: string): string {
  const r = spawnSync('git', ['rev-parse', '--show-toplevel'], { cwd, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : cwd;
}
const USAGE = 'usage: npm run diff -- [REV] [--env NAME]... [--format text|markdown] [--exit-code]\n'
  + '       npm run diff -- --from OLD.yaml --to NEW.yaml [--format text|markdown] [--exit-code]\n'
  + '       npm run diff -- --cluster [--env NAME]... [--format text|markdown] [-- KUBECTL_ARGS...]';

export class UsageError extends Error {}

export interface DiffOptions {
  readonly rev: string;
  readonly envs: readonly string[];
  readonly format: 'text' | 'markdown';
  readonly exitCode: boolean;
  readonly cluster: boolean;
  readonly from?: string;
  readonly to?: string;
  readonly kubectlArgs: readonly string[];
}

export function parseArgs(argv: readonly string[]): DiffOptions {
  let rev: string | undefined;
  const envs: string[] = [];
  let format: DiffOptions['format'] = 'text';
  let exitCode = false;
  let cluster = false;
  let from: string | undefined;
  let to: string | undefined;
  let kubectlArgs: string[] = [];
  const value = (i: number, flag: string) => {
    const v = argv[i + 1];
    if (v === undefined || v === '' || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { kubectlArgs = argv.slice(i + 1) as string[]; break; }
    if (a === '--format') {
      const v = value(i++, a);
      if (v !== 'text' && v !== 'markdown') throw new UsageError(`--format: ${JSON.stringify(v)}. Allowed: text, markdown`);
      format = v;
    } else if (a === '--env') envs.push(value(i++, a));
    else if (a === '--from') from = value(i++, a);
    else if (a === '--to') to = value(i++, a);
    else if (a === '--exit-code') exitCode = true;
    else if (a === '--cluster') cluster = true;
    else if (a === '-h' || a === '--help') throw new UsageError('');
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${JSON.stringify(a)}`);
    else if (rev === undefined) rev = a;
    else throw new UsageError(`only one revision may be given (got ${JSON.stringify(rev)} and ${JSON.stringify(a)})`);
  }
  if ((from === undefined) !== (to === undefined)) throw new UsageError('--from and --to go together');
  if (from !== undefined && (rev !== undefined || cluster || envs.length)) throw new UsageError('--from/--to compare two files: no REV, --env or --cluster with them');
  if (cluster && rev !== undefined) throw new UsageError(`--cluster compares the live cluster with the working-tree dist/: no REV (got ${JSON.stringify(rev)})`);
  if (kubectlArgs.length && !cluster) throw new UsageError('arguments after -- are for kubectl and need --cluster');
  return { rev: rev ?? 'HEAD', envs, format, exitCode, cluster, from, to, kubectlArgs };
}

function git(root: string, args: string[]): { ok: boolean; out: string; err: string } {
  const r = spawnSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  return { ok: r.status === 0, out: r.stdout ?? '', err: (r.stderr ?? '').trim() };
}

function selectEnvs(available: readonly string[], wanted: readonly string[]): string[] {
  for (const e of wanted) if (!available.includes(e)) throw new UsageError(`--env ${JSON.stringify(e)}: no dist/${e}.k8s.yaml. Environments: ${available.join(', ')}`);
  return wanted.length ? [...wanted] : [...available];
}

/** Diffs REV's committed dist/ against the working tree's dist/, one FileDiff per environment file. */
export function diffAgainstRevision(root: string, rev: string, envs: readonly string[]): FileDiff[] {
  const commit = git(root, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
  if (!commit.ok) throw new UsageError(`${JSON.stringify(rev)} is not a revision of this repository`);
  const tree = git(root, ['ls-tree', '--name-only', `${rev}:dist`]);
  const old = tree.ok ? tree.out.split('\n').filter((f) => f.endsWith('.k8s.yaml')).map((f) => f.slice(0, -'.k8s.yaml'.length)) : [];
  const distDir = path.join(root, 'dist');
  const now = fs.existsSync(distDir) ? distEnvironments(distDir) : [];
  return selectEnvs([...new Set([...old, ...now])].sort(), envs).map((env) => {
    const file = `dist/${env}.k8s.yaml`;
    const before = old.includes(env) ? parseManifests(git(root, ['show', `${rev}:${file}`]).out, `${rev}:${file}`) : [];
    const after = now.includes(env) ? readManifests(path.join(root, file)) : [];
    return { name: file, objects: diffManifests(before, after) };
  });
}

/** `kubectl diff --server-side` of each environment file; kubectl masks Secret values itself. */
export function diffAgainstCluster(root: string, envs: readonly string[], kubectlArgs: readonly string[], format: DiffOptions['format'], kubectl = process.env.KUBECTL || 'kubectl'): { text: string; differs: boolean } {
  const distDir = path.join(root, 'dist');
  const parts: string[] = [];
  let differs = false;
  for (const env of selectEnvs(distEnvironments(distDir), envs)) {
    const file = `dist/${env}.k8s.yaml`;
    // env given explicitly: PATH is looked up in it (and in tests process.env is not the real environment).
    const r = spawnSync(kubectl, ['diff', '--server-side', '--force-conflicts', ...kubectlArgs, '-f', path.join(root, file)], { encoding: 'utf8', env: process.env, maxBuffer: 256 * 2 ** 20 });
    if (r.error) throw new Error(`could not run ${kubectl}: ${r.error.message}`);
    // kubectl diff: 0 no differences, 1 differences, anything else an error.
    if (r.status !== 0 && r.status !== 1) throw new Error(`kubectl diff of ${file} failed (exit ${r.status}):\n${(r.stderr || r.stdout).trim()}`);
    const body = r.stdout.trimEnd();
    differs ||= r.status === 1;
    if (format === 'markdown') {
      const run = Math.max(2, ...(body.match(/`+/g) ?? []).map((m) => m.length));
      const fence = '`'.repeat(run + 1);
      parts.push(`#### \`${file}\` vs the cluster`, '', r.status === 0 ? 'No differences.' : `${fence}diff\n${body}\n${fence}`, '');
    } else {
      parts.push(`--- cluster vs ${file}`, r.status === 0 ? 'No differences.' : body);
    }
  }
  const text = format === 'markdown' ? `### Cluster changes\n\n${parts.join('\n')}` : `${parts.join('\n')}\n`;
  return { text, differs };
}

export interface Io {
  readonly cwd: string;
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  /** The kubectl to run for --cluster; default $KUBECTL or kubectl on PATH. */
  readonly kubectl?: string;
}

const processIo: Io = { cwd: process.cwd(), out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

export function main(argv: readonly string[], io: Io = processIo): number {
  let opts: DiffOptions;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(e.message ? `diff: ${e.message}\n${USAGE}\n` : `${USAGE}\n`);
    return e.message ? 2 : 0;
  }
  try {
    if (opts.cluster) {
      const { text, differs } = diffAgainstCluster(repoRoot(io.cwd), opts.envs, opts.kubectlArgs, opts.format, io.kubectl);
      io.out(text);
      return opts.exitCode && differs ? 1 : 0;
    }
    const files: FileDiff[] = opts.from !== undefined
      ? [{ name: `${opts.from} -> ${opts.to}`, objects: diffManifests(readManifests(path.resolve(io.cwd, opts.from)), readManifests(path.resolve(io.cwd, opts.to!))) }]
      : diffAgainstRevision(repoRoot(io.cwd), opts.rev, opts.envs);
    const title = opts.from !== undefined ? 'Manifest changes' : `Manifest changes (${opts.rev} -> working tree)`;
    io.out(opts.format === 'markdown' ? formatMarkdown(files, title) : formatText(files));
    return opts.exitCode && files.some((f) => f.objects.length > 0) ? 1 : 0;
  } catch (e) {
    io.err(`diff: ${e instanceof Error ? e.message : String(e)}${e instanceof UsageError ? `\n${USAGE}` : ''}\n`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
