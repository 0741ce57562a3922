/** @type {import('jest').Config} */
module.exports = {
  displayName: '@spm/semaphore',
  preset: '../../jest.preset.cjs',
};
