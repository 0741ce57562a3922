/** @type {import('jest').Config} */
module.exports = {
  displayName: '@spm/typedef',
  preset: '../../jest.preset.cjs',
};
