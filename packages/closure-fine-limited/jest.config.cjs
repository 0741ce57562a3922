/** @type {import('jest').Config} */
module.exports = {
  displayName: '@spm/closure-fine-limited',
  preset: '../../jest.preset.cjs',
};
