/** @type {import('jest').Config} */
module.exports = {
  displayName: '@spm/testing',
  preset: '../../jest.preset.cjs',
};
