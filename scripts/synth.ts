/**
 * `npm run synth`: synthesizes the environments into dist/ (or --out), replacing only the
 * files a synth wrote there, each atomically, and only after every check passed.
 * `npm run synth -- --help` prints the options; the parts live in scripts/synth/:
 * cli.ts (options and order), render.ts (settings to checked YAML, in memory) and
 * output.ts (which folders are safe, manifest, atomic replacement).
 */
import * as path from 'path';
import { runCli } from './synth/cli';

export { render } from './synth/render';
export { runCli, USAGE } from './synth/cli';
export { phaseTimings, resetPhaseTimings } from './synth/timing';

if (require.main === module) {
  process.exitCode = runCli(process.argv.slice(2), {
    project: path.resolve(__dirname, '..'),
    env: process.env,
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}
