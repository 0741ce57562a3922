import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    files: ['**/*.json'],
    rules: {
      '@nx/dependency-checks': [
        'error',
        {
          ignoredFiles: ['{projectRoot}/eslint.config.{js,cjs,mjs,ts,cts,mts}', '{projectRoot}/jest.config.cjs', '{projectRoot}/test/**/*', '{projectRoot}/src/**/*.spec.ts'],
        },
      ],
    },
    languageOptions: {
      parser: await import('jsonc-eslint-parser'),
    },
  },
  {
    // Fixtures run in real worker threads and child processes, where only built JavaScript
    // runs: they import this package by its public name, as a spoke would.
    files: ['test/fixtures/**/*.mjs'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
];
