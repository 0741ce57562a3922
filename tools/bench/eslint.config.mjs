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
          // The peers measured against stay devDependencies: nobody installs @spm/bench, and
          // no runtime package may come to depend on them. @spm/spoke is needed for its
          // `spm-spoke` bin, which the TCP benchmark spawns rather than imports.
          ignoredDependencies: ['piscina', 'tinypool', 'workerpool', '@spm/spoke'],
        },
      ],
    },
    languageOptions: {
      parser: await import('jsonc-eslint-parser'),
    },
  },
];
