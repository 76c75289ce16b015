import { describe, expect, it } from '@jest/globals';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import type * as TypeScript from 'typescript';

const require = createRequire(import.meta.url);
const generator = require('../src/adapter/generator.cjs');
const ts = require('typescript') as typeof TypeScript;
const root = resolve(fileURLToPath(import.meta.url), '../../../..');

type Tree = ReturnType<typeof createTreeWithEmptyWorkspace>;

function workspace(): Tree {
  const tree = createTreeWithEmptyWorkspace();
  tree.write('packages/core/package.json', JSON.stringify({ name: '@motifs/core', version: '1.2.3' }));
  return tree;
}

/**
 * Type-checks the generated package's src and test against the workspace's real @motifs/core and
 * @motifs/test-suite sources, reading the generated files from the tree (nothing is written to disk).
 */
function typeErrors(tree: Tree, name: string): string[] {
  const virtualRoot = join(root, 'packages', name);
  const sources = ['src/index.ts', `src/${name.split('-')[0]}.ts`, 'test/contract.test.ts'];
  // package.json too: its "type": "module" makes the resolver treat the sources as ESM.
  const virtual = new Map(['package.json', ...sources].map((file) => [join(virtualRoot, file), tree.read(`packages/${name}/${file}`, 'utf-8')!]));
  const options: TypeScript.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noUncheckedIndexedAccess: true,
    verbatimModuleSyntax: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    typeRoots: [join(root, 'node_modules/@types')],
    baseUrl: root,
    paths: {
      '@motifs/core': ['packages/core/src/index.ts'],
      '@motifs/core/kit': ['packages/core/src/kit.ts'],
      '@motifs/test-suite': ['packages/test-suite/src/index.ts'],
    },
  };
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  const { directoryExists } = host;
  host.fileExists = (file) => virtual.has(file) || fileExists.call(host, file);
  host.directoryExists = (dir) => dir === virtualRoot || dir.startsWith(`${virtualRoot}/`) || (directoryExists?.call(host, dir) ?? true);
  host.readFile = (file) => virtual.get(file) ?? readFile.call(host, file);
  host.getSourceFile = (file, language, ...rest) => {
    const text = virtual.get(file);
    return text === undefined ? getSourceFile.call(host, file, language, ...rest) : ts.createSourceFile(file, text, language);
  };
  host.getCurrentDirectory = () => root;
  const program = ts.createProgram(sources.map((file) => join(virtualRoot, file)), options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && virtual.has(d.file.fileName))
    .map((d) => `${d.file!.fileName.slice(virtualRoot.length + 1)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
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
  });

  // The one contract-suite signature: (runner, { title, create, capabilities?, timeouts?, cleanup? }).
  it.each([
    ['cacher-memcached', 'cacherContract', "create: ({ namespace }) => createCacher({ kind: 'memcached', namespace })"],
    ['repo-postgres', 'repoContract', "create: (options) => createRepo({ kind: 'postgres', ...options })"],
    ['listener-nats', 'listenerContract', 'async create({ partitions })'],
  ])('%s: the contract test calls %s with the one options shape, and type-checks against the real suite', async (name, contract, create) => {
    const tree = workspace();
    await generator(tree, { name });
    const test = tree.read(`packages/${name}/test/contract.test.ts`, 'utf-8')!;
    expect(test).toContain(`${contract}({ describe, it, expect, beforeAll, afterAll, beforeEach, afterEach }, {`);
    expect(test).toContain(`title: '${name.split('-')[1]}'`);
    expect(test).toContain(create);
    for (const old of ['makeRepo', 'newChannel', 'name:']) expect(test).not.toContain(old);
    expect(typeErrors(tree, name)).toEqual([]);
  }, 60_000);

  it('the type check catches a contract file written against another signature', async () => {
    const tree = workspace();
    await generator(tree, { name: 'repo-postgres' });
    const file = 'packages/repo-postgres/test/contract.test.ts';
    tree.write(file, tree.read(file, 'utf-8')!.replace('create:', 'makeRepo:'));
    const errors = typeErrors(tree, 'repo-postgres');
    expect(errors.join('\n')).toMatch(/makeRepo/);
  }, 60_000);

  it('uses the motif to pick the interface and factory', async () => {
    const tree = workspace();
    await generator(tree, { name: 'repo-postgres' });
    const source = tree.read('packages/repo-postgres/src/repo.ts', 'utf-8')!;
    expect(source).toContain('Promise<IRepo<T>>');
    expect(source).toContain('export async function createRepo');
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
