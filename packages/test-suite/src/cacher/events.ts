import { eventually, settle } from '../async.js';
import type { CacherSuiteContext } from './context.js';

/** Typed events and hit/miss stats. */
export function eventsGroup({ api, open, capabilities, waitMs }: CacherSuiteContext): void {
  const { describe, it, expect } = api;

  describe('events and stats', () => {
    it('emits hit, miss, set and delete with the caller\'s key', async () => {
      const cacher = await open();
      const seen: string[] = [];
      for (const name of ['hit', 'miss', 'set', 'delete'] as const) {
        cacher.em.on(name, (data) => {
          seen.push(`${name}:${JSON.stringify(data)}`);
        });
      }
      await cacher.setItem('k', 1, 1000);
      await cacher.getItem('k');
      await cacher.getItem('absent').catch(() => undefined);
      await cacher.delItem('k');
      await cacher.setItem('p/1', 1, 1000);
      await cacher.delItemsLike('p/');
      await eventually(() => seen.length >= 6, { what: 'six events', timeoutMs: waitMs });
      expect(seen.sort()).toEqual([
        'delete:{"key":"k"}',
        'delete:{"key":"p/1"}',
        'hit:{"key":"k","stale":false}',
        'miss:{"key":"absent"}',
        'set:{"key":"k","expiryMs":1000}',
        'set:{"key":"p/1","expiryMs":1000}',
      ]);
    });

    it('a listener added after calls were made still hears the next ones (on, once, events())', async () => {
      const cacher = await open();
      await cacher.setItem('k', 1, 60_000);
      await cacher.getItem('k');
      const heard: string[] = [];
      const off = cacher.em.on('hit', ({ key }) => {
        heard.push(`on:${key}`);
      });
      const once = cacher.em.once('set');
      const iterator = cacher.em.events('delete');
      const next = iterator.next();
      await cacher.getItem('k');
      await cacher.setItem('k2', 2, 60_000);
      await cacher.delItem('k2');
      await eventually(() => heard.length === 1, { what: 'the hit listener ran', timeoutMs: waitMs });
      expect(heard).toEqual(['on:k']);
      expect(await once).toEqual({ key: 'k2', expiryMs: 60_000 });
      expect((await next).value).toEqual({ key: 'k2' });
      await iterator.return?.();
      off();
      await cacher.getItem('k');
      await settle();
      expect(heard).toEqual(['on:k']);
    });

    it('counts hits, misses, sets and deletes', async () => {
      const cacher = await open();
      expect(cacher.stats()).toEqual({ hits: 0, misses: 0, sets: 0, deletes: 0, hitRate: 0 });
      await cacher.setItem('a', 1, 60_000);
      await cacher.getItem('a');
      await cacher.getItem('a');
      await cacher.getItem('b').catch(() => undefined);
      await cacher.getOrSet('c', () => 3, { expiryMs: 60_000 });
      await cacher.getOrSet('c', () => 3, { expiryMs: 60_000 });
      await cacher.delItem('a');
      expect(cacher.stats()).toEqual({ hits: 3, misses: 2, sets: 2, deletes: 1, hitRate: 3 / 5 });
    });

    it('a throwing listener does not break the cacher', async () => {
      const cacher = await open();
      cacher.em.on('hit', () => {
        throw new Error('listener bug');
      });
      await cacher.setItem('k', 1, 60_000);
      expect(await cacher.getItem('k')).toBe(1);
      await settle();
      expect(await cacher.getItem('k')).toBe(1);
    });

    // Only adapters that declare the capability get this test (Redis needs keyspace notifications).
    if (capabilities.expireEvents) it('emits expire when a key\'s time is up', async () => {
      const cacher = await open();
      const expired = cacher.em.once('expire');
      await cacher.setItem('short', 1, 20);
      await eventually(async () => !(await cacher.hasItem('short')), { what: 'short expires', timeoutMs: waitMs });
      expect(await expired).toEqual({ key: 'short' });
    });
  });
}
