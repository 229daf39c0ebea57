/**
 * `npm run check:schema`: strict validation of manifests against the OpenAPI schema of
 * each supported Kubernetes minor, as captured from a real API server (schemas/).
 * Offline. Exit status 0 when every object is valid, 1 on any problem, 2 on bad usage.
 *
 * Usage: check-schema.ts [--k8s 1.27]... [PATH]...
 *   PATH        YAML/JSON files or folders (searched recursively); default dist/
 *   --k8s M     validate against this minor only (repeatable; default: every minor in schemas/)
 *   --all-apis  accept apiVersions that exist but a default API server does not serve (alpha APIs)
 *   --list      print the supported minors and the server versions they were captured from
 */
import * as path from 'path';
import { parseArgs } from 'util';
import { normalizeMinor, serverVersion, supportedMinors } from '../schema-check/schemas';
import { formatIssue, validatePaths } from '../schema-check/validator';

/** Runs the command with `args` (without node and script); returns the exit status. */
export function main(args: string[] = process.argv.slice(2)): number {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { 'k8s': { type: 'string', multiple: true }, 'all-apis': { type: 'boolean' }, 'list': { type: 'boolean' }, 'help': { type: 'boolean', short: 'h' } },
    });
  } catch (e) {
    console.error(`validate: ${(e as Error).message}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log('usage: npm run check:schema -- [--k8s 1.27]... [--all-apis] [PATH]...   (default: dist/, every supported minor)');
    return 0;
  }
  const supported = supportedMinors();
  if (values.list) {
    for (const m of supported) console.log(`${m}\t${serverVersion(m).gitVersion}`);
    return 0;
  }
  let minors: string[];
  try {
    minors = values.k8s?.length ? [...new Set(values.k8s.flatMap((v) => v.split(',')).map(normalizeMinor))] : supported;
  } catch (e) {
    console.error(`validate: ${(e as Error).message}`);
    return 2;
  }
  const unknown = minors.filter((m) => !supported.includes(m));
  if (unknown.length || minors.length === 0) {
    console.error(`validate: no captured schema for Kubernetes ${unknown.join(', ') || '(none)'}; supported: ${supported.join(', ') || 'none (run schemas/capture.sh)'}`);
    return 2;
  }
  const targets = positionals.length ? positionals : [path.relative(process.cwd(), path.resolve(__dirname, '..', 'dist')) || 'dist'];
  let result;
  try {
    result = validatePaths(targets, { minors, allApis: values['all-apis'] });
  } catch (e) {
    console.error(`validate: ${(e as Error).message}`);
    return 2;
  }
  const against = minors.map((m) => `${m} (${serverVersion(m).gitVersion})`).join(', ');
  for (const issue of result.issues) console.log(formatIssue(issue));
  const summary = `${result.objects} object(s) in ${result.files.length} file(s) against Kubernetes ${against}`;
  if (result.issues.length) {
    console.log(`\nFAIL: ${result.issues.length} problem(s) in ${summary}`);
    return 1;
  }
  if (result.files.length === 0) {
    console.error(`validate: no .yaml/.yml/.json files in ${targets.join(', ')}`);
    return 2;
  }
  console.log(`OK: ${summary}: all valid (strict)`);
  return 0;
}

if (require.main === module) process.exitCode = main();
