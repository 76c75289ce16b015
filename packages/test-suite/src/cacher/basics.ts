import { type MotifsError, MotifsErrorNotFound, MotifsErrorSerialization, MotifsErrorUnavailable, MotifsErrorValidation } from '@motifs/core';
import { MAX_KEY_LENGTH } from '@motifs/core/kit';
import { eventually } from '../async.js';
import { asyncDispose } from '../dispose.js';
import type { CacherSuiteContext } from './context.js';

const SAMPLE = { id: 'c-1', name: 'Ada', tags: ['math', 'engines'], address: { city: 'London' }, born: 1815, alive: false, spouse: null };

/** setItem / getItem / hasItem / delItem, expiry, copies and close. */
export function basicsGroup({ api, open, waitMs }: CacherSuiteContext): void {
  const { describe, it, expect } = api;

  describe('values', () => {
    it('setItem resolves true and getItem returns an equal value', async () => {
      const cacher = await open();
      expect(await cacher.setItem('contacts/1', SAMPLE, 60_000)).toBe(true);
      expect(await cacher.getItem('contacts/1')).toEqual(SAMPLE);
    });

    const values: [string, unknown][] = [
      ['a string', 'hello'],
      ['an empty string', ''],
      ['zero', 0],
      ['a negative float', -12.5],
      ['false', false],
      ['true', true],
      ['null', null],
      ['an empty array', []],
      ['an empty object', {}],
      ['unicode', { 'ключ': 'значение', emoji: '🔑', nul: 'a\u0000b' }],
      ['a nested array', [[1, [2, [3]]], { a: [{}] }]],
    ];
    for (const [label, value] of values) {
      it(`round-trips ${label}`, async () => {
        const cacher = await open();
        await cacher.setItem('v', value, 60_000);
        expect(await cacher.getItem('v')).toEqual(value);
      });
    }

    it('returns a Date as its ISO string, as JSON does', async () => {
      const cacher = await open();
      const when = new Date('2024-02-29T12:34:56.789Z');
      await cacher.setItem('d', { when, list: [when] }, 60_000);
      expect(await cacher.getItem('d')).toEqual({ when: when.toISOString(), list: [when.toISOString()] });
    });

    it('keeps a "__proto__" key as data, never as a prototype', async () => {
      const cacher = await open();
      await cacher.setItem('p', JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}'), 60_000);
      const back = await cacher.getItem<Record<string, unknown>>('p');
      expect(Object.keys(back)).toEqual(['__proto__', 'ok']);
      expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('hands out a fresh copy on every read', async () => {
      const cacher = await open();
      const input = { list: [1, 2], nested: { n: 1 } };
      await cacher.setItem('c', input, 60_000);
      input.list.push(3);
      input.nested.n = 99;
      const first = await cacher.getItem<typeof input>('c');
      first.list.push(4);
      first.nested.n = 42;
      const second = await cacher.getItem<typeof input>('c');
      expect(second).toEqual({ list: [1, 2], nested: { n: 1 } });
      expect(second).not.toBe(first);
    });

    const keys: [string, string][] = [
      ['glob characters', '*?[a-z]\\^]'],
      ['unicode', 'ключ/🔑/é'],
      ['the namespace separator', 'a:b:c'],
      ['"__proto__"', '__proto__'],
      ['"constructor"', 'constructor'],
      ['"hasOwnProperty"', 'hasOwnProperty'],
      ['spaces and newlines', ' a \n b '],
      [`${MAX_KEY_LENGTH} characters`, 'k'.repeat(MAX_KEY_LENGTH)],
    ];
    for (const [label, key] of keys) {
      it(`accepts a key with ${label}`, async () => {
        const cacher = await open();
        await cacher.setItem(key, { key }, 60_000);
        expect(await cacher.getItem(key)).toEqual({ key });
        expect(await cacher.hasItem(key)).toBe(true);
        expect(await cacher.getKeys('*')).toEqual([key]);
        expect(await cacher.delItem(key)).toBe(true);
        expect(await cacher.hasItem(key)).toBe(false);
      });
    }

    it('keys that differ only by a leading "$" or name a prototype member stay distinct', async () => {
      const cacher = await open();
      const keys = ['constructor', '$constructor', '$$constructor', '$', '$$', 'toString', '__proto__', '$__proto__'];
      for (const [i, key] of keys.entries()) await cacher.setItem(key, i, 60_000);
      for (const [i, key] of keys.entries()) expect(await cacher.getItem(key)).toBe(i);
      expect((await cacher.getKeys('*')).sort()).toEqual([...keys].sort());
      expect(Object.keys(await cacher.getItemsLike('$')).sort()).toEqual(['$', '$$', '$$constructor', '$__proto__', '$constructor'].sort());
      expect(await cacher.delItemsLike('$$')).toBe(2);
      expect(await cacher.delItem('constructor')).toBe(true);
      expect(await cacher.getItem('$constructor')).toBe(1);
    });

    it('a missing key throws MotifsErrorNotFound', async () => {
      const cacher = await open();
      const err = await cacher.getItem('nope').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MotifsErrorNotFound);
      expect((err as MotifsError).code).toBe('MOTIFS_NOT_FOUND');
      // Built-in prototypes stay out of the keyspace.
      await expect(cacher.getItem('constructor')).rejects.toBeInstanceOf(MotifsErrorNotFound);
      await expect(cacher.getItem('toString')).rejects.toBeInstanceOf(MotifsErrorNotFound);
    });

    it('delItem resolves true for an existing key and false otherwise', async () => {
      const cacher = await open();
      await cacher.setItem('k', 1, 60_000);
      expect(await cacher.delItem('k')).toBe(true);
      expect(await cacher.delItem('k')).toBe(false);
      await expect(cacher.getItem('k')).rejects.toBeInstanceOf(MotifsErrorNotFound);
      expect(await cacher.delItem('never')).toBe(false);
    });

    it('setItem overwrites the value and its expiry', async () => {
      const cacher = await open();
      await cacher.setItem('k', 'first', 60_000);
      await cacher.setItem('k', 'second', Infinity);
      expect(await cacher.getItem('k')).toBe('second');
    });
  });

  describe('expiry', () => {
    it('a key expires after expiryMs: getItem misses, hasItem is false, listings skip it', async () => {
      const cacher = await open();
      await cacher.setItem('short', 'v', 20);
      await cacher.setItem('long', 'v', 600_000);
      await eventually(async () => !(await cacher.hasItem('short')), { what: 'short expires', timeoutMs: waitMs });
      await expect(cacher.getItem('short')).rejects.toBeInstanceOf(MotifsErrorNotFound);
      expect(await cacher.getKeys('*')).toEqual(['long']);
      expect(await cacher.getItemsLike('')).toEqual({ long: 'v' });
      expect(await cacher.delItem('short')).toBe(false);
      expect(await cacher.getItem('long')).toBe('v');
    });

    it('Infinity never expires, and overwriting replaces a short expiry', async () => {
      const cacher = await open();
      await cacher.setItem('forever', 1, Infinity);
      await cacher.setItem('extended', 2, 20);
      await cacher.setItem('extended', 3, Infinity);
      await cacher.setItem('probe', 0, 20);
      await eventually(async () => !(await cacher.hasItem('probe')), { what: 'probe expires', timeoutMs: waitMs });
      expect(await cacher.getItem('forever')).toBe(1);
      expect(await cacher.getItem('extended')).toBe(3);
    });

    it('rounds a fractional expiry up to whole milliseconds', async () => {
      const cacher = await open();
      expect(await cacher.setItem('tiny', 1, 0.25)).toBe(true);
      expect(await cacher.setItem('frac', 1, 60_000.4)).toBe(true);
      expect(await cacher.getItem('frac')).toBe(1);
    });
  });

  describe('bad input throws a typed error and writes nothing', () => {
    const badKeys: [string, unknown][] = [
      ['an empty key', ''],
      ['a key over the limit', 'k'.repeat(MAX_KEY_LENGTH + 1)],
      ['a number key', 42],
      ['a null key', null],
      ['an undefined key', undefined],
      ['an object key', {}],
    ];
    for (const [label, key] of badKeys) it(label, async () => {
      const cacher = await open();
      await cacher.setItem('existing', 'kept', 60_000);
      const k = key as string;
      await expect(cacher.setItem(k, 'x', 60_000)).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(cacher.getItem(k)).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(cacher.hasItem(k)).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(cacher.delItem(k)).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(cacher.getOrSet(k, () => 'x', { expiryMs: 1000 })).rejects.toBeInstanceOf(MotifsErrorValidation);
      expect(await cacher.getItemsLike('')).toEqual({ existing: 'kept' });
    });

    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    const badValues: [string, unknown][] = [
      ['undefined', undefined],
      ['a function', () => 1],
      ['a symbol', Symbol('s')],
      ['a BigInt', BigInt(1)],
      ['a cycle', cycle],
      ['NaN', Number.NaN],
      ['Infinity', Infinity],
      ['a Map', new Map([[1, 2]])],
      ['a nested undefined', { a: { b: undefined } }],
      ['an invalid Date', new Date('nope')],
    ];
    for (const [label, value] of badValues) it(`value: ${label}`, async () => {
      const cacher = await open();
      await cacher.setItem('k', 'before', 60_000);
      const err = await cacher.setItem('k', value, 60_000).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MotifsErrorSerialization);
      expect(err).toBeInstanceOf(MotifsErrorValidation);
      expect(await cacher.getItem('k')).toBe('before');
      await expect(cacher.setItem('fresh', value, 60_000)).rejects.toBeInstanceOf(MotifsErrorSerialization);
      expect(await cacher.hasItem('fresh')).toBe(false);
    });

    for (const expiryMs of [0, -1, -Infinity, Number.NaN, '100', null, undefined, {}] as unknown[]) it(`expiryMs ${String(expiryMs)}`, async () => {
      const cacher = await open();
      await cacher.setItem('k', 'before', 60_000);
      await expect(cacher.setItem('k', 'after', expiryMs as number)).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(cacher.setItem('other', 'after', expiryMs as number)).rejects.toBeInstanceOf(MotifsErrorValidation);
      expect(await cacher.getItemsLike('')).toEqual({ k: 'before' });
    });

    it('listing arguments are checked', async () => {
      const cacher = await open();
      await expect(cacher.getItemsLike(7 as unknown as string)).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(cacher.getItemsLike('p'.repeat(MAX_KEY_LENGTH + 1))).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(cacher.delItemsLike(null as unknown as string)).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(cacher.getKeys('')).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(cacher.getKeys(undefined as unknown as string)).rejects.toBeInstanceOf(MotifsErrorValidation);
    });
  });

  describe('close', () => {
    it('later calls reject with MotifsErrorUnavailable; closing twice is fine', async () => {
      const cacher = await open();
      await cacher.setItem('k', 1, 5_000);
      await cacher.close();
      await cacher.close();
      await expect(cacher.getItem('k')).rejects.toBeInstanceOf(MotifsErrorUnavailable);
      await expect(cacher.setItem('k', 1, 1000)).rejects.toBeInstanceOf(MotifsErrorUnavailable);
      await expect(cacher.getKeys('*')).rejects.toBeInstanceOf(MotifsErrorUnavailable);
    });

    it('[Symbol.asyncDispose]() closes it as close() does (what `await using` calls)', async () => {
      const cacher = await open();
      await cacher.setItem('k', 1, 5_000);
      await asyncDispose(cacher);
      await expect(cacher.getItem('k')).rejects.toBeInstanceOf(MotifsErrorUnavailable);
      await expect(cacher.setItem('k', 1, 1000)).rejects.toBeInstanceOf(MotifsErrorUnavailable);
      await expect(cacher.getOrSet('k', () => 1, { expiryMs: 1000 })).rejects.toBeInstanceOf(MotifsErrorUnavailable);
      await asyncDispose(cacher);
      await expect(cacher.close()).resolves.toBeUndefined();
    });
  });
}
