import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    files: ['**/*.json'],
    rules: {
      '@nx/dependency-checks': [
        'error',
        {
          // The Jest setup module runs inside the host's Jest (a root devDependency): as with
          // specs, Jest is the environment, not a dependency of this package.
          ignoredDependencies: ['@jest/globals'],
          ignoredFiles: ['{projectRoot}/eslint.config.{js,cjs,mjs,ts,cts,mts}', '{projectRoot}/jest.config.cjs', '{projectRoot}/test/**/*', '{projectRoot}/src/**/*.spec.ts'],
        },
      ],
    },
    languageOptions: {
      parser: await import('jsonc-eslint-parser'),
    },
  },
];
