import nx from '@nx/eslint-plugin';
import importX from 'eslint-plugin-import-x';

/**
 * Who may import whom: DESIGN.md's dependency table, enforced by
 * `@nx/enforce-module-boundaries`. Every project carries three tags:
 * `scope:<name>` (exact edges below), `layer:base|runtime|core|closure|app|tool` and
 * `platform:neutral|node` (neutral code runs anywhere and imports no Node built-ins).
 * Keep this table and docs/architecture.md in step.
 */
const allowed = {
  exceptions: [],
  typedef: ['exceptions'],
  sequence: ['exceptions'],
  transport: ['exceptions'],
  coprocess: ['exceptions'],
  semaphore: ['exceptions', 'coprocess'],
  spoke: ['exceptions', 'sequence', 'transport', 'typedef', 'coprocess'],
  tracker: ['exceptions', 'transport', 'sequence', 'spoke'],
  'closure-core': ['exceptions', 'tracker', 'typedef', 'sequence', 'transport', 'spoke', 'coprocess'],
  'closure-coarse': ['closure-core', 'exceptions', 'typedef', 'coprocess'],
  'closure-fine-limited': ['closure-core', 'exceptions', 'typedef'],
  'closure-fine-general': ['closure-core', 'exceptions', 'typedef'],
  // Apps start a VirtualCloud, so they may use the tracker's public API besides the closures.
  'prime-count': ['closure-coarse', 'closure-core', 'tracker', 'exceptions', 'typedef'],
  'shell-launcher': ['closure-coarse', 'closure-core', 'tracker', 'coprocess', 'semaphore', 'exceptions', 'typedef'],
};

const depConstraints = [
  ...Object.entries(allowed).map(([scope, deps]) => ({
    sourceTag: `scope:${scope}`,
    onlyDependOnLibsWithTags: deps.map((d) => `scope:${d}`),
  })),
  // Layers point down only; nothing imports an app or a tool.
  { sourceTag: 'layer:base', onlyDependOnLibsWithTags: ['layer:base'] },
  { sourceTag: 'layer:runtime', onlyDependOnLibsWithTags: ['layer:base', 'layer:runtime'] },
  { sourceTag: 'layer:core', onlyDependOnLibsWithTags: ['layer:base', 'layer:runtime'] },
  { sourceTag: 'layer:closure', onlyDependOnLibsWithTags: ['layer:base', 'layer:runtime', 'layer:core'] },
  { sourceTag: 'layer:app', onlyDependOnLibsWithTags: ['layer:base', 'layer:runtime', 'layer:core', 'layer:closure'] },
  { sourceTag: 'layer:tool', onlyDependOnLibsWithTags: ['layer:base', 'layer:runtime', 'layer:core', 'layer:closure', 'layer:app', 'layer:tool'] },
  // Platform-neutral packages stay neutral.
  { sourceTag: 'platform:neutral', onlyDependOnLibsWithTags: ['platform:neutral'] },
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    // Fixture package.json files describe a user's package, not one of ours.
    ignores: ['**/dist', '**/bundle', '**/out-tsc', '**/test-output', '**/node_modules', '**/test/fixtures/**/*.json'],
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs', '**/*.mts', '**/*.cts'],
    plugins: { 'import-x': importX },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          banTransitiveDependencies: true,
          checkNestedExternalImports: true,
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'],
          // A package's light `prestart` entry is imported statically by a program that loads
          // the rest of the package lazily: that is what it is for.
          checkDynamicDependenciesExceptions: ['^@spm/[^/]+/prestart$'],
          depConstraints,
        },
      ],
      // Another package is reached by its name only, never by a path into it — except a
      // package's `prestart` entry: declared in its exports, it exists to be loaded without
      // the package (docs/packages/transport.md, "Prestarted threads").
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@spm/*/*', '!@spm/*/prestart'],
              message: 'Deep imports across packages are banned: import from the package name (e.g. `@spm/typedef`) only.',
            },
          ],
        },
      ],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Integration specs test a package through its public name, as a user would
    // (CONVENTIONS.md), which the boundary rule reads as a self-import. Deep imports stay
    // banned there by no-restricted-imports.
    files: ['**/test/**/*.ts', '**/test/**/*.mts', '**/test/**/*.mjs'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
];
