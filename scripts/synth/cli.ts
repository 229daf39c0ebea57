/**
 * The command line of `npm run synth`: options, usage, and the order of the steps.
 * Everything is checked (options, settings, constructs, quality gates, output folder,
 * secrets) before the first byte is written.
 */
import * as path from 'path';
import { parseArgs } from 'util';
import { OutputError, checkOutputFolder, gitWorkTreeOf, writeOutput } from './output';
import { render } from './render';

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
  -h, --help            Print this help.

Settings (keys, types, defaults): README.md, section "Configuration"
(generated from config/settings.schema.json).

Environment:
  DB_PASSWORD           Password of dev's rendered Secret (default: the marked dev-only
                        placeholder). Refused for an output inside a git work tree: use
                        --out <dir outside the repository> or --stdout.

Examples:
  npm run synth
  npm run synth -- --env dev --set dev.web.replicas=3 --out /tmp/refarch
  npm run synth -- --set prod.web.autoscaling=null --set prod.web.replicas=3 --out /tmp/refarch
  DB_PASSWORD=... npm run synth -- --env dev --stdout | kubectl apply -f -
`;

/** Where the CLI reads and writes; tests pass their own. */
export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const projectRoot = path.resolve(__dirname, '..', '..');

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
        help: { type: 'boolean', short: 'h' },
      },
    });
    return values;
  } catch (err) {
    // Node's own message names the option; its advice about `--` does not apply here.
    throw new UsageError((err as Error).message.replace(/ To specify a positional argument.*$/s, ''));
  }
}

/** Runs `npm run synth` with `argv`; returns the exit status. */
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

  try {
    const out = values.out?.[0];
    // The default dist/ is the project's. An explicit --out is relative to the directory
    // the user ran npm in (INIT_CWD; npm itself runs scripts in the project root).
    const cwd = out === undefined ? projectRoot : (io.env.INIT_CWD || io.cwd);
    const outArg = out ?? 'dist';
    // Settings, constructs and quality gates first, so a bad setting is reported as such.
    const rendered = render({ only: values.env, sets: values.set, env: io.env, displayDir: values.stdout ? '<stdout>' : outArg });
    if (rendered.skipReport) io.stderr(`${rendered.skipReport}\n`);
    if (values.stdout) {
      io.stdout([...rendered.files.values()][0]);
      return 0;
    }
    const folder = checkOutputFolder(outArg, { cwd, projectRoot });
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
      result = writeOutput(folder, rendered.files, rendered.complete);
    } catch (err) {
      // Refused before the first write, or a write or rename failed and what was replaced was put back.
      if (err instanceof OutputError) return fail(err.message);
      io.stderr(`synth failed while writing ${folder.dir}: ${(err as Error).message}\n`
        + 'Each file there is complete: its previous version or the new one (replacements are atomic renames).\n');
      return 1;
    }
    for (const note of result.notes) io.stderr(`synth: ${note}\n`);
    for (const file of result.written) io.stdout(`  - ${path.join(outArg, file)}\n`);
    for (const file of result.removed) io.stdout(`  removed ${path.join(outArg, file)} (no environment produces it any more)\n`);
    return 0;
  } catch (err) {
    const message = (err as Error).message;
    // dev's credentials.password is DB_PASSWORD (config/environments.ts): say so, where the user set it.
    const fromEnv = io.env.DB_PASSWORD && /^Invalid [^:]*: credentials\.password:/.test(message) ? ' (credentials.password is DB_PASSWORD here: config/environments.ts reads it from the environment)' : '';
    return fail(`${message}${fromEnv}`);
  }
}
