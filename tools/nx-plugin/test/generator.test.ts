import { describe, expect, it } from '@jest/globals';
import { createRequire } from 'node:module';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';

const require = createRequire(import.meta.url);
const generator = require('../src/adapter/generator.cjs');

function workspace() {
  const tree = createTreeWithEmptyWorkspace();
  tree.write('packages/core/package.json', JSON.stringify({ name: '@motifs/core', version: '1.2.3' }));
  return tree;
}

describe('adapter generator', () => {
  it('scaffolds a package with the workspace conventions', async () => {
    const tree = workspace();
    await generator(tree, { name: 'cacher-memcached', client: 'memjs' });
    const pkg = JSON.parse(tree.read('packages/cacher-memcached/package.json', 'utf-8')!);
    expect(pkg).toMatchObject({
      name: '@motifs/cacher-memcached',
      type: 'module',
      sideEffects: false,
      peerDependencies: { '@motifs/core': 'workspace:>=0.1.0 <1.0.0' },
      dependencies: { memjs: 'latest' },
    });
    expect(Object.keys(pkg.exports['.'])[0]).toBe('types');
    for (const script of ['build', 'typecheck', 'lint', 'lint:package', 'test']) expect(pkg.scripts[script]).toBeDefined();
    for (const file of ['tsconfig.json', 'tsconfig.build.json', 'jest.config.mjs', 'README.md', 'src/index.ts', 'src/cacher.ts', 'test/contract.test.ts']) {
      expect(tree.exists(`packages/cacher-memcached/${file}`)).toBe(true);
    }
    const source = tree.read('packages/cacher-memcached/src/cacher.ts', 'utf-8')!;
    expect(source).toContain("interface CacherKinds");
    expect(source).toContain("'memcached': MemcachedOptions");
    const contract = tree.read('packages/cacher-memcached/test/contract.test.ts', 'utf-8')!;
    expect(contract).toContain("cacherContract(api, {");
    expect(contract).toContain("createCacher({ kind: 'memcached', namespace })");
    expect(contract).not.toContain('makeRepo');
  });

  it('uses the motif to pick the interface and factory', async () => {
    const tree = workspace();
    await generator(tree, { name: 'repo-postgres' });
    const source = tree.read('packages/repo-postgres/src/repo.ts', 'utf-8')!;
    expect(source).toContain('Promise<IRepo<T>>');
    expect(source).toContain('export async function createRepo');
    expect(tree.read('packages/repo-postgres/test/contract.test.ts', 'utf-8')).toContain("makeRepo: async (options) => createRepo({ kind: 'postgres', ...options })");
  });

  it.each(['memcached', 'cache-x', 'Cacher-X', ''])('rejects the name %j', async (name) => {
    await expect(generator(workspace(), { name })).rejects.toThrow(/cacher-xyz, repo-xyz or listener-xyz/);
  });

  it('refuses to overwrite an existing package', async () => {
    const tree = workspace();
    tree.write('packages/cacher-x/package.json', '{}');
    await expect(generator(tree, { name: 'cacher-x' })).rejects.toThrow(/already exists/);
  });
});
