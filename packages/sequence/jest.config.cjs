/** @type {import('jest').Config} */
module.exports = {
  displayName: '@spm/sequence',
  preset: '../../jest.preset.cjs',
};
