import { MotifsErrorValidation } from '@motifs/core';
import { eventually } from '../async.js';
import type { CacherSuiteContext } from './context.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `getEntry(key)`: a value with its metadata, `{ hit, value, ageMs, stale }`. */
export function entryGroup({ api, open, waitMs }: CacherSuiteContext): void {
  const { describe, it, expect } = api;

  describe('getEntry', () => {
    it('a hit: a copy of the value, its age since written, not stale', async () => {
      const cacher = await open();
      await cacher.setItem('k', { list: [1] }, 60_000);
      const entry = await cacher.getEntry<{ list: number[] }>('k');
      expect(entry).toMatchObject({ hit: true, value: { list: [1] }, stale: false });
      expect(typeof entry.ageMs).toBe('number');
      expect(entry.ageMs).toBeGreaterThanOrEqual(0);
      expect(entry.ageMs).toBeLessThan(60_000);
      entry.value!.list.push(2);
      expect(await cacher.getItem('k')).toEqual({ list: [1] });
    });

    it('ageMs counts from the write: it grows, and a new write resets it', async () => {
      const cacher = await open();
      await cacher.setItem('k', 1, 60_000);
      await sleep(60);
      const older = await cacher.getEntry('k');
      expect(older.ageMs).toBeGreaterThanOrEqual(50);
      await cacher.setItem('k', 2, 60_000);
      const newer = await cacher.getEntry('k');
      expect(newer.ageMs).toBeLessThan(older.ageMs!);
    });

    it('a miss resolves { hit: false } (no throw) and counts as a miss', async () => {
      const cacher = await open();
      const misses: string[] = [];
      cacher.em.on('miss', ({ key }) => {
        misses.push(key);
      });
      expect(await cacher.getEntry('absent')).toEqual({ hit: false, value: undefined, ageMs: undefined, stale: false });
      expect(cacher.stats()).toMatchObject({ hits: 0, misses: 1 });
      await eventually(() => misses.length === 1, { what: 'a miss event', timeoutMs: waitMs });
      await cacher.setItem('gone', 1, 20);
      await eventually(async () => !(await cacher.getEntry('gone')).hit, { what: 'gone expires', timeoutMs: waitMs });
    });

    it('values written by setItems and getOrSet carry their age too', async () => {
      const cacher = await open();
      await cacher.setItems({ a: 1 }, 60_000);
      await cacher.getOrSet('b', () => 2, { expiryMs: 60_000 });
      await cacher.setItem('c', 3, 60_000, { ifAbsent: true });
      for (const key of ['a', 'b', 'c']) {
        const entry = await cacher.getEntry(key);
        expect(entry.hit).toBe(true);
        expect(typeof entry.ageMs).toBe('number');
      }
    });

    it('a value past its expiry inside a stale window: hit, stale, while getItem misses', async () => {
      const cacher = await open();
      await cacher.getOrSet('k', () => 'old', { expiryMs: 20, staleMs: 600_000 });
      await eventually(async () => !(await cacher.hasItem('k')), { what: 'k is past its expiry', timeoutMs: waitMs });
      const entry = await cacher.getEntry('k');
      expect(entry).toMatchObject({ hit: true, value: 'old', stale: true });
      expect(entry.ageMs).toBeGreaterThanOrEqual(20);
      const hits: boolean[] = [];
      cacher.em.on('hit', ({ stale }) => {
        hits.push(stale);
      });
      await cacher.getEntry('k');
      await eventually(() => hits.length === 1, { what: 'a hit event', timeoutMs: waitMs });
      expect(hits).toEqual([true]);
    });

    it('refuses a bad key', async () => {
      const cacher = await open();
      for (const key of ['', 5, null, 'x'.repeat(2000)]) {
        await expect(cacher.getEntry(key as string)).rejects.toBeInstanceOf(MotifsErrorValidation);
      }
    });
  });
}
