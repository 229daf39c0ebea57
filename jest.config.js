/**
 * Two groups of tests, one config:
 * - unit: everything that runs inside jest's processes (constructs, synth in memory, the
 *   policy rules, the validators, the review tools on fixtures). `npm test` runs them beside
 *   the full type check; it is the inner loop, kept fast.
 * - integration: the tests that start the project's own commands as processes (synth, the
 *   fast synth bundle, the watch loop, cdk8s synth with the plugin, the restore script, the
 *   diagram and diff CLIs, git, bash) or compile copies of lib/ in fresh projects (the copy
 *   guide). `npm run test:integration` runs them; CI runs both groups.
 */
const INTEGRATION = [
  'test/synth-snapshot.test.ts',
  'test/synth.test.ts',
  'test/entry-points.test.ts',
  'test/synth-fast.test.ts',
  'test/watch.test.ts',
  'test/copy-guide.test.ts',
  'test/package.test.ts',
  'test/restore-script.test.ts',
  'test/upstream-oracle.test.ts',
  'test/bad-input.test.ts',
  'test/schema-check.test.ts',
  'test/kind-cluster.test.ts',
  'test/e2e-harness.test.ts',
  'test/review/diagram.test.ts',
  'test/review/diff.test.ts',
  'plugins/refarch-policy/test/wiring.test.ts',
];

/** @type {import('jest').Config} */
const common = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  transform: {
    // Type checking is done once by `tsc --noEmit` beside jest (scripts/test.js), so the
    // transform only strips types, with esbuild: see scripts/jest-transform.js.
    '^.+\\.ts$': '<rootDir>/scripts/jest-transform.js',
  },
  // No jest snapshots: the committed dist/ is the snapshot (test/environments.test.ts).
};
const ignored = ['/node_modules/', '/dist/', '/app/', '/cluster/'];
const escape = (file) => file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** @type {import('jest').Config} */
module.exports = {
  // jest's default (cores - 1) is one worker on a 2-core machine, which runs the files one
  // by one while the main process idles; the slow files mostly wait on child processes.
  maxWorkers: '100%',
  // Many tests start processes (tsx, esbuild, cdk8s, sh); on a loaded shared machine jest's
  // 5 s default fails them at random. Speed is measured by npm run bench, not by timeouts.
  testTimeout: 60_000,
  // The transform cache in the project (git-ignored), not in $TMPDIR, which npm test leaves as it found it.
  cacheDirectory: '<rootDir>/.cache/jest',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['**/*.test.ts'], testPathIgnorePatterns: [...ignored, ...INTEGRATION.map((f) => `<rootDir>/${escape(f)}$`)] },
    { ...common, displayName: 'integration', testMatch: INTEGRATION.map((f) => `<rootDir>/${f}`) },
  ],
};
