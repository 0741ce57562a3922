/** @type {import('jest').Config} */
module.exports = {
  displayName: '@spm/exceptions',
  preset: '../../jest.preset.cjs',
};
