/** @type {import('jest').Config} */
module.exports = {
  displayName: '@spm/closure-fine-general',
  preset: '../../jest.preset.cjs',
};
