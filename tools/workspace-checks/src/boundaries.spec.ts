import { describe, it, expect } from '@jest/globals';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

// These specs lint source text *as if* it stood at a path inside a package, with the
// workspace's real ESLint configuration, and check that the boundary rules of DESIGN.md's
// dependency table fire. A rule that silently stopped working would make them fail.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

// As `nx lint` does, run ESLint from the project's folder so its own eslint.config.mjs applies.
async function lintAt(filePath: string, code: string): Promise<string[]> {
  const projectDir = join(root, ...filePath.split('/').slice(0, 2));
  const eslint = new ESLint({ cwd: projectDir });
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  return (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

describe('module boundaries', () => {
  it('accepts an import that follows the dependency table', async () => {
    const errors = await lintAt('packages/typedef/src/__probe__.ts', "import { SPMError } from '@spm/exceptions';\nexport const x = SPMError;\n");
    expect(errors).toEqual([]);
  });

  it('refuses a deep import into another package', async () => {
    const errors = await lintAt(
      'packages/typedef/src/__probe__.ts',
      "import { SPM_ERROR_CODES } from '@spm/exceptions/src/codes.js';\nexport const x = SPM_ERROR_CODES;\n",
    );
    expect(errors.join('\n')).toMatch(/Deep imports across packages are banned/);
  });

  it('refuses a relative import that reaches into another package', async () => {
    const errors = await lintAt(
      'packages/typedef/src/__probe__.ts',
      "import { SPM_ERROR_CODES } from '../../exceptions/src/codes.js';\nexport const x = SPM_ERROR_CODES;\n",
    );
    expect(errors.some((e) => e.startsWith('@nx/enforce-module-boundaries'))).toBe(true);
  });

  it('refuses an import against the dependency table (typedef may depend on exceptions only)', async () => {
    const errors = await lintAt('packages/typedef/src/__probe__.ts', "import { x } from '@spm/sequence';\nexport const y = x;\n");
    expect(errors.join('\n')).toMatch(/@nx\/enforce-module-boundaries: A project tagged with "scope:typedef" can only depend on libs tagged with "scope:exceptions"/);
  });

  it('refuses an import between siblings that the table does not list (coprocess → transport)', async () => {
    const errors = await lintAt('packages/coprocess/src/__probe__.ts', "import { x } from '@spm/transport';\nexport const y = x;\n");
    expect(errors.join('\n')).toMatch(/A project tagged with "scope:coprocess" can only depend on libs tagged with/);
  });

  it('refuses an import that closes a cycle between packages', async () => {
    const errors = await lintAt('packages/transport/src/__probe__.ts', "import { x } from '@spm/spoke';\nexport const y = x;\n");
    expect(errors.join('\n')).toMatch(/Circular dependency between "@spm\/transport" and "@spm\/spoke"/);
  });

  it('refuses a Node built-in in a platform:neutral package', async () => {
    const errors = await lintAt('packages/typedef/src/__probe__.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n");
    expect(errors.join('\n')).toMatch(/platform:neutral package imports no Node built-ins/);
  });
});

describe('project tags', () => {
  const groups = ['packages', 'apps', 'tools'];
  const projects = groups.flatMap((group) => {
    const dir = join(root, group);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => existsSync(join(dir, name, 'package.json')))
      .map((name) => ({ dir: `${group}/${name}`, pkg: JSON.parse(readFileSync(join(dir, name, 'package.json'), 'utf8')) as { name: string; nx?: { tags?: string[] } } }));
  });

  it('finds the workspace projects', () => {
    expect(projects.map((p) => p.pkg.name)).toEqual(expect.arrayContaining(['@spm/exceptions', '@spm/typedef', '@spm/sequence']));
  });

  it.each(projects.map((p) => [p.dir, p.pkg] as const))('tags %s with scope, layer and platform', (_dir, pkg) => {
    const tags = pkg.nx?.tags ?? [];
    expect(tags.filter((t) => t.startsWith('scope:'))).toHaveLength(1);
    expect(tags.filter((t) => /^layer:(base|runtime|core|closure|app|tool)$/.test(t))).toHaveLength(1);
    expect(tags.filter((t) => /^platform:(node|neutral)$/.test(t))).toHaveLength(1);
  });
});
