import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    // Examples are a user's code: they import this package by its name and start a cloud.
    files: ['examples/**/*.mjs', 'examples/**/*.mts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    files: ['**/*.json'],
    rules: {
      '@nx/dependency-checks': [
        'error',
        {
          ignoredFiles: ['{projectRoot}/eslint.config.{js,cjs,mjs,ts,cts,mts}', '{projectRoot}/jest.config.cjs', '{projectRoot}/test/**/*', '{projectRoot}/examples/**/*', '{projectRoot}/src/**/*.spec.ts'],
        },
      ],
    },
    languageOptions: {
      parser: await import('jsonc-eslint-parser'),
    },
  },
];
