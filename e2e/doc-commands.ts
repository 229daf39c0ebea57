/**
 * The commands a document tells users to run, so the suites run what the documentation
 * says, not a paraphrase: the first ```sh block after a marker, without the list
 * indentation, run with `sh -eu` (kubectl from PATH, KUBECONFIG from the environment).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');

/** The first ```sh block of `file` (relative to the repository) after `marker`. */
export function docCommands(marker: string, file = 'README.md'): string {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`${file} no longer has "${marker}"`);
  const block = /^([ \t]*)```sh\n([\s\S]*?)^[ \t]*```$/m.exec(text.slice(at));
  if (!block) throw new Error(`${file} has no sh block after "${marker}"`);
  return block[2].split('\n').map((l) => l.startsWith(block[1]) ? l.slice(block[1].length) : l).join('\n');
}

/**
 * Runs those commands with sh -eu in `dir`. `namespace`, when given, replaces the value of
 * the block's `NS=...` line (the documents name prod's namespace), and the block must have one.
 */
export function runDocCommands(marker: string, dir: string, file = 'README.md', namespace?: string): string {
  let script = docCommands(marker, file);
  if (namespace !== undefined) {
    if (!/^NS=\S+$/m.test(script)) throw new Error(`the commands of ${file} after "${marker}" set no NS=... to run them in ${namespace}`);
    script = script.replace(/^NS=\S+$/m, `NS=${namespace}`);
  }
  fs.mkdirSync(dir, { recursive: true });
  const r = spawnSync('sh', ['-euc', script], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`the commands of ${file} after "${marker}" failed in ${dir}: ${r.stderr}${r.error ?? ''}`);
  return r.stdout + r.stderr;
}
