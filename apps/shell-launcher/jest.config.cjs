/** @type {import('jest').Config} */
module.exports = {
  displayName: '@spm/shell-launcher',
  preset: '../../jest.preset.cjs',
};
