/** @type {import('jest').Config} */
module.exports = {
  displayName: '@spm/gauntlet',
  preset: '../../jest.preset.cjs',
  // A spec that reproduces a bug in another package may wait in test/known-bugs/ (run with
  // `npx nx run @spm/gauntlet:known-bugs`) until its owner fixes it; none waits now.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/known-bugs/'],
};
