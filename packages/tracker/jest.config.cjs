/** @type {import('jest').Config} */
module.exports = {
  displayName: '@spm/tracker',
  preset: '../../jest.preset.cjs',
};
