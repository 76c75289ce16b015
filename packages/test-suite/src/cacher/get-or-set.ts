import { type CacherEvents, MotifsErrorNotFound, MotifsErrorSerialization, MotifsErrorValidation } from '@motifs/core';
import { deferred, eventually, settle } from '../async.js';
import type { CacherSuiteContext } from './context.js';

/** getOrSet: single-flight, stale-while-revalidate, loader errors. */
export function getOrSetGroup({ api, open, waitMs }: CacherSuiteContext): void {
  const { describe, it, expect } = api;

  describe('getOrSet', () => {
    it('calls the loader on a miss, stores its result, and serves it from the cache next time', async () => {
      const cacher = await open();
      let calls = 0;
      const loader = async (): Promise<{ n: number }> => ({ n: ++calls });
      expect(await cacher.getOrSet('k', loader, { expiryMs: 60_000 })).toEqual({ n: 1 });
      expect(await cacher.getItem('k')).toEqual({ n: 1 });
      expect(await cacher.getOrSet('k', loader, { expiryMs: 60_000 })).toEqual({ n: 1 });
      expect(calls).toBe(1);
    });

    it('returns what getItem would: JSON values, a Date as its ISO string', async () => {
      const cacher = await open();
      const when = new Date('2020-01-01T00:00:00.000Z');
      expect(await cacher.getOrSet('d', () => ({ when }), { expiryMs: 60_000 })).toEqual({ when: when.toISOString() });
    });

    it('concurrent misses call the loader once; each caller gets its own copy', async () => {
      const cacher = await open();
      const gate = deferred<{ list: number[] }>();
      let calls = 0;
      const loader = (): Promise<{ list: number[] }> => {
        calls++;
        return gate.promise;
      };
      const callers = Array.from({ length: 10 }, () => cacher.getOrSet('k', loader, { expiryMs: 60_000 }));
      await settle();
      gate.resolve({ list: [1] });
      const results = await Promise.all(callers);
      expect(calls).toBe(1);
      for (const r of results) expect(r).toEqual({ list: [1] });
      results[0]!.list.push(2);
      expect(results[1]).toEqual({ list: [1] });
      expect(await cacher.getItem('k')).toEqual({ list: [1] });
    });

    it('a loader error reaches every waiting caller and is never cached', async () => {
      const cacher = await open();
      const gate = deferred<string>();
      let calls = 0;
      const failing = (): Promise<string> => {
        calls++;
        return gate.promise;
      };
      const callers = Array.from({ length: 3 }, () => cacher.getOrSet('k', failing, { expiryMs: 60_000 }).catch((e: unknown) => e));
      await settle();
      const boom = new Error('source down');
      gate.reject(boom);
      for (const outcome of await Promise.all(callers)) expect(outcome).toBe(boom);
      expect(calls).toBe(1);
      expect(await cacher.hasItem('k')).toBe(false);
      expect(await cacher.getOrSet('k', () => 'recovered', { expiryMs: 60_000 })).toBe('recovered');
    });

    it('a loader result the codec refuses is thrown and not cached', async () => {
      const cacher = await open();
      await expect(cacher.getOrSet('k', () => undefined, { expiryMs: 60_000 })).rejects.toBeInstanceOf(MotifsErrorSerialization);
      await expect(cacher.getOrSet('k', () => () => 1, { expiryMs: 60_000 })).rejects.toBeInstanceOf(MotifsErrorSerialization);
      expect(await cacher.hasItem('k')).toBe(false);
    });

    it('refuses bad options without calling the loader', async () => {
      const cacher = await open();
      let calls = 0;
      const loader = (): number => ++calls;
      const bad: unknown[] = [undefined, {}, { expiryMs: 0 }, { expiryMs: -5 }, { expiryMs: 1000, staleMs: -1 }, { expiryMs: 1000, staleMs: Number.NaN }, { expiryMs: 1000, staleMs: '5' }];
      for (const options of bad) {
        await expect(cacher.getOrSet('k', loader, options as { expiryMs: number })).rejects.toBeInstanceOf(MotifsErrorValidation);
      }
      await expect(cacher.getOrSet('k', 'not a function' as unknown as () => number, { expiryMs: 1000 })).rejects.toBeInstanceOf(MotifsErrorValidation);
      expect(calls).toBe(0);
      expect(await cacher.hasItem('k')).toBe(false);
    });

    it('without staleMs, an expired value is loaded again before answering', async () => {
      const cacher = await open();
      let calls = 0;
      const loader = (): number => ++calls;
      expect(await cacher.getOrSet('k', loader, { expiryMs: 20 })).toBe(1);
      await eventually(async () => !(await cacher.hasItem('k')), { what: 'k expires', timeoutMs: waitMs });
      expect(await cacher.getOrSet('k', loader, { expiryMs: 60_000 })).toBe(2);
    });

    it('within staleMs after expiry: getItem misses, getOrSet serves the stale value while one refresh runs', async () => {
      const cacher = await open();
      expect(await cacher.getOrSet('k', () => 'v1', { expiryMs: 20, staleMs: 600_000 })).toBe('v1');
      await eventually(async () => !(await cacher.hasItem('k')), { what: 'k is past its expiry', timeoutMs: waitMs });
      await expect(cacher.getItem('k')).rejects.toBeInstanceOf(MotifsErrorNotFound);
      expect(await cacher.getKeys('*')).toEqual([]);
      expect(await cacher.getItemsLike('')).toEqual({});

      const gate = deferred<string>();
      let calls = 0;
      const refresh = (): Promise<string> => {
        calls++;
        return gate.promise;
      };
      const served = await Promise.all(Array.from({ length: 5 }, () => cacher.getOrSet('k', refresh, { expiryMs: 60_000, staleMs: 600_000 })));
      expect(served).toEqual(['v1', 'v1', 'v1', 'v1', 'v1']);
      expect(calls).toBe(1);
      gate.resolve('v2');
      await eventually(async () => (await cacher.hasItem('k')), { what: 'the refresh is stored', timeoutMs: waitMs });
      expect(await cacher.getItem('k')).toBe('v2');
      expect(await cacher.getOrSet('k', refresh, { expiryMs: 60_000 })).toBe('v2');
      expect(calls).toBe(1);
    });

    it('a failed refresh keeps serving the stale value and reports an error event', async () => {
      const cacher = await open();
      await cacher.getOrSet('k', () => 'old', { expiryMs: 20, staleMs: 600_000 });
      await eventually(async () => !(await cacher.hasItem('k')), { what: 'k is past its expiry', timeoutMs: waitMs });
      const reported = cacher.em.once('error');
      const boom = new Error('refresh failed');
      expect(await cacher.getOrSet('k', () => Promise.reject(boom), { expiryMs: 60_000, staleMs: 600_000 })).toBe('old');
      const event = (await reported) as CacherEvents['error'];
      expect(event).toEqual({ key: 'k', error: boom });
      expect(await cacher.getOrSet('k', () => 'new', { expiryMs: 60_000, staleMs: 600_000 })).toBe('old');
      await eventually(async () => (await cacher.hasItem('k')), { what: 'the second refresh is stored', timeoutMs: waitMs });
      expect(await cacher.getItem('k')).toBe('new');
    });

    it('delItem drops a stale value too', async () => {
      const cacher = await open();
      await cacher.getOrSet('k', () => 'old', { expiryMs: 20, staleMs: 600_000 });
      await eventually(async () => !(await cacher.hasItem('k')), { what: 'k is past its expiry', timeoutMs: waitMs });
      expect(await cacher.delItem('k')).toBe(true);
      expect(await cacher.getOrSet('k', () => 'reloaded', { expiryMs: 60_000, staleMs: 600_000 })).toBe('reloaded');
    });
  });
}
