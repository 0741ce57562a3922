/** @type {import('jest').Config} */
module.exports = {
  displayName: '@spm/coprocess',
  preset: '../../jest.preset.cjs',
};
