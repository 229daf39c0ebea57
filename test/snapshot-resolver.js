// Keeps jest snapshots in the top-level __snapshots__/ folder, where reviewers look for them.
const path = require('path');

const root = path.resolve(__dirname, '..');
const snapshotDir = path.join(root, '__snapshots__');

module.exports = {
  resolveSnapshotPath: (testPath, ext) => path.join(snapshotDir, path.basename(testPath) + ext),
  resolveTestPath: (snapshotPath, ext) => path.join(root, 'test', path.basename(snapshotPath, ext)),
  testPathForConsistencyCheck: path.join(root, 'test', 'example.test.ts'),
};
