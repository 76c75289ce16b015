import { type ICacher, MotifsErrorSerialization, MotifsErrorValidation } from '@motifs/core';
import { MAX_EXPIRY_MS, MAX_JSON_DEPTH } from '@motifs/core/kit';
import { LONE_SURROGATE_STRINGS, nestedArrays } from '../edge-cases.js';
import { GLOB_REJECTED_PATTERNS } from '../glob-cases.js';
import { uniqueNamespace } from '../services.js';
import type { CacherSuiteContext } from './context.js';

/**
 * Input backends handle differently unless an adapter takes care: lone surrogates, glob ranges with
 * non-ASCII ends, huge expiries, very deep values, getters and toJSON that throw. Each gets one
 * typed outcome on every backend, and nothing is written.
 */
export function edgeInputGroup({ api, open, make }: CacherSuiteContext): void {
  const { describe, it, expect } = api;

  const seeded = async (): Promise<ICacher> => {
    const cacher = await open();
    await cacher.setItem('existing', 'kept', 60_000);
    return cacher;
  };
  const untouched = async (cacher: ICacher): Promise<void> => {
    expect(await cacher.getItemsLike('')).toEqual({ existing: 'kept' });
  };

  describe('edge input: lone surrogates', () => {
    for (const [label, text] of LONE_SURROGATE_STRINGS) {
      it(`a key with ${label} is refused everywhere with MotifsErrorValidation`, async () => {
        const cacher = await seeded();
        let loaded = 0;
        await expect(cacher.setItem(text, 'x', 60_000)).rejects.toBeInstanceOf(MotifsErrorValidation);
        await expect(cacher.getItem(text)).rejects.toBeInstanceOf(MotifsErrorValidation);
        await expect(cacher.hasItem(text)).rejects.toBeInstanceOf(MotifsErrorValidation);
        await expect(cacher.delItem(text)).rejects.toBeInstanceOf(MotifsErrorValidation);
        await expect(cacher.getOrSet(text, () => ++loaded, { expiryMs: 60_000 })).rejects.toBeInstanceOf(MotifsErrorValidation);
        await expect(cacher.getItemsLike(text)).rejects.toBeInstanceOf(MotifsErrorValidation);
        await expect(cacher.delItemsLike(text)).rejects.toBeInstanceOf(MotifsErrorValidation);
        await expect(cacher.getKeys(`${text}*`)).rejects.toBeInstanceOf(MotifsErrorValidation);
        expect(loaded).toBe(0);
        await untouched(cacher);
      });

      it(`a namespace with ${label} is refused`, async () => {
        await expect(make({ namespace: `${uniqueNamespace('ns')}${text}` })).rejects.toBeInstanceOf(MotifsErrorValidation);
      });
    }

    it('two keys differing only in a lone surrogate can never collide', async () => {
      const cacher = await seeded();
      await expect(cacher.setItem('a\ud800', 1, 60_000)).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(cacher.setItem('a\udfff', 2, 60_000)).rejects.toBeInstanceOf(MotifsErrorValidation);
      await cacher.setItem('a\ufffd', 3, 60_000);
      expect(await cacher.getItem('a\ufffd')).toBe(3);
      expect((await cacher.getKeys('a*')).sort()).toEqual(['a\ufffd']);
    });

    it('values and their object keys keep lone surrogates (JSON escapes them)', async () => {
      const cacher = await open();
      const value = { 'k\ud800': 'a\udc00b', list: ['\udbff', '\ud83d\udd11'], 'k\udc00': 2 };
      await cacher.setItem('v', value, 60_000);
      expect(await cacher.getItem('v')).toEqual(value);
      expect(await cacher.getItemsLike('v')).toEqual({ v: value });
      expect(await cacher.getOrSet('w', () => value, { expiryMs: 60_000 })).toEqual(value);
      expect(await cacher.getItem('w')).toEqual(value);
    });
  });

  describe('edge input: glob ranges', () => {
    for (const pattern of GLOB_REJECTED_PATTERNS) {
      it(`getKeys(${JSON.stringify(pattern)}) — a range with a non-ASCII end — is refused with MotifsErrorValidation`, async () => {
        const cacher = await seeded();
        await cacher.setItem('k-é', 1, 60_000);
        await expect(cacher.getKeys(pattern)).rejects.toBeInstanceOf(MotifsErrorValidation);
      });
    }
  });

  describe('edge input: expiry bounds', () => {
    it(`accepts MAX_EXPIRY_MS (${MAX_EXPIRY_MS}) as expiry and as stale window`, async () => {
      const cacher = await open();
      expect(await cacher.setItem('max', 'v', MAX_EXPIRY_MS)).toBe(true);
      expect(await cacher.getItem('max')).toBe('v');
      expect(await cacher.getOrSet('stale', () => 's', { expiryMs: MAX_EXPIRY_MS, staleMs: MAX_EXPIRY_MS })).toBe('s');
      expect(await cacher.getItem('stale')).toBe('s');
      expect((await cacher.getKeys('*')).sort()).toEqual(['max', 'stale']);
    });

    for (const expiryMs of [MAX_EXPIRY_MS + 1, 1e300, Number.MAX_VALUE, Number.MAX_SAFE_INTEGER, 2 ** 60]) {
      it(`expiryMs ${expiryMs} is refused with MotifsErrorValidation and writes nothing`, async () => {
        const cacher = await seeded();
        let loaded = 0;
        await expect(cacher.setItem('existing', 'changed', expiryMs)).rejects.toBeInstanceOf(MotifsErrorValidation);
        await expect(cacher.setItem('new', 'x', expiryMs)).rejects.toBeInstanceOf(MotifsErrorValidation);
        await expect(cacher.getOrSet('new', () => ++loaded, { expiryMs })).rejects.toBeInstanceOf(MotifsErrorValidation);
        await expect(cacher.getOrSet('new', () => ++loaded, { expiryMs: 60_000, staleMs: expiryMs })).rejects.toBeInstanceOf(MotifsErrorValidation);
        expect(loaded).toBe(0);
        await untouched(cacher);
      });
    }
  });

  describe('edge input: values JSON cannot hold', () => {
    const userError = new Error('the getter failed');
    const throwers: [string, () => unknown][] = [
      ['a getter that throws', () => ({ a: 1, get b(): never { throw userError; } })],
      ['a nested getter that throws', () => ({ a: [{ get b(): never { throw userError; } }] })],
      ['a toJSON that throws', () => ({ a: { toJSON(): never { throw userError; } } })],
      ['a top-level toJSON that throws', () => ({ toJSON(): never { throw userError; } })],
    ];
    for (const [label, value] of throwers) {
      it(`${label}: MotifsErrorSerialization with the user's error as cause, nothing written`, async () => {
        const cacher = await seeded();
        const err = await cacher.setItem('existing', value(), 60_000).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(MotifsErrorSerialization);
        expect((err as Error).cause).toBe(userError);
        const viaLoader = await cacher.getOrSet('new', value, { expiryMs: 60_000 }).catch((e: unknown) => e);
        expect(viaLoader).toBeInstanceOf(MotifsErrorSerialization);
        expect((viaLoader as Error).cause).toBe(userError);
        await untouched(cacher);
      });
    }

    it('a toJSON whose result has its own toJSON: MotifsErrorSerialization (JSON.stringify would drop it)', async () => {
      const cacher = await seeded();
      const value = { a: { toJSON: () => ({ toJSON: () => 1, b: 2 }) } };
      await expect(cacher.setItem('existing', value, 60_000)).rejects.toBeInstanceOf(MotifsErrorSerialization);
      await expect(cacher.getOrSet('new', () => value, { expiryMs: 60_000 })).rejects.toBeInstanceOf(MotifsErrorSerialization);
      await untouched(cacher);
    });

    it('an array with its own toJSON is stored as what toJSON returns, as JSON.stringify does', async () => {
      const cacher = await open();
      const list = Object.assign([1, 2], { toJSON: (key: string) => `as text (${key})` });
      await cacher.setItem('a', { list }, 60_000);
      expect(await cacher.getItem('a')).toEqual({ list: 'as text (list)' });
      expect(await cacher.getOrSet('b', () => ({ list }), { expiryMs: 60_000 })).toEqual({ list: 'as text (list)' });
    });

    it(`a value nested MAX_JSON_DEPTH (${MAX_JSON_DEPTH}) levels round-trips; one level more is refused`, async () => {
      const cacher = await seeded();
      const deepest = nestedArrays(MAX_JSON_DEPTH);
      await cacher.setItem('deepest', deepest, 60_000);
      expect(await cacher.getItem('deepest')).toEqual(deepest);
      expect(await cacher.getItemsLike('deepest')).toEqual({ deepest });
      await expect(cacher.setItem('deeper', nestedArrays(MAX_JSON_DEPTH + 1), 60_000)).rejects.toBeInstanceOf(MotifsErrorSerialization);
      await expect(cacher.setItem('deeper', { a: nestedArrays(MAX_JSON_DEPTH) }, 60_000)).rejects.toBeInstanceOf(MotifsErrorSerialization);
      expect(await cacher.hasItem('deeper')).toBe(false);
      await cacher.delItem('deepest');
      await untouched(cacher);
    });

    it('a value nested 100,000 levels deep: MotifsErrorSerialization, nothing written', async () => {
      const cacher = await seeded();
      const deep = nestedArrays(100_000);
      await expect(cacher.setItem('existing', deep, 60_000)).rejects.toBeInstanceOf(MotifsErrorSerialization);
      await expect(cacher.setItem('new', { a: deep }, 60_000)).rejects.toBeInstanceOf(MotifsErrorSerialization);
      await expect(cacher.getOrSet('new', () => deep, { expiryMs: 60_000 })).rejects.toBeInstanceOf(MotifsErrorSerialization);
      await untouched(cacher);
    });
  });
}
