/** @type {import('jest').Config} */
module.exports = {
  displayName: '@spm/gauntlet',
  preset: '../../jest.preset.cjs',
  // Specs that reproduce a bug in another package live in test/known-bugs/ until its owner
  // fixes it: run them with `npx nx run @spm/gauntlet:known-bugs`; they would fail CI meanwhile.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/known-bugs/'],
};
