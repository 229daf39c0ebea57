/**
 * The command line of the synth pipeline, which every entry point runs (`npm run synth`,
 * `cdk8s synth` through cdk8s.yaml's `app`, `npm run watch`, scripts/synth.ts, main.ts):
 * options, usage, where the output goes, and the order of the steps. Everything is
 * checked (options, settings, constructs, quality gates, output folder, secrets) before
 * the first byte is written. docs/synth.md describes the whole.
 */
import * as path from 'path';
import { parseArgs } from 'util';
import { OutputError, checkOutputFolder, gitWorkTreeOf, writeOutput } from './output';
import { render } from './render';
import { timed } from './timing';

export const USAGE = `Usage: npm run synth -- [options]

Synthesizes the environments of config/environments.ts, one <env>.k8s.yaml each, after
checking every setting against config/settings.schema.json, the constructs' own checks
and the manifest quality gates. Nothing is written unless all of them pass.

Options:
  --out DIR             Output folder (default: the project's dist/; a relative DIR is
                        taken from where you ran npm). Must be new, empty, or made by an
                        earlier synth (it lists its files in DIR/.refarch-synth.manifest); only
                        those files are replaced or removed. Never the project root, a
                        source folder or a file.
  --env NAME            Synthesize only this environment (repeatable; default: all). The
                        files of the other environments stay as they are.
  --set ENV.PATH=VALUE  Override one setting of one environment (repeatable, in order).
                        VALUE is JSON when it parses as JSON (3, true, null, "text",
                        {"a":1}, ["x"]), else the text itself; text starting with { [ or "
                        must be valid JSON. null unsets the setting.
  --stdout              Print the YAML of the single --env to stdout (for kubectl apply -f -)
                        and write nothing.
  --cdk8s-app           Run as a cdk8s app: what cdk8s.yaml's \`app\` and \`main.ts\` run. The
                        output folder is CDK8S_OUTDIR, which the cdk8s CLI sets (unset: dist/);
                        the written files are listed on stderr (the CLI keeps stdout).
  --cdk8s-staging DIR   With --cdk8s-app: DIR is cdk8s.yaml's \`output\`, a folder the cdk8s CLI
                        deletes before every run. CDK8S_OUTDIR equal to DIR means the project's
                        dist/; the files are also copied into DIR, for the CLI to list.
  -h, --help            Print this help.

Settings (keys, types, defaults): docs/configuration.md
(generated from config/settings.schema.json).

Environment:
  DB_PASSWORD           Password of dev's rendered Secret (default: the marked dev-only
                        placeholder). Refused for an output inside a git work tree: use
                        --out <dir outside the repository> or --stdout.

Every entry point runs these same steps: npm run synth, cdk8s synth (cdk8s.yaml),
npm run watch, and the TypeScript entries (scripts/synth.ts, main.ts).

Examples:
  npm run synth
  cdk8s synth
  npm run synth -- --env dev --set dev.web.replicas=3 --out /tmp/refarch
  npm run synth -- --set prod.web.autoscaling=null --set prod.web.replicas=3 --out /tmp/refarch
  DB_PASSWORD=... npm run synth -- --env dev --stdout | kubectl apply -f -
`;

/** Where the CLI reads and writes; tests pass their own. */
export interface CliIo {
  /**
   * The project whose sources run: its dist/ is the default output, and its folders are the
   * source folders an output may not be. Passed in, not found from this file's location,
   * because a bundle of this file lives elsewhere (scripts/synth-fast.js).
   */
  readonly project: string;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** A usage error: printed with the usage. */
class UsageError extends Error {}

function parse(argv: readonly string[]) {
  try {
    const { values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        out: { type: 'string', multiple: true },
        env: { type: 'string', multiple: true },
        set: { type: 'string', multiple: true },
        stdout: { type: 'boolean' },
        'cdk8s-app': { type: 'boolean' },
        'cdk8s-staging': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    return values;
  } catch (err) {
    // Node's own message names the option; its advice about `--` does not apply here.
    throw new UsageError((err as Error).message.replace(/ To specify a positional argument.*$/s, ''));
  }
}

/** Where a run writes: the output folder as the user named it, what that is relative to, and the cdk8s CLI's staging folder. */
interface Target {
  /** The folder as named (dist, --out DIR, CDK8S_OUTDIR), for messages and the file list. */
  readonly outArg: string;
  /** What a relative `outArg` is relative to. */
  readonly cwd: string;
  /** `--cdk8s-staging` when CDK8S_OUTDIR named it: the files are copied there too, for the CLI's list. */
  readonly staging?: string;
}

/**
 * The output folder of a run. The default dist/ is the project's. An explicit --out is
 * relative to the directory the user ran npm in (INIT_CWD; npm itself runs scripts in the
 * project root). As a cdk8s app, CDK8S_OUTDIR is relative to where the cdk8s CLI runs,
 * which is the app's working directory; the staging folder of cdk8s.yaml stands for dist/.
 */
function targetOf(values: ReturnType<typeof parse>, io: CliIo): Target {
  if (values['cdk8s-app']) {
    const outdir = io.env.CDK8S_OUTDIR;
    const staging = values['cdk8s-staging'];
    if (outdir === undefined || outdir === '') return { outArg: 'dist', cwd: io.project };
    if (staging !== undefined && path.resolve(io.cwd, outdir) === path.resolve(io.cwd, staging)) return { outArg: 'dist', cwd: io.project, staging: outdir };
    return { outArg: outdir, cwd: io.cwd };
  }
  const out = values.out?.[0];
  return out === undefined ? { outArg: 'dist', cwd: io.project } : { outArg: out, cwd: io.env.INIT_CWD || io.cwd };
}

/**
 * Runs the synth pipeline with `argv`; returns the exit status. Every entry point calls
 * this: scripts/synth.ts (TypeScript), scripts/synth-fast.js (`npm run synth` and
 * cdk8s.yaml's `app`, from a cached bundle), scripts/watch.ts (on every save) and main.ts.
 */
export function runCli(argv: readonly string[], io: CliIo): number {
  const fail = (message: string, withUsage = false) => {
    io.stderr(`synth failed: ${message}\nNothing was written; the previous output is unchanged.\n`);
    if (withUsage) io.stderr(`\n${USAGE}`);
    return 1;
  };
  let values: ReturnType<typeof parse>;
  try {
    values = parse(argv);
  } catch (err) {
    return fail((err as Error).message, true);
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if ((values.out?.length ?? 0) > 1) return fail(`--out given ${values.out!.length} times (${values.out!.join(', ')}); give one output folder.`, true);
  if (values.stdout && values.out) return fail('--stdout writes no files; drop --out.', true);
  if (values.stdout && values.env?.length !== 1) return fail(`--stdout prints one environment: give exactly one --env (got ${values.env?.length ?? 0}).`, true);
  if (values['cdk8s-staging'] !== undefined && !values['cdk8s-app']) return fail('--cdk8s-staging only applies with --cdk8s-app.', true);
  if (values['cdk8s-app'] && (values.out || values.stdout)) return fail('--cdk8s-app takes its output folder from CDK8S_OUTDIR; drop --out and --stdout.', true);
  // The cdk8s CLI captures an app's stdout and never shows it: a cdk8s app lists its files on stderr.
  const list = values['cdk8s-app'] ? io.stderr : io.stdout;

  try {
    const { outArg, cwd, staging } = targetOf(values, io);
    // Settings, constructs and quality gates first, so a bad setting is reported as such.
    const rendered = render({ only: values.env, sets: values.set, env: io.env, displayDir: values.stdout ? '<stdout>' : outArg });
    // The rules switched off by annotation (each with its reason) are reported once the output
    // is out: a run that fails says only why it failed.
    const reportSkips = () => { if (rendered.skipReport) io.stderr(`${rendered.skipReport}\n`); };
    if (values.stdout) {
      io.stdout([...rendered.files.values()][0]);
      reportSkips();
      return 0;
    }
    const folder = timed('write', () => checkOutputFolder(outArg, { cwd, projectRoot: io.project }));
    // The staging folder is checked before anything is written, like the output itself.
    const stagingFolder = staging === undefined ? undefined : checkOutputFolder(staging, { cwd: io.cwd, projectRoot: io.project });
    const repo = gitWorkTreeOf(folder.dir);
    if (rendered.realSecrets.length > 0 && repo !== undefined) {
      return fail(`refusing to write a real secret into ${folder.dir}, which is inside the git work tree ${repo}`
        + ` (anything there is one \`git add\` away from the repository):\n  ${rendered.realSecrets.join('\n  ')}`
        + `${io.env.DB_PASSWORD ? ' (from DB_PASSWORD)' : ''}\n`
        + 'Either write it outside the repository:  --out <dir outside the repository>, e.g. --out "$(mktemp -d)"\n'
        + 'or print it for kubectl:                 --stdout --env <name> | kubectl apply -f -\n'
        + `or unset DB_PASSWORD to render dev's marked dev-only placeholder password.`);
    }
    let result: ReturnType<typeof writeOutput>;
    try {
      result = timed('write', () => writeOutput(folder, rendered.files, rendered.complete));
    } catch (err) {
      // Refused before the first write, or a write or rename failed and what was replaced was put back.
      if (err instanceof OutputError) return fail(err.message);
      io.stderr(`synth failed while writing ${folder.dir}: ${(err as Error).message}\n`
        + 'Each file there is complete: its previous version or the new one (replacements are atomic renames).\n');
      return 1;
    }
    for (const note of result.notes) io.stderr(`synth: ${note}\n`);
    for (const file of result.written) list(`  - ${path.join(outArg, file)}\n`);
    for (const file of result.removed) list(`  removed ${path.join(outArg, file)} (no environment produces it any more)\n`);
    reportSkips();
    if (stagingFolder === undefined) return 0;
    // Only after the real output is in place: the CLI's copies are for its list of files.
    try {
      writeOutput(stagingFolder, rendered.files, rendered.complete);
    } catch (err) {
      io.stderr(`synth: ${outArg}/ is written, but its copies for the cdk8s CLI could not be written into ${staging}: ${(err as Error).message}\n`);
      return 1;
    }
    list(`  (the cdk8s CLI lists its copies in ${staging}/ below; apply the files in ${outArg}/)\n`);
    return 0;
  } catch (err) {
    const message = (err as Error).message;
    // dev's credentials.password is DB_PASSWORD (config/environments.ts): say so, where the user set it.
    const fromEnv = io.env.DB_PASSWORD && /^Invalid [^:]*: credentials\.password:/.test(message) ? ' (credentials.password is DB_PASSWORD here: config/environments.ts reads it from the environment)' : '';
    return fail(`${message}${fromEnv}`);
  }
}
