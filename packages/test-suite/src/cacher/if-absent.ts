import { MotifsErrorValidation } from '@motifs/core';
import { eventually } from '../async.js';
import { uniqueNamespace } from '../services.js';
import type { CacherSuiteContext } from './context.js';

/** How many writers race in the ifAbsent test, and through how many cacher instances. */
const WRITERS = 100;
const INSTANCES = 4;

/** `setItem(key, val, expiryMs, { ifAbsent: true })`: atomic write-if-absent on every backend. */
export function ifAbsentGroup({ api, open, waitMs }: CacherSuiteContext): void {
  const { describe, it, expect } = api;

  describe('setItem ifAbsent', () => {
    it('writes and resolves true when the key is absent; resolves false and changes nothing when it is live', async () => {
      const cacher = await open();
      const sets: string[] = [];
      cacher.em.on('set', ({ key }) => {
        sets.push(key);
      });
      expect(await cacher.setItem('k', { v: 1 }, 60_000, { ifAbsent: true })).toBe(true);
      expect(await cacher.setItem('k', { v: 2 }, 60_000, { ifAbsent: true })).toBe(false);
      expect(await cacher.getItem('k')).toEqual({ v: 1 });
      expect(cacher.stats().sets).toBe(1);
      await eventually(() => sets.length === 1, { what: 'one set event', timeoutMs: waitMs });
      // ifAbsent: false, or no options, writes as always.
      expect(await cacher.setItem('k', { v: 3 }, 60_000, { ifAbsent: false })).toBe(true);
      expect(await cacher.setItem('k', { v: 4 }, 60_000, {})).toBe(true);
      expect(await cacher.getItem('k')).toEqual({ v: 4 });
    });

    it('an expired key counts as absent', async () => {
      const cacher = await open();
      await cacher.setItem('k', 'old', 20);
      await eventually(async () => !(await cacher.hasItem('k')), { what: 'k expires', timeoutMs: waitMs });
      expect(await cacher.setItem('k', 'new', 60_000, { ifAbsent: true })).toBe(true);
      expect(await cacher.getItem('k')).toBe('new');
    });

    it('a value past its expiry, kept only for a getOrSet stale window, counts as absent', async () => {
      const cacher = await open();
      await cacher.getOrSet('k', () => 'stale', { expiryMs: 20, staleMs: 600_000 });
      await eventually(async () => !(await cacher.hasItem('k')), { what: 'k is past its expiry', timeoutMs: waitMs });
      expect(await cacher.setItem('k', 'fresh', 60_000, { ifAbsent: true })).toBe(true);
      expect(await cacher.getItem('k')).toBe('fresh');
      expect(await cacher.setItem('k', 'again', 60_000, { ifAbsent: true })).toBe(false);
    });

    it(`${WRITERS} concurrent ifAbsent writers of one key through ${INSTANCES} cachers: exactly one wins, and its value is stored`, async () => {
      const namespace = uniqueNamespace('race');
      const cachers = await Promise.all(Array.from({ length: INSTANCES }, () => open(namespace)));
      const outcomes = await Promise.all(
        Array.from({ length: WRITERS }, (_, i) => cachers[i % INSTANCES]!.setItem('lock', { writer: i }, 60_000, { ifAbsent: true })),
      );
      const winners = outcomes.flatMap((won, i) => (won ? [i] : []));
      expect(winners).toHaveLength(1);
      for (const cacher of cachers) expect(await cacher.getItem('lock')).toEqual({ writer: winners[0] });
    });

    it('refuses bad options and writes nothing', async () => {
      const cacher = await open();
      const bad: unknown[] = [null, 'ifAbsent', true, [], { ifAbsent: 'yes' }, { ifAbsent: 1 }];
      for (const options of bad) {
        await expect(cacher.setItem('k', 1, 60_000, options as { ifAbsent: boolean })).rejects.toBeInstanceOf(MotifsErrorValidation);
      }
      await expect(cacher.setItem('', 1, 60_000, { ifAbsent: true })).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(cacher.setItem('k', 1, 0, { ifAbsent: true })).rejects.toBeInstanceOf(MotifsErrorValidation);
      await expect(cacher.setItem('k', () => 1, 60_000, { ifAbsent: true })).rejects.toBeInstanceOf(MotifsErrorValidation);
      expect(await cacher.hasItem('k')).toBe(false);
      expect(cacher.stats().sets).toBe(0);
    });

    it('setItems takes no options (no batch ifAbsent): a third argument is refused and nothing is written', async () => {
      const cacher = await open();
      const setItems = cacher.setItems.bind(cacher) as (entries: Record<string, unknown>, expiryMs: number, options: unknown) => Promise<boolean>;
      await expect(setItems({ a: 1 }, 60_000, { ifAbsent: true })).rejects.toBeInstanceOf(MotifsErrorValidation);
      expect(await cacher.hasItem('a')).toBe(false);
    });
  });
}
