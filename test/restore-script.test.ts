/**
 * scripts/restore-database.sh without a cluster: a stand-in kubectl on PATH records
 * every call and plays the Job's outcome. The restore itself (restore.sh) runs against
 * real servers in npm run test:data-scripts, and on the cluster in the e2e suite.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const script = path.resolve(__dirname, '..', 'scripts', 'restore-database.sh');
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refarch-restore-'));
  // Records its arguments; answers the job status query with $JOB_STATUS.
  fs.writeFileSync(path.join(dir, 'kubectl'), `#!/bin/bash
echo "$*" >>"${dir}/calls"
case "$*" in
  *"get job"*) printf '%s' "$JOB_STATUS" ;;
  *"create configmap"*) echo "apiVersion: v1" ;;
  *logs*) echo "restore: done" ;;
  *apply*) cat >/dev/null ;;
esac
exit 0
`, { mode: 0o755 });
  // The Job poll waits one second per try: a stand-in sleep (also on PATH) records each
  // wait instead, so a timeout test proves the number of waits without spending them.
  fs.writeFileSync(path.join(dir, 'sleep'), `#!/bin/sh
echo "$*" >>"${dir}/sleeps"
`, { mode: 0o755 });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = (args: string[], jobStatus = '1/') => {
  const r = spawnSync('bash', [script, ...args], {
    encoding: 'utf8', timeout: 20_000, env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, JOB_STATUS: jobStatus, RESTORE_TIMEOUT: '2' },
  });
  const calls = fs.existsSync(path.join(dir, 'calls')) ? fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n') : [];
  const sleeps = fs.existsSync(path.join(dir, 'sleeps')) ? fs.readFileSync(path.join(dir, 'sleeps'), 'utf8').trim().split('\n') : [];
  return { status: r.status, out: r.stdout + r.stderr, calls, sleeps };
};

test('restores a dump: records the request, creates the Job from the suspended CronJob, prints its log', () => {
  const r = run(['refarch-prod', 'guestbook-20260101T030000Z.dump']);
  expect(r.status).toBe(0);
  expect(r.calls[0]).toBe('-n refarch-prod get cronjob postgres-backup-restore');
  // The two ends of a pipe: they may log in either order.
  expect(r.calls.slice(1, 3).sort()).toEqual([
    '-n refarch-prod apply -f -',
    '-n refarch-prod create configmap postgres-backup-restore-request --from-literal=dump=guestbook-20260101T030000Z.dump --dry-run=client -o yaml',
  ]);
  expect(r.calls[3]).toMatch(/^-n refarch-prod create job postgres-backup-restore-\d{14} --from=cronjob\/postgres-backup-restore$/);
  expect(r.out).toContain('restores guestbook-20260101T030000Z.dump');
  expect(r.out).toContain('restore: done');
  expect(r.out).toMatch(/Job postgres-backup-restore-\d{14} succeeded/);
});

test('without a dump name it lists (an empty request)', () => {
  const r = run(['refarch-prod']);
  expect(r.status).toBe(0);
  expect(r.calls.some((c) => c.includes('create configmap postgres-backup-restore-request --from-literal=dump= '))).toBe(true);
  expect(r.out).toContain('lists the dumps');
});

test('a failed Job fails the script, naming the Job', () => {
  const r = run(['ns', 'x.dump'], '/1');
  expect(r.status).toBe(1);
  expect(r.out).toMatch(/Job postgres-backup-restore-\d{14} FAILED/);
});

test('a Job that does not finish in time fails the script', () => {
  const r = run(['ns', 'x.dump'], '/');
  expect(r.status).toBe(1);
  expect(r.out).toContain('did not finish within 2s');
  // RESTORE_TIMEOUT=2: two polls, each followed by a one-second wait.
  expect(r.calls.filter((c) => c.includes(' get job '))).toHaveLength(2);
  expect(r.sleeps).toEqual(['1', '1']);
});

test.each([['../etc/passwd'], ['.hidden'], ['a b.dump'], ['x;rm.dump']])('refuses the dump name %s before calling kubectl', (name) => {
  const r = run(['ns', name]);
  expect(r.status).toBe(2);
  expect(r.out).toContain('must be a file name from the list');
  expect(r.calls).toEqual([]);
});

// Each refused before the first kubectl call: an empty namespace would reach kubectl as
// `-n ''` (the current context's namespace), a leading '-' as an option.
test.each<[string[], NodeJS.ProcessEnv, string]>([
  [[''], {}, "the namespace must be a Kubernetes namespace name (1-63 lowercase letters, digits or '-', starting and ending with a letter or digit), got: ''"],
  [['', 'x.dump'], {}, "the namespace must be a Kubernetes namespace name"],
  [['-n'], {}, "got: '-n'"],
  [['Refarch-Prod'], {}, "got: 'Refarch-Prod'"],
  [['a'.repeat(64)], {}, `got: '${'a'.repeat(64)}'`],
  [['ns', ''], {}, 'the dump name is empty: give a name from the list, or leave it out to list the dumps'],
  [['ns', '-f.dump'], {}, "the dump name must be a file name from the list (letters, digits, '.', '_' or '-', ending in .dump; no path), got: '-f.dump'"],
  [['ns', 'notes.txt'], {}, "got: 'notes.txt'"],
  [['ns'], { BACKUP_NAME: 'Backup' }, "BACKUP_NAME must be the backup's name (1-40 lowercase letters, digits or '-', starting and ending with a letter or digit), got: 'Backup'"],
  [['ns'], { BACKUP_NAME: 'b'.repeat(41) }, 'BACKUP_NAME must be'],
  [['ns'], { RESTORE_TIMEOUT: '0' }, "RESTORE_TIMEOUT must be a number of seconds from 1 to 86400, got: '0'"],
  [['ns'], { RESTORE_TIMEOUT: '18446744073709551716' }, 'RESTORE_TIMEOUT must be a number of seconds from 1 to 86400'],
  [['ns'], { RESTORE_TIMEOUT: '1e3' }, "got: '1e3'"],
])('refuses %j (%j) before calling kubectl', (args, env, message) => {
  const r = spawnSync('bash', [script, ...args], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, ...env } });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/^restore-database: /);
  expect(r.stderr).toContain(message);
  expect(fs.existsSync(path.join(dir, 'calls'))).toBe(false);
});

test('usage on no arguments or too many', () => {
  expect(run([]).status).toBe(2);
  expect(run(['a', 'b', 'c']).out).toContain('scripts/restore-database.sh <namespace>');
});
