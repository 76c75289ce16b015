import { type ICacher, MotifsErrorSerialization, MotifsErrorValidation } from '@motifs/core';
import { eventually } from '../async.js';
import type { CacherSuiteContext } from './context.js';

const sorted = (keys: string[]): string[] => [...keys].sort();

/** getItems, setItems and delItems: one call for many keys, validated like the single-key calls. */
export function batchGroup({ api, open, waitMs }: CacherSuiteContext): void {
  const { describe, it, expect } = api;

  const seeded = async (): Promise<ICacher> => {
    const cacher = await open();
    await cacher.setItem('existing', 'kept', 60_000);
    return cacher;
  };

  describe('batch: getItems / setItems / delItems', () => {
    it('round-trips entries: setItems then getItems returns equal copies, misses absent', async () => {
      const cacher = await open();
      const entries = { 'b/1': { n: 1, list: [1, 2] }, 'b/2': 'two', 'b/3': null, 'b/4': 0, 'ключ 🔑': { deep: { x: true } } };
      expect(await cacher.setItems(entries, 60_000)).toBe(true);
      const back = await cacher.getItems(['b/1', 'b/2', 'b/3', 'b/4', 'ключ 🔑', 'missing']);
      expect(back).toEqual(entries);
      expect(Object.keys(back)).not.toContain('missing');
      (back['b/1'] as { list: number[] }).list.push(3);
      expect((await cacher.getItems(['b/1']))['b/1']).toEqual({ n: 1, list: [1, 2] });
    });

    it('empty input is valid and touches nothing', async () => {
      const cacher = await seeded();
      expect(await cacher.getItems([])).toEqual({});
      expect(await cacher.setItems({}, 60_000)).toBe(true);
      expect(await cacher.delItems([])).toBe(0);
      expect(cacher.stats()).toMatchObject({ hits: 0, misses: 0, deletes: 0 });
    });

    it('counts a key given twice once (getItems stats, delItems count)', async () => {
      const cacher = await open();
      await cacher.setItems({ a: 1, b: 2 }, 60_000);
      expect(await cacher.getItems(['a', 'a', 'b', 'x', 'x'])).toEqual({ a: 1, b: 2 });
      expect(cacher.stats()).toMatchObject({ hits: 2, misses: 1, sets: 2 });
      expect(await cacher.delItems(['a', 'a', 'x', 'b'])).toBe(2);
      expect(cacher.stats().deletes).toBe(2);
      expect(await cacher.getKeys('*')).toEqual([]);
    });

    it('keeps "__proto__" as a key of the result', async () => {
      const cacher = await open();
      await cacher.setItems(JSON.parse('{"__proto__": "p", "ok": 1}') as Record<string, unknown>, 60_000);
      const back = await cacher.getItems(['__proto__', 'ok']);
      expect(Object.keys(back).sort()).toEqual(['__proto__', 'ok']);
      expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
      expect(back.__proto__).toBe('p');
    });

    it('setItems applies the expiry to every entry; expired keys are absent from getItems', async () => {
      const cacher = await open();
      await cacher.setItems({ short1: 1, short2: 2 }, 150);
      await cacher.setItems({ long: 3 }, 60_000);
      expect(await cacher.getItems(['short1', 'short2', 'long'])).toEqual({ short1: 1, short2: 2, long: 3 });
      await eventually(async () => Object.keys(await cacher.getItems(['short1', 'short2', 'long'])).length === 1, { what: 'short entries expire', timeoutMs: waitMs });
      expect(await cacher.getItems(['short1', 'short2', 'long'])).toEqual({ long: 3 });
      expect(await cacher.delItems(['short1', 'short2', 'long'])).toBe(1);
    });

    it('serves a value past its expiry kept for getOrSet staleMs as a miss, like getItem', async () => {
      const cacher = await open();
      await cacher.getOrSet('stale', () => 'old', { expiryMs: 100, staleMs: 60_000 });
      await eventually(async () => !(await cacher.hasItem('stale')), { what: 'stale expires', timeoutMs: waitMs });
      expect(await cacher.getItems(['stale'])).toEqual({});
      expect(await cacher.getOrSet('stale', () => 'new', { expiryMs: 60_000, staleMs: 60_000 })).toBe('old');
    });

    it('handles 1,000 keys in each call', async () => {
      const cacher = await open();
      const entries: Record<string, number> = {};
      for (let i = 0; i < 1000; i++) entries[`k/${i}`] = i;
      await cacher.setItems(entries, 60_000);
      const keys = Object.keys(entries);
      const back = await cacher.getItems<number>([...keys, 'none']);
      expect(Object.keys(back)).toHaveLength(1000);
      expect(back['k/999']).toBe(999);
      expect(await cacher.delItems(keys.slice(0, 600))).toBe(600);
      expect(Object.keys(await cacher.getItems(keys))).toHaveLength(400);
      expect((await cacher.getKeys('k/*')).length).toBe(400);
    });

    it('agrees with the single-key calls', async () => {
      const cacher = await open();
      await cacher.setItems({ s1: { a: 1 }, s2: [2] }, 60_000);
      await cacher.setItem('s3', 's3', 60_000);
      expect(await cacher.getItem('s1')).toEqual({ a: 1 });
      expect(await cacher.hasItem('s2')).toBe(true);
      expect(await cacher.getItems(['s1', 's2', 's3'])).toEqual({ s1: { a: 1 }, s2: [2], s3: 's3' });
      expect(await cacher.getItemsLike('s')).toEqual(await cacher.getItems(['s1', 's2', 's3']));
      expect(await cacher.delItems(['s1'])).toBe(1);
      expect(await cacher.delItem('s1')).toBe(false);
      expect(sorted(await cacher.getKeys('s*'))).toEqual(['s2', 's3']);
    });

    it('emits hit, miss, set and delete per key', async () => {
      const cacher = await open();
      const seen: string[] = [];
      cacher.em.on('hit', ({ key }) => void seen.push(`hit ${key}`));
      cacher.em.on('miss', ({ key }) => void seen.push(`miss ${key}`));
      cacher.em.on('set', ({ key, expiryMs }) => void seen.push(`set ${key} ${expiryMs}`));
      cacher.em.on('delete', ({ key }) => void seen.push(`delete ${key}`));
      await cacher.setItems({ e1: 1, e2: 2 }, 60_000);
      await cacher.getItems(['e1', 'nope']);
      await cacher.delItems(['e2', 'nope']);
      await eventually(() => seen.length >= 5, { what: 'five events', timeoutMs: waitMs });
      expect(sorted(seen)).toEqual(sorted(['set e1 60000', 'set e2 60000', 'hit e1', 'miss nope', 'delete e2']));
    });

    describe('validation: one bad key or value anywhere rejects the call and writes nothing', () => {
      const badKeys: [string, unknown][] = [
        ['an empty key', ''],
        ['a number', 42],
        ['null', null],
        ['a lone surrogate', 'a\ud800'],
        ['an over-long key', 'x'.repeat(1025)],
      ];
      for (const [label, bad] of badKeys) {
        it(`${label} among good keys`, async () => {
          const cacher = await seeded();
          await expect(cacher.getItems(['existing', bad as string])).rejects.toBeInstanceOf(MotifsErrorValidation);
          await expect(cacher.delItems(['existing', bad as string])).rejects.toBeInstanceOf(MotifsErrorValidation);
          if (typeof bad === 'string') {
            await expect(cacher.setItems({ fresh: 1, [bad]: 2 }, 60_000)).rejects.toBeInstanceOf(MotifsErrorValidation);
          }
          expect(await cacher.getItemsLike('')).toEqual({ existing: 'kept' });
        });
      }

      it('non-array keys, non-object entries and bad expiries', async () => {
        const cacher = await seeded();
        for (const keys of ['existing', undefined, null, { 0: 'existing' }]) {
          await expect(cacher.getItems(keys as unknown as string[])).rejects.toBeInstanceOf(MotifsErrorValidation);
          await expect(cacher.delItems(keys as unknown as string[])).rejects.toBeInstanceOf(MotifsErrorValidation);
        }
        for (const entries of [null, undefined, 'x', [['fresh', 1]], new Map([['fresh', 1]])]) {
          await expect(cacher.setItems(entries as unknown as Record<string, unknown>, 60_000)).rejects.toBeInstanceOf(MotifsErrorValidation);
        }
        for (const expiry of [-1, Number.NaN, '60000', undefined]) {
          await expect(cacher.setItems({ fresh: 1 }, expiry as number)).rejects.toBeInstanceOf(MotifsErrorValidation);
        }
        expect(await cacher.getItemsLike('')).toEqual({ existing: 'kept' });
      });

      it('a value the JSON codec refuses writes none of the entries', async () => {
        const cacher = await seeded();
        await expect(cacher.setItems({ fresh: 1, bad: { n: BigInt(1) }, other: 2 }, 60_000)).rejects.toBeInstanceOf(MotifsErrorSerialization);
        expect(await cacher.getItemsLike('')).toEqual({ existing: 'kept' });
      });
    });
  });
}
