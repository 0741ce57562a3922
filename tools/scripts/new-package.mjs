#!/usr/bin/env node
// Scaffolds a workspace project the way every @spm package is laid out:
//   node tools/scripts/new-package.mjs packages/<name> --layer base --platform neutral [--bin name=src/bin/x.ts]
// Writes package.json (tags, exports), tsconfig.{json,lib.json,spec.json}, jest.config.cjs,
// eslint.config.mjs and src/index.ts. Refuses to overwrite an existing project.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    layer: { type: 'string' },
    platform: { type: 'string', default: 'node' },
    name: { type: 'string' },
  },
});
const dir = positionals[0];
const layers = ['base', 'runtime', 'core', 'closure', 'app', 'tool'];
if (!dir || !values.layer || !layers.includes(values.layer)) {
  console.error(`usage: new-package.mjs <packages|apps|tools>/<name> --layer ${layers.join('|')} [--platform node|neutral] [--name @spm/x]`);
  process.exit(2);
}
if (!['node', 'neutral'].includes(values.platform)) {
  console.error(`Expected --platform to be node or neutral, got ${values.platform}`);
  process.exit(2);
}
if (existsSync(join(dir, 'package.json'))) {
  console.error(`${dir} already exists`);
  process.exit(2);
}
const short = basename(dir);
const name = values.name ?? `@spm/${short}`;
const write = (file, text) => {
  mkdirSync(join(dir, file, '..'), { recursive: true });
  writeFileSync(join(dir, file), text);
};
const json = (o) => JSON.stringify(o, null, 2) + '\n';

write('package.json', json({
  name,
  version: '0.1.0',
  private: true,
  type: 'module',
  main: './dist/index.js',
  types: './dist/index.d.ts',
  exports: {
    './package.json': './package.json',
    '.': {
      '@spm/source': './src/index.ts',
      types: './dist/index.d.ts',
      import: './dist/index.js',
      default: './dist/index.js',
    },
  },
  files: ['dist', '!**/*.tsbuildinfo'],
  dependencies: {},
  nx: { tags: [`scope:${short}`, `layer:${values.layer}`, `platform:${values.platform}`] },
}));
write('tsconfig.json', json({
  extends: '../../tsconfig.base.json',
  files: [],
  include: [],
  references: [{ path: './tsconfig.lib.json' }, { path: './tsconfig.spec.json' }],
}));
write('tsconfig.lib.json', json({
  extends: '../../tsconfig.base.json',
  compilerOptions: {
    rootDir: 'src',
    outDir: 'dist',
    tsBuildInfoFile: 'dist/tsconfig.lib.tsbuildinfo',
    emitDeclarationOnly: false,
    forceConsistentCasingInFileNames: true,
    types: values.platform === 'node' ? ['node'] : [],
  },
  include: ['src/**/*.ts'],
  references: [],
  exclude: ['src/**/*.spec.ts', 'src/**/*.test.ts'],
}));
write('tsconfig.spec.json', json({
  extends: '../../tsconfig.base.json',
  compilerOptions: {
    outDir: './out-tsc/jest',
    types: ['jest', 'node'],
    forceConsistentCasingInFileNames: true,
  },
  include: ['src/**/*.spec.ts', 'src/**/*.test.ts', 'test/**/*.ts', 'src/**/*.d.ts'],
  references: [{ path: './tsconfig.lib.json' }],
}));
write('jest.config.cjs', `/** @type {import('jest').Config} */
module.exports = {
  displayName: '${name}',
  preset: '../../jest.preset.cjs',
};
`);
const neutralRule = values.platform === 'neutral' ? `
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
  },` : '';
write('eslint.config.mjs', `import baseConfig from '../../eslint.config.mjs';

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
  },${neutralRule}
];
`);
write('src/index.ts', `/**
 * ${name}
 * @packageDocumentation
 */
export {};
`);
console.log(`created ${dir} (${name}); run \`npm install\` to link it`);
