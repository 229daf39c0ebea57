/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // jest's default (cores - 1) is one worker on a 2-core machine, which runs the files one
  // by one while the main process idles; the slow files mostly wait on child processes.
  maxWorkers: '100%',
  // Many tests start processes (tsx, esbuild, cdk8s, sh); on a loaded shared machine jest's
  // 5 s default fails them at random. Speed is measured by npm run bench, not by timeouts.
  testTimeout: 60_000,
  // The transform cache in the project (git-ignored), not in $TMPDIR, which npm test leaves as it found it.
  cacheDirectory: '<rootDir>/.cache/jest',
  roots: ['<rootDir>'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/app/', '/cluster/'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type checking is done once by `tsc --noEmit` beside jest (scripts/test.js), so the
    // transform only strips types, with esbuild: see scripts/jest-transform.js.
    '^.+\\.ts$': '<rootDir>/scripts/jest-transform.js',
  },
  // Snapshots live at the repository root, one file per test file.
  snapshotResolver: '<rootDir>/test/snapshot-resolver.js',
};
