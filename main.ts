/**
 * The cdk8s app: one ReferenceArchitecture chart per environment, each written to
 * `<environment>.k8s.yaml` in the output folder (dist/ by default).
 *
 * `compose` and `newApp` build the app; the synth pipeline (scripts/synth/) checks the
 * settings, synthesizes, runs the policy rules, refuses real secrets in git and writes
 * through the safe writer. Run directly (`npx tsx main.ts`, or as the `app` of a cdk8s.yaml
 * of your own) this file runs that same pipeline as a cdk8s app (`--cdk8s-app`: the output
 * folder is CDK8S_OUTDIR, else dist/), never a bare `app.synth()`: there is no entry point
 * that skips a check.
 */
import * as path from 'path';
import { App, YamlOutputType } from 'cdk8s';
import { ReferenceArchitecture, ReferenceArchitectureProps } from './lib/reference-architecture';

/** Adds one chart per environment to `app`. */
export function compose(app: App, envs: Record<string, ReferenceArchitectureProps>): App {
  for (const name of Object.keys(envs)) new ReferenceArchitecture(app, name, envs[name]);
  return app;
}

/** An App that writes one file per chart, as `cdk8s synth` expects. */
export function newApp(outdir?: string): App {
  return new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART });
}

if (require.main === module) {
  // Required here, not imported above: the pipeline imports compose() from this file.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runCli } = require('./scripts/synth/cli') as typeof import('./scripts/synth/cli');
  process.exitCode = runCli(['--cdk8s-app', ...process.argv.slice(2)], {
    project: path.resolve(__dirname),
    env: process.env,
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}
