/** @type {import('jest').Config} */
module.exports = {
  displayName: '@spm/transport',
  preset: '../../jest.preset.cjs',
};
