/** @type {import('jest').Config} */
module.exports = {
  displayName: '@spm/workspace-checks',
  preset: '../../jest.preset.cjs',
};
