/** @type {import('jest').Config} */
module.exports = {
  displayName: '@spm/demo',
  preset: '../../jest.preset.cjs',
};
