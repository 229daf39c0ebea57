/**
 * One case per class of bad input (issue 17's classes and their kin): each runs the real
 * command or code path and returns the first line of what the user gets (or, where the
 * right answer is to accept, what happens), with run-specific parts (folders, pids) made
 * generic. docs/bad-input.md lists them; test/bad-input.test.ts fails when the list and
 * the real messages disagree, and `node --import tsx scripts/bad-input-table.ts` rewrites it.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { environments } from '../config/environments';
import { runCli } from '../scripts/synth';
import { render } from '../scripts/synth/render';

const root = path.resolve(__dirname, '..');

/** The groups in the order the list shows them. */
export const GROUPS = ['Writes', 'Security and integrity', 'Refused by the cluster, caught at synth', 'Valid input, accepted', 'Clear messages'] as const;

export interface BadInputCase {
  /** The class, as docs/bad-input.md groups them. */
  readonly group: typeof GROUPS[number];
  /** What is wrong, in a few words. */
  readonly what: string;
  /** The input, as a user would give it. */
  readonly example: string;
  /** Runs it in `tmp` (a new folder) and returns the user's first line (or the outcome). */
  readonly run: (tmp: string) => string;
}

/** The first line of `npm run synth` with `args` (in-process, as the command runs it), without "synth failed: ". */
function synth(args: string[], env: NodeJS.ProcessEnv = {}): string {
  let out = '';
  const status = runCli(args, { project: root, env, cwd: root, stdout: (t) => { out += t; }, stderr: (t) => { out += t; } });
  const first = out.split('\n').find((l) => l.startsWith('synth failed: ') || l.startsWith('synth: ')) ?? (status === 0 ? 'accepted' : out.split('\n')[0]);
  return first.replace(/^synth failed: /, '');
}

/** The message a construct gives for these settings of dev (or "accepted"). */
const dev = (...sets: string[]) => synth(['--env', 'dev', '--stdout', ...sets.flatMap((s) => ['--set', s])]);

/** A synth output folder as an earlier synth left it. */
function output(tmp: string): string {
  const out = path.join(tmp, 'out');
  expectStatus(runCli(['--out', out], { project: root, env: {}, cwd: root, stdout: () => undefined, stderr: () => undefined }), 0);
  return out;
}

function expectStatus(status: number, expected: number): void {
  if (status !== expected) throw new Error(`exit ${status}, expected ${expected}`);
}

/** Runs a project script as a process; returns its first stderr (else stdout) line. */
function script(args: string[], env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(args[0], args.slice(1), { cwd: root, encoding: 'utf8', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false', ...env }, timeout: 120_000 });
  return (r.stderr.trim() || r.stdout.trim()).split('\n')[0];
}

const ALIAS_BOMB = `apiVersion: v1
kind: ConfigMap
metadata: {name: bomb}
a: &a [x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]
`;

export const BAD_INPUT_CASES: readonly BadInputCase[] = [
  {
    group: 'Writes', what: 'a generated file is a symlink', example: 'docs/architecture-dev.svg -> ~/notes.txt; npm run diagram',
    run: (tmp) => {
      const [dist, docs, target] = [path.join(tmp, 'dist'), path.join(tmp, 'docs'), path.join(tmp, 'notes.txt')];
      fs.mkdirSync(dist);
      fs.mkdirSync(docs);
      fs.copyFileSync(path.join(root, 'dist', 'dev.k8s.yaml'), path.join(dist, 'dev.k8s.yaml'));
      fs.writeFileSync(target, 'mine', { mode: 0o600 });
      fs.symlinkSync(target, path.join(docs, 'architecture-dev.svg'));
      const line = script([process.execPath, '--import', 'tsx', 'scripts/review/diagram.ts', '--dist', dist, '--docs', docs]);
      const replaced = !fs.lstatSync(path.join(docs, 'architecture-dev.svg')).isSymbolicLink() && (fs.statSync(path.join(docs, 'architecture-dev.svg')).mode & 0o777) === 0o644;
      const untouched = fs.readFileSync(target, 'utf8') === 'mine' && (fs.statSync(target).mode & 0o777) === 0o600;
      return replaced && untouched && line.startsWith('diagram: wrote ') ? 'the link is replaced by a 0644 file; the file it pointed to keeps its bytes and mode (every generated-file writer: scripts/safe-write.js)' : `NOT SAFE: ${line}`;
    },
  },
  {
    group: 'Writes', what: 'a file the manifest lists is now a folder', example: 'mkdir dist/prod.k8s.yaml; npm run synth',
    run: (tmp) => {
      const out = output(tmp);
      const dev = fs.readFileSync(path.join(out, 'dev.k8s.yaml'), 'utf8');
      fs.rmSync(path.join(out, 'prod.k8s.yaml'));
      fs.mkdirSync(path.join(out, 'prod.k8s.yaml'));
      const line = synth(['--out', out, '--set', 'dev.web.title=Changed']);
      return fs.readFileSync(path.join(out, 'dev.k8s.yaml'), 'utf8') === dev ? line.replaceAll(out, 'dist') : `PARTIAL WRITE: ${line}`;
    },
  },
  {
    group: 'Writes', what: 'an output folder on a pseudo-filesystem', example: 'npm run synth -- --out /proc/self/x',
    run: () => synth(['--out', '/proc/self/x']),
  },
  {
    group: 'Writes', what: 'a manifest entry outside the folder', example: '{"files": ["../x.k8s.yaml"]} in dist/.refarch-synth.manifest',
    run: (tmp) => {
      const out = output(tmp);
      fs.writeFileSync(path.join(out, '.refarch-synth.manifest'), JSON.stringify({ files: ['dev.k8s.yaml', '../x.k8s.yaml'] }));
      return synth(['--out', out]).replaceAll(out, 'dist');
    },
  },
  {
    group: 'Writes', what: 'a dangling symlink as the lock', example: 'ln -s /nowhere dist/.refarch-synth.lock',
    run: (tmp) => {
      const out = output(tmp);
      fs.symlinkSync('/nowhere', path.join(out, '.refarch-synth.lock'));
      return synth(['--out', out]).replaceAll(out, 'dist');
    },
  },
  {
    group: 'Writes', what: 'a lock naming a live process that is not a synth', example: 'sleep 60 & echo $! > dist/.refarch-synth.lock',
    run: (tmp) => {
      const out = output(tmp);
      const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
      try {
        fs.writeFileSync(path.join(out, '.refarch-synth.lock'), `${sleeper.pid}\n`);
        return synth(['--out', out]).replaceAll(out, 'dist').replaceAll(String(sleeper.pid), '<pid>');
      } finally {
        sleeper.kill();
      }
    },
  },
  {
    group: 'Clear messages', what: 'an environment name that is not a DNS label', example: "{ 'Dev Env': { ... } } in config/environments.ts",
    run: () => {
      try {
        render({ definitions: { 'Dev Env': environments({}).dev } });
        return 'accepted';
      } catch (err) {
        return (err as Error).message.split('\n')[0];
      }
    },
  },
  {
    group: 'Clear messages', what: 'a YAML alias bomb', example: 'npm run diagram (or check:schema) on a file of aliases of aliases',
    run: (tmp) => {
      fs.mkdirSync(path.join(tmp, 'dist'));
      fs.writeFileSync(path.join(tmp, 'dist', 'x.k8s.yaml'), ALIAS_BOMB);
      return script([process.execPath, '--import', 'tsx', 'scripts/review/diagram.ts', '--dist', path.join(tmp, 'dist'), '--docs', path.join(tmp, 'docs')]).replaceAll(tmp, '<dir>');
    },
  },
  { group: 'Clear messages', what: 'a host over 253 characters', example: `--set dev.ingress.host=<250 x "a">.com`, run: () => dev(`dev.ingress.host=${'a'.repeat(250)}.com`) },
  { group: 'Security and integrity', what: 'the replication user is the app user', example: 'database.replicas: 2, replicationUser: guestbook (= user)', run: () => dev('dev.database.replicas=2', 'dev.database.replicationUser=guestbook', 'dev.credentials.replicationPassword=r', 'dev.credentials.superuserPassword=s') },
  { group: 'Security and integrity', what: 'a role name PostgreSQL reserves', example: '--set dev.database.user=current_user', run: () => dev('dev.database.user=current_user') },
  { group: 'Security and integrity', what: 'DB_PASSWORD that is not UTF-8', example: "DB_PASSWORD=$'\\xff' npm run synth -- --env dev --stdout", run: () => synth(['--env', 'dev', '--stdout'], { DB_PASSWORD: 'x\ufffdy' }) },
  { group: 'Security and integrity', what: 'a password with a newline', example: "--set 'dev.credentials.password=\"a\\nb\"'", run: () => dev('dev.credentials.password="a\\nb"') },
  { group: 'Security and integrity', what: 'a blank password', example: "--set 'dev.credentials.password=\" \"'", run: () => dev('dev.credentials.password=" "') },
  { group: 'Security and integrity', what: 'a password over 64 KiB', example: '--set dev.credentials.password=<65537 characters>', run: () => dev(`dev.credentials.password=${'p'.repeat(65537)}`) },
  {
    group: 'Security and integrity', what: 'an empty namespace for the restore script', example: "scripts/restore-database.sh '' x.dump",
    run: () => script(['bash', 'scripts/restore-database.sh', '', 'x.dump'], { KUBECTL: '/bin/false' }),
  },
  { group: 'Refused by the cluster, caught at synth', what: 'day of week 7 in a schedule', example: "database.backup.schedule: '0 3 * * 7'", run: () => dev('dev.database.backup={"schedule":"0 3 * * 7"}') },
  { group: 'Refused by the cluster, caught at synth', what: 'the time zone Local', example: 'database.backup.timeZone: Local', run: () => dev('dev.database.backup={"timeZone":"Local"}') },
  { group: 'Refused by the cluster, caught at synth', what: 'an Ingress path with //, /./, /../ or %2f', example: '--set dev.ingress.path=/a//b', run: () => dev('dev.ingress.path=/a//b') },
  { group: 'Refused by the cluster, caught at synth', what: 'a malformed image digest', example: '--set dev.web.image=app@sha256:<64 uppercase hex>', run: () => dev(`dev.web.image=app@sha256:${'A'.repeat(64)}`) },
  { group: 'Refused by the cluster, caught at synth', what: 'an unknown digest algorithm', example: '--set dev.web.image=app@md5:<32 hex>', run: () => dev(`dev.web.image=app@md5:${'a'.repeat(32)}`) },
  { group: 'Refused by the cluster, caught at synth', what: 'a label key that is not a qualified name', example: `networkPolicies.dnsPodLabels: { 'a..b/app': 'dns' }`, run: () => dev('dev.networkPolicies={"dnsPodLabels":{"a..b/app":"dns"}}') },
  { group: 'Refused by the cluster, caught at synth', what: 'a ConfigMap over what kubectl apply takes', example: '--set dev.web.title=<300000 characters>', run: () => dev(`dev.web.title=${'t'.repeat(300_000)}`) },
  { group: 'Refused by the cluster, caught at synth', what: 'text kubectl would not read back', example: "--set 'dev.web.title=\"a\\u2028b\"'", run: () => dev('dev.web.title="a\\u2028b"') },
  { group: 'Valid input, accepted', what: 'an HPA target above 100', example: '--set prod.web.autoscaling.targetCpuUtilization=150', run: () => synth(['--env', 'prod', '--stdout', '--set', 'prod.web.autoscaling={"minReplicas":3,"maxReplicas":10,"targetCpuUtilization":150}']) },
  { group: 'Valid input, accepted', what: 'a tag ending in "-", or of 128 characters', example: '--set dev.web.image=app:1.0-', run: () => dev('dev.web.image=app:1.0-') },
  { group: 'Valid input, accepted', what: 'an ExternalName host with a trailing dot', example: 'database.mode: external, externalHost: db.example.com.', run: () => dev('dev.database={"mode":"external","externalHost":"db.example.com."}') },
  { group: 'Valid input, accepted', what: 'an @every schedule', example: "database.backup.schedule: '@every 12h'", run: () => dev('dev.database.backup={"schedule":"@every 12h"}') },
  { group: 'Clear messages', what: 'an image error names the setting', example: '--set dev.web.image=app:latest', run: () => dev('dev.web.image=app:latest') },
  { group: 'Clear messages', what: 'an empty list of external database CIDRs names the setting', example: 'database.mode: external, externalCidrs: []', run: () => dev('dev.database={"mode":"external","externalHost":"db.example.com","externalCidrs":[]}') },
];

/** A message as the table shows it: long runs of one character shortened. */
export function shown(message: string): string {
  return message.replace(/(.)\1{19,}/g, (run, c) => `${c.repeat(3)}…(${run.length})`).replace(/\|/g, '\\|');
}

export const TABLE_START = '<!-- bad-input-table:begin (generated from test/bad-input-cases.ts; rewrite with `node --import tsx scripts/bad-input-table.ts`) -->';
export const TABLE_END = '<!-- bad-input-table:end -->';

/** Runs every case, each in a new folder under `tmpRoot`; returns the messages in order. */
export function runCases(tmpRoot: string): string[] {
  return BAD_INPUT_CASES.map((c, i) => {
    const tmp = fs.mkdtempSync(path.join(tmpRoot, `case-${i}-`));
    try {
      return c.run(tmp);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
}

/** The table of every case with the message it got (`messages`, from {@link runCases}). */
export function badInputTable(messages: readonly string[]): string {
  const rows = BAD_INPUT_CASES.map((c, i) => `| ${c.what} | \`${c.example.replace(/\|/g, '\\|')}\` | ${shown(messages[i])} |`);
  const groups = GROUPS.filter((g) => BAD_INPUT_CASES.some((c) => c.group === g));
  return groups.map((g) => `**${g}**\n\n| Bad input | Example | What it gets |\n|---|---|---|\n${rows.filter((_, i) => BAD_INPUT_CASES[i].group === g).join('\n')}`).join('\n\n');
}
