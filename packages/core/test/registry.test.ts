import { afterEach, describe, expect, it } from '@jest/globals';
import { MotifsErrorAdapterMissing, MotifsErrorValidation, makeCacher, makeListener, makePublisher, makeRepo, registerKind, unregisterKind, type ICacher } from '../src/index.js';
import { BUILTIN_KINDS } from '../src/kit.js';

// Test-only kinds, added the way an adapter package adds its own.
declare module '../src/index.js' {
  interface CacherKinds {
    memory: { maxKeys?: number };
    'test-kind': { label?: string };
  }
  interface RepoKinds {
    memory: Record<string, never>;
  }
  interface ListenerKinds {
    kafka: { url?: string };
  }
}

afterEach(() => {
  unregisterKind('cacher', 'test-kind');
  unregisterKind('cacher', 'memory');
});

describe('kind factories', () => {
  it('throws the adapter-missing error with the install hint when @motifs/cacher-memory is not installed', async () => {
    const attempt = makeCacher({ kind: 'memory' });
    await expect(attempt).rejects.toBeInstanceOf(MotifsErrorAdapterMissing);
    await expect(makeCacher({ kind: 'memory' })).rejects.toMatchObject({
      code: 'MOTIFS_ADAPTER_MISSING',
      kind: 'memory',
      packageName: '@motifs/cacher-memory',
      message: expect.stringContaining('npm i @motifs/cacher-memory'),
    });
  });

  it.each([
    ['repo', () => makeRepo({ kind: 'memory', name: 'contacts' }), '@motifs/repo-memory'],
    ['listener', () => makeListener({ kind: 'kafka', channelId: 'mars', kafka: { url: 'localhost:9092' } }), '@motifs/listener-kafka'],
    ['publisher', () => makePublisher({ kind: 'kafka', channelId: 'mars' }), '@motifs/listener-kafka'],
  ])('names the package to install for a %s', async (_motif, make, pkg) => {
    await expect(make()).rejects.toMatchObject({ code: 'MOTIFS_ADAPTER_MISSING', packageName: pkg });
  });

  it('maps every built-in kind to a scoped package', () => {
    for (const kinds of Object.values(BUILTIN_KINDS)) {
      for (const pkg of Object.values(kinds)) expect(pkg).toMatch(/^@motifs\/[a-z-]+$/);
    }
  });

  it('builds a registered kind with the full options', async () => {
    const seen: unknown[] = [];
    const fake = { close: async () => undefined } as unknown as ICacher;
    registerKind('cacher', 'test-kind', (options) => {
      seen.push(options);
      return fake;
    });
    await expect(makeCacher({ kind: 'test-kind', namespace: 'ns', 'test-kind': { label: 'x' } })).resolves.toBe(fake);
    expect(seen).toEqual([{ kind: 'test-kind', namespace: 'ns', 'test-kind': { label: 'x' } }]);
  });

  it('lets a registered kind shadow a built-in one, and unregister restores it', async () => {
    const fake = {} as ICacher;
    registerKind('cacher', 'memory', async () => fake);
    await expect(makeCacher({ kind: 'memory' })).resolves.toBe(fake);
    expect(unregisterKind('cacher', 'memory')).toBe(true);
    await expect(makeCacher({ kind: 'memory' })).rejects.toBeInstanceOf(MotifsErrorAdapterMissing);
  });

  it('rejects an unknown kind naming the register call', async () => {
    await expect(makeCacher({ kind: 'nope' } as never)).rejects.toMatchObject({
      code: 'MOTIFS_ADAPTER_MISSING',
      message: expect.stringContaining("registerKind('cacher', 'nope'"),
    });
  });

  it.each([null, undefined, 'memory', {}, { kind: 3 }])('rejects options %p with a validation error', async (options) => {
    await expect(makeCacher(options as never)).rejects.toBeInstanceOf(MotifsErrorValidation);
  });

  it('validates register calls', () => {
    expect(() => registerKind('cacher', '', () => ({}))).toThrow(MotifsErrorValidation);
    expect(() => registerKind('cacher', 'x', 'nope' as never)).toThrow(MotifsErrorValidation);
  });

  it('propagates a factory error untouched', async () => {
    const boom = new Error('boom');
    registerKind('cacher', 'test-kind', () => {
      throw boom;
    });
    await expect(makeCacher({ kind: 'test-kind' })).rejects.toBe(boom);
  });
});
