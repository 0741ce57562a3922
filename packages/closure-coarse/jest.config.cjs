/** @type {import('jest').Config} */
module.exports = {
  displayName: '@spm/closure-coarse',
  preset: '../../jest.preset.cjs',
};
