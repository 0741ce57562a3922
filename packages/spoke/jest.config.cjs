/** @type {import('jest').Config} */
module.exports = {
  displayName: '@spm/spoke',
  preset: '../../jest.preset.cjs',
};
