// Shared jest config: TypeScript via swc in native ESM mode (so ESM-only deps such as emittery load),
// and workspace packages mapped to their sources so tests never need a prior build.
import { createRequire } from 'node:module';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** name -> absolute package dir, for every workspace package with a src/index.ts */
function workspacePackages() {
  const found = new Map();
  for (const parent of ['packages', 'examples']) {
    const base = join(root, parent);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base)) {
      const file = join(base, entry, 'package.json');
      if (!existsSync(file)) continue;
      const { name } = JSON.parse(readFileSync(file, 'utf8'));
      if (existsSync(join(base, entry, 'src', 'index.ts'))) found.set(name, join(base, entry));
    }
  }
  return found;
}

/**
 * @param {string} configUrl import.meta.url of the package's jest.config.mjs
 * @param {import('jest').Config} [overrides]
 */
export function preset(configUrl, overrides = {}) {
  const dir = dirname(fileURLToPath(configUrl));
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const declared = { ...pkg.peerDependencies, ...pkg.dependencies, ...pkg.devDependencies };
  const workspace = workspacePackages();
  const moduleNameMapper = { '^(\\.{1,2}/.*)\\.js$': '$1' };
  // Only what the package declares is mapped, so a missing dependency fails here as it would for a user.
  for (const name of Object.keys(declared)) {
    const target = workspace.get(name);
    if (!target) continue;
    moduleNameMapper[`^${name.replace('/', '\\/')}$`] = join(target, 'src', 'index.ts');
    // Subpath exports (`@motifs/core/kit`) map to the source file of the same name.
    const { exports: map = {} } = JSON.parse(readFileSync(join(target, 'package.json'), 'utf8'));
    for (const sub of Object.keys(map)) {
      if (sub === '.' || sub === './package.json' || !sub.startsWith('./')) continue;
      moduleNameMapper[`^${name.replace('/', '\\/')}\\/${sub.slice(2)}$`] = join(target, 'src', `${sub.slice(2)}.ts`);
    }
  }
  return {
    displayName: pkg.name,
    rootDir: dir,
    testEnvironment: 'node',
    extensionsToTreatAsEsm: ['.ts'],
    transform: {
      '^.+\\.ts$': [
        require.resolve('@swc/jest'),
        { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' }, sourceMaps: 'inline' },
      ],
    },
    moduleNameMapper,
    testMatch: ['<rootDir>/test/**/*.test.ts'],
    testTimeout: 30_000,
    ...overrides,
  };
}
