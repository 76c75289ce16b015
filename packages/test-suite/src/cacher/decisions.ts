import { MotifsErrorValidation, cacheable, uncacheable } from '@motifs/core';
import { deferred, eventually, settle } from '../async.js';
import type { CacherSuiteContext } from './context.js';

/** getOrSet loaders deciding per result: `cacheable(value, { expiryMs, staleMs })`, `uncacheable(value)`. */
export function decisionsGroup({ api, open, waitMs }: CacherSuiteContext): void {
  const { describe, it, expect } = api;

  describe('getOrSet per-result decisions', () => {
    it('uncacheable(v): every waiting caller gets a copy of v, nothing is stored, the next call loads again', async () => {
      const cacher = await open();
      const gate = deferred<{ found: boolean }>();
      let calls = 0;
      const loader = async (): Promise<ReturnType<typeof uncacheable<{ found: boolean }>>> => {
        calls++;
        return uncacheable(await gate.promise);
      };
      const callers = Array.from({ length: 5 }, () => cacher.getOrSet('k', loader, { expiryMs: 60_000 }));
      await settle();
      gate.resolve({ found: false });
      const results = await Promise.all(callers);
      expect(calls).toBe(1);
      for (const result of results) expect(result).toEqual({ found: false });
      results[0]!.found = true;
      expect(results[1]).toEqual({ found: false });
      expect(await cacher.hasItem('k')).toBe(false);
      expect(cacher.stats().sets).toBe(0);
      expect(await cacher.getOrSet('k', () => uncacheable('again'), { expiryMs: 60_000 })).toBe('again');
      expect(calls).toBe(1);
      expect(await cacher.getOrSet('k', () => 'plain', { expiryMs: 60_000 })).toBe('plain');
      expect(await cacher.getItem('k')).toBe('plain');
    });

    it('uncacheable during a stale refresh keeps the stale value and stores nothing', async () => {
      const cacher = await open();
      await cacher.getOrSet('k', () => 'old', { expiryMs: 20, staleMs: 600_000 });
      await eventually(async () => !(await cacher.hasItem('k')), { what: 'k is past its expiry', timeoutMs: waitMs });
      let refreshed = false;
      expect(await cacher.getOrSet('k', () => ((refreshed = true), uncacheable('new')), { expiryMs: 60_000, staleMs: 600_000 })).toBe('old');
      await eventually(() => refreshed, { what: 'the refresh ran', timeoutMs: waitMs });
      await settle();
      expect(await cacher.hasItem('k')).toBe(false);
      expect((await cacher.getEntry('k')).stale).toBe(true);
    });

    it('cacheable(v, { expiryMs }) overrides the call\'s expiry for that value', async () => {
      const cacher = await open();
      const sets: number[] = [];
      cacher.em.on('set', ({ expiryMs }) => {
        sets.push(expiryMs);
      });
      expect(await cacher.getOrSet('short', () => cacheable('s', { expiryMs: 20 }), { expiryMs: 600_000 })).toBe('s');
      expect(await cacher.getOrSet('long', () => cacheable('l', { expiryMs: 600_000 }), { expiryMs: 20 })).toBe('l');
      await eventually(async () => !(await cacher.hasItem('short')), { what: 'short expires', timeoutMs: waitMs });
      expect(await cacher.getItem('long')).toBe('l');
      expect(await cacher.getOrSet('plain', () => cacheable('p'), { expiryMs: 600_000 })).toBe('p');
      expect(await cacher.getItem('plain')).toBe('p');
      await eventually(() => sets.length === 3, { what: 'three set events', timeoutMs: waitMs });
      expect(sets).toEqual([20, 600_000, 600_000]);
    });

    it('cacheable(v, { expiryMs, staleMs }) gives that value a stale window the call did not ask for', async () => {
      const cacher = await open();
      await cacher.getOrSet('k', () => cacheable('old', { expiryMs: 20, staleMs: 600_000 }), { expiryMs: 60_000 });
      await eventually(async () => !(await cacher.hasItem('k')), { what: 'k is past its expiry', timeoutMs: waitMs });
      const gate = deferred<string>();
      expect(await cacher.getOrSet('k', () => gate.promise, { expiryMs: 60_000 })).toBe('old');
      gate.resolve('new');
      await eventually(async () => await cacher.hasItem('k'), { what: 'the refresh is stored', timeoutMs: waitMs });
      expect(await cacher.getItem('k')).toBe('new');
    });

    it('bad cacheable options reject every caller (a loader error) and cache nothing', async () => {
      const cacher = await open();
      const bad: unknown[] = [null, 5, { expiryMs: 0 }, { expiryMs: -1 }, { staleMs: -1 }, { expiryMs: '10' }];
      for (const options of bad) {
        await expect(cacher.getOrSet('k', () => cacheable(1, options as { expiryMs: number }), { expiryMs: 60_000 })).rejects.toBeInstanceOf(MotifsErrorValidation);
      }
      expect(await cacher.hasItem('k')).toBe(false);
    });

    it('a look-alike object is a plain value: only cacheable() / uncacheable() decide', async () => {
      const cacher = await open();
      const lookAlike = { decision: 'uncacheable', value: 1 };
      expect(await cacher.getOrSet('k', () => lookAlike, { expiryMs: 60_000 })).toEqual(lookAlike);
      expect(await cacher.getItem('k')).toEqual(lookAlike);
    });
  });
}
