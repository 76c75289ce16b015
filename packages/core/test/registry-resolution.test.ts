import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeMotif, registerKind, unregisterKind, type ICacher } from '../src/kit.js';

// An "installed" adapter in a throwaway application directory, out of core's own sight, the way a
// strict pnpm install leaves it: app/node_modules/@motifs/cacher-memory.
let base: string;
let app: string;
const argv1 = process.argv[1];

function installFakeAdapter(dir: string, body: string): void {
  const pkg = join(dir, 'node_modules', '@motifs', 'cacher-memory');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@motifs/cacher-memory', type: 'module', exports: { '.': { default: './index.js' } } }));
  writeFileSync(join(pkg, 'index.js'), body);
}

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'motifs-registry-'));
  app = join(base, 'app');
  mkdirSync(join(app, 'src'), { recursive: true });
  writeFileSync(join(app, 'src', 'main.js'), '');
  installFakeAdapter(app, "export function createCacher(options) { return { from: 'entry', options }; }\n");
  const cwdApp = join(base, 'cwd-app');
  installFakeAdapter(cwdApp, "export function createCacher() { return { from: 'cwd' }; }\n");
  writeFileSync(join(cwdApp, 'package.json'), '{"name":"cwd-app","private":true}');
  // A tool installed in node_modules (a test runner, a process manager) is not the application.
  const tool = join(app, 'node_modules', 'some-runner', 'bin');
  mkdirSync(tool, { recursive: true });
  writeFileSync(join(tool, 'run.js'), '');
});

afterEach(() => {
  process.argv[1] = argv1!;
  jest.restoreAllMocks();
  unregisterKind('cacher', 'memory');
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('finding a built-in adapter core does not depend on', () => {
  it('resolves it from the application entry module (process.argv[1])', async () => {
    process.argv[1] = join(app, 'src', 'main.js');
    await expect(makeMotif('cacher', { kind: 'memory', namespace: 'n' })).resolves.toEqual({ from: 'entry', options: { kind: 'memory', namespace: 'n' } });
  });

  it('then from the working directory, and skips an entry module inside node_modules', async () => {
    process.argv[1] = join(app, 'node_modules', 'some-runner', 'bin', 'run.js');
    jest.spyOn(process, 'cwd').mockReturnValue(join(base, 'cwd-app'));
    await expect(makeMotif('cacher', { kind: 'memory' })).resolves.toEqual({ from: 'cwd' });
  });

  it('names the package, where it looked and the two ways out when it is nowhere', async () => {
    process.argv[1] = join(base, 'nowhere.js');
    writeFileSync(process.argv[1], '');
    jest.spyOn(process, 'cwd').mockReturnValue(base);
    const err = await makeMotif('cacher', { kind: 'memory' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MOTIFS_ADAPTER_MISSING', kind: 'memory', packageName: '@motifs/cacher-memory' });
    const { message } = err as Error;
    expect(message).toContain(join(base, 'nowhere.js'));
    expect(message).toContain('npm i @motifs/cacher-memory');
    expect(message).toContain("registerKind('cacher', 'memory', createCacher)");
  });

  it('prefers a kind the user registered over the installed package', async () => {
    process.argv[1] = join(app, 'src', 'main.js');
    const fake = {} as ICacher;
    registerKind('cacher', 'memory', () => fake);
    await expect(makeMotif('cacher', { kind: 'memory' })).resolves.toBe(fake);
    expect(unregisterKind('cacher', 'memory')).toBe(true);
    await expect(makeMotif('cacher', { kind: 'memory' })).resolves.toMatchObject({ from: 'entry' });
  });
});

describe('loaders passed by a package that depends on the adapters', () => {
  it('imports the built-in package through its loader', async () => {
    const fake = {} as ICacher;
    const loader = jest.fn(async () => ({ createCacher: () => fake }));
    await expect(makeMotif('cacher', { kind: 'memory' }, { '@motifs/cacher-memory': loader })).resolves.toBe(fake);
    expect(loader).toHaveBeenCalledTimes(1);
  });

  it('lets a registered kind win over the loader, and brings the loader back on unregister', async () => {
    const mine = {} as ICacher;
    const builtin = {} as ICacher;
    const loaders = { '@motifs/cacher-memory': async () => ({ createCacher: () => builtin }) };
    registerKind('cacher', 'memory', () => mine);
    await expect(makeMotif('cacher', { kind: 'memory' }, loaders)).resolves.toBe(mine);
    unregisterKind('cacher', 'memory');
    await expect(makeMotif('cacher', { kind: 'memory' }, loaders)).resolves.toBe(builtin);
  });

  it('reports a loader whose package is missing as adapter-missing, and any other loader failure as is', async () => {
    const missing = Object.assign(new Error("Cannot find package '@motifs/cacher-memory' imported from /x"), { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(makeMotif('cacher', { kind: 'memory' }, { '@motifs/cacher-memory': () => Promise.reject(missing) }))
      .rejects.toMatchObject({ code: 'MOTIFS_ADAPTER_MISSING', packageName: '@motifs/cacher-memory' });
    const broken = new SyntaxError('broken adapter');
    await expect(makeMotif('cacher', { kind: 'memory' }, { '@motifs/cacher-memory': () => Promise.reject(broken) })).rejects.toBe(broken);
  });

  it('rejects a package without the motif factory', async () => {
    await expect(makeMotif('cacher', { kind: 'memory' }, { '@motifs/cacher-memory': async () => ({ createRepo: () => ({}) }) }))
      .rejects.toMatchObject({ code: 'MOTIFS_ADAPTER_MISSING', message: expect.stringContaining('does not export createCacher()') });
  });

  it('treats inherited property names as unknown kinds, never as packages', async () => {
    for (const kind of ['toString', '__proto__', 'constructor']) {
      await expect(makeMotif('cacher', { kind })).rejects.toMatchObject({ code: 'MOTIFS_ADAPTER_MISSING', message: expect.stringContaining('unknown cacher kind') });
    }
  });
});
