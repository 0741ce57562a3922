// Shared Jest preset for every project of the workspace.
// ESM throughout: specs are compiled by SWC to ES modules and Jest runs them with
// --experimental-vm-modules (set in nx.json targetDefaults.test), so `import.meta.url`
// works in code under test exactly as it does on a spoke.
const path = require('node:path');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  // Source files import siblings as './x.js' (nodenext); map them back to the .ts file.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        swcrc: false,
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', decorators: true },
          transform: { decoratorVersion: '2022-03' },
          keepClassNames: true,
        },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  // Built workspace packages (dist/*.js) are already ES2022 modules.
  transformIgnorePatterns: ['/node_modules/', '/dist/'],
  reporters: ['default', path.join(__dirname, 'tools/jest/summary-reporter.cjs')],
  // The leftover-process check (tools/testing): a test file fails if it leaves a process running.
  globalSetup: path.join(__dirname, 'tools/testing/jest-run-tag.cjs'),
  setupFilesAfterEnv: [path.join(__dirname, 'tools/testing/src/jest-leftover-check.ts')],
  testTimeout: 30000,
};
