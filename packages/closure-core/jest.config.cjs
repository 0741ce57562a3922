/** @type {import('jest').Config} */
module.exports = {
  displayName: '@spm/closure-core',
  preset: '../../jest.preset.cjs',
};
