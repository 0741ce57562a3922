/** @type {import('jest').Config} */
module.exports = {
  displayName: '@spm/bench',
  preset: '../../jest.preset.cjs',
};
