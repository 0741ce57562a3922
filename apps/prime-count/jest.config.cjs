/** @type {import('jest').Config} */
module.exports = {
  displayName: '@spm/prime-count',
  preset: '../../jest.preset.cjs',
};
