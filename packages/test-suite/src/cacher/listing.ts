import { MotifsErrorValidation } from '@motifs/core';
import { compileGlob } from '@motifs/core/kit';
import { GLOB_KEYS, GLOB_PATTERNS } from '../glob-cases.js';
import { uniqueNamespace } from '../services.js';
import type { CacherSuiteContext } from './context.js';

const sorted = (keys: string[]): string[] => [...keys].sort();

/** getItemsLike, getKeys, delItemsLike and namespace isolation. */
export function listingGroup({ api, open, make }: CacherSuiteContext): void {
  const { describe, it, expect } = api;

  describe('getItemsLike (literal prefix)', () => {
    it('returns every live key starting with the prefix, glob characters taken literally', async () => {
      const cacher = await open();
      const data: Record<string, unknown> = { 'a*1': 1, 'a*2': { two: 2 }, ab: 3, 'a?x': 4, 'a[1]': 5, 'a\\b': 6, b: 7, 'ключ-1': 8, 'ключ-2': 9 };
      for (const [key, value] of Object.entries(data)) await cacher.setItem(key, value, 60_000);
      expect(await cacher.getItemsLike('a*')).toEqual({ 'a*1': 1, 'a*2': { two: 2 } });
      expect(await cacher.getItemsLike('a?')).toEqual({ 'a?x': 4 });
      expect(await cacher.getItemsLike('a[')).toEqual({ 'a[1]': 5 });
      expect(await cacher.getItemsLike('a\\')).toEqual({ 'a\\b': 6 });
      expect(await cacher.getItemsLike('ключ')).toEqual({ 'ключ-1': 8, 'ключ-2': 9 });
      expect(await cacher.getItemsLike('zzz')).toEqual({});
      expect(await cacher.getItemsLike('')).toEqual(data);
    });

    it('returns fresh copies', async () => {
      const cacher = await open();
      await cacher.setItem('p/1', { n: [1] }, 60_000);
      const first = await cacher.getItemsLike<{ n: number[] }>('p/');
      first['p/1']!.n.push(2);
      expect(await cacher.getItemsLike('p/')).toEqual({ 'p/1': { n: [1] } });
    });

    it('keeps "__proto__" as a key of the result', async () => {
      const cacher = await open();
      await cacher.setItem('__proto__', 'value', 60_000);
      const all = await cacher.getItemsLike('');
      expect(Object.keys(all)).toEqual(['__proto__']);
      expect(Object.getPrototypeOf(all)).toBe(Object.prototype);
    });

    it('lists many keys (more than one backend page)', async () => {
      const cacher = await open();
      const count = 2_500;
      await Promise.all(Array.from({ length: count }, (_, i) => cacher.setItem(`bulk/${i}`, i, 60_000)));
      await cacher.setItem('other', 'x', 60_000);
      const found = await cacher.getItemsLike<number>('bulk/');
      expect(Object.keys(found)).toHaveLength(count);
      expect(found['bulk/1234']).toBe(1234);
      expect(await cacher.getKeys('bulk/*')).toHaveLength(count);
      expect(await cacher.delItemsLike('bulk/')).toBe(count);
      expect(await cacher.getKeys('*')).toEqual(['other']);
    });
  });

  describe('getKeys (Redis glob)', () => {
    it('matches exactly as Redis does on every reference case', async () => {
      const cacher = await open();
      for (const key of GLOB_KEYS) await cacher.setItem(key, key, 60_000);
      for (const pattern of GLOB_PATTERNS) {
        const expected = GLOB_KEYS.filter(compileGlob(pattern));
        expect({ pattern, keys: sorted(await cacher.getKeys(pattern)) }).toEqual({ pattern, keys: sorted(expected) });
      }
    });
  });

  describe('delItemsLike', () => {
    it('deletes keys with the literal prefix, returns how many, leaves the rest', async () => {
      const cacher = await open();
      for (const key of ['x*1', 'x*2', 'xa', 'y']) await cacher.setItem(key, key, 60_000);
      expect(await cacher.delItemsLike('x*')).toBe(2);
      expect(sorted(await cacher.getKeys('*'))).toEqual(['xa', 'y']);
      expect(await cacher.delItemsLike('nothing')).toBe(0);
      expect(await cacher.delItemsLike('')).toBe(2);
      expect(await cacher.getKeys('*')).toEqual([]);
    });
  });

  describe('namespaces', () => {
    it('isolate cachers sharing a backend; keys come back without the namespace', async () => {
      const base = uniqueNamespace('ns');
      const a = await open(`${base}-a`);
      const b = await open(`${base}-b`);
      const prefixed = await open(`${base}-a-b`);
      await a.setItem('k', 'from a', 60_000);
      await b.setItem('k', 'from b', 60_000);
      await prefixed.setItem('k', 'from a-b', 60_000);
      await a.setItem('only-a', 1, 60_000);
      expect(await a.getItem('k')).toBe('from a');
      expect(await b.getItem('k')).toBe('from b');
      expect(sorted(await a.getKeys('*'))).toEqual(['k', 'only-a']);
      expect(await b.getKeys('*')).toEqual(['k']);
      expect(await b.getItemsLike('')).toEqual({ k: 'from b' });
      expect(await b.hasItem('only-a')).toBe(false);
      expect(await b.delItem('only-a')).toBe(false);
      expect(await b.delItemsLike('')).toBe(1);
      expect(await a.getItemsLike('')).toEqual({ k: 'from a', 'only-a': 1 });
      expect(await prefixed.getItem('k')).toBe('from a-b');
    });

    it('two cachers with the same namespace see the same data', async () => {
      const ns = uniqueNamespace('ns');
      const one = await open(ns);
      const two = await open(ns);
      await one.setItem('shared', { v: 1 }, 60_000);
      expect(await two.getItem('shared')).toEqual({ v: 1 });
    });

    it('glob characters in a namespace are literal', async () => {
      const base = uniqueNamespace('ns');
      const starry = await open(`${base}*[x]?`);
      const plain = await open(`${base}Z[x]Q`);
      await starry.setItem('k', 1, 60_000);
      await plain.setItem('k', 2, 60_000);
      expect(await starry.getKeys('*')).toEqual(['k']);
      expect(await starry.getItemsLike('')).toEqual({ k: 1 });
    });

    it('a namespace containing ":" is refused', async () => {
      await expect(make({ namespace: 'a:b' })).rejects.toBeInstanceOf(MotifsErrorValidation);
    });

    it('a cacher without a namespace never sees, reads or deletes a namespaced cacher\'s entries', async () => {
      // The bare cacher shares the backend with whatever else runs, so it only touches keys under `mine`.
      const ns = uniqueNamespace('ns');
      const mine = uniqueNamespace('bare');
      const named = await open(ns);
      const bare = await make({ namespace: '' });
      try {
        await named.setItem('k', 'named', 60_000);
        await bare.setItem(`${mine}/k`, 'bare', 60_000);
        expect(await bare.getKeys(`${ns}*`)).toEqual([]);
        expect(await bare.getItemsLike(ns)).toEqual({});
        expect(await bare.hasItem(`${ns}:k`)).toBe(false);
        await expect(bare.getItem(`${ns}:k`)).rejects.toMatchObject({ code: 'MOTIFS_NOT_FOUND' });
        expect(await bare.delItem(`${ns}:k`)).toBe(false);
        expect(await bare.delItemsLike(ns)).toBe(0);
        await bare.setItem(`${ns}:k`, 'bare over named?', 60_000);
        expect(await named.getItem('k')).toBe('named');
        expect(await named.getKeys('*')).toEqual(['k']);
        expect(await named.getItemsLike('')).toEqual({ k: 'named' });
        expect(await bare.getItem(`${mine}/k`)).toBe('bare');
        expect(await bare.getItemsLike(mine)).toEqual({ [`${mine}/k`]: 'bare' });
        expect(await named.delItemsLike('')).toBe(1);
        expect(await bare.getItem(`${ns}:k`)).toBe('bare over named?');
      } finally {
        await bare.delItemsLike(mine).catch(() => undefined);
        await bare.delItem(`${ns}:k`).catch(() => undefined);
        await bare.close();
      }
    });
  });
}
