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
    // platform:neutral — no Node built-ins, so this package runs in any JS runtime.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@spm/*/*'], message: 'Deep imports across packages are banned: import from the package name only.' },
            { group: ['node:*'], message: 'A platform:neutral package imports no Node built-ins.' },
          ],
        },
      ],
    },
  },
  {
    // Fixtures are user modules: they import this package by its name, as a user's would.
    files: ['test/fixtures/**/*.mjs'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
];
