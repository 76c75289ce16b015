// toKeyvStore's own mapping onto the cacher (Keyv's compliance suite runs in keyv-suite.spec.ts, under vitest).
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Keyv } from 'keyv';
import { MotifsErrorUnavailable } from '@motifs/core';
import { createMemoryCacher, type MemoryCacher } from '@motifs/cacher-memory';
import { toKeyvStore } from '../src/index.js';

let cacher: MemoryCacher;
beforeEach(() => {
  cacher = createMemoryCacher();
});
afterEach(() => cacher.close());

describe('toKeyvStore', () => {
  it('a miss is undefined, not an error', async () => {
    expect(await toKeyvStore(cacher).get('nope')).toBeUndefined();
  });

  it('passes the TTL through as expiryMs, and no TTL as no expiry', async () => {
    const store = toKeyvStore(cacher);
    await store.set('short', 'v', 20);
    await store.set('forever', 'v');
    await store.set('zero', 'v', 0);
    const deadline = Date.now() + 5000;
    while (await cacher.hasItem('short')) {
      if (Date.now() > deadline) throw new Error('short never expired');
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await cacher.getKeys('*')).toEqual(expect.arrayContaining(['forever', 'zero']));
  });

  it('stores what Keyv serialized and clear() only empties its namespace', async () => {
    const a = new Keyv({ store: toKeyvStore(cacher), namespace: 'a' });
    const b = new Keyv({ store: toKeyvStore(cacher), namespace: 'b' });
    await a.set('k', { n: 1 });
    await b.set('k', { n: 2 });
    expect(typeof (await cacher.getItem('a:k'))).toBe('string');
    await a.clear();
    expect(await a.get('k')).toBeUndefined();
    expect(await b.get('k')).toEqual({ n: 2 });
  });

  it('iterator() yields the namespace\'s entries', async () => {
    const store = toKeyvStore(cacher);
    await cacher.setItem('ns:1', 'one', 60_000);
    await cacher.setItem('other:2', 'two', 60_000);
    const seen: [string, unknown][] = [];
    for await (const entry of store.iterator('ns')) seen.push(entry);
    expect(seen).toEqual([['ns:1', 'one']]);
  });

  it('getMany, deleteMany and has', async () => {
    const store = toKeyvStore(cacher);
    await store.set('x', 1);
    await store.set('y', 2);
    expect(await store.getMany(['x', 'nope', 'y'])).toEqual([1, undefined, 2]);
    expect(await store.has('x')).toBe(true);
    expect(await store.deleteMany(['x', 'y'])).toBe(true);
    expect(await store.deleteMany(['x'])).toBe(false);
    expect(await store.has('x')).toBe(false);
  });

  it('getMany, setMany and deleteMany are one batch call each on the cacher', async () => {
    const store = toKeyvStore(cacher);
    const calls: string[] = [];
    for (const name of ['getItems', 'setItems', 'delItems', 'getItem', 'setItem', 'delItem'] as const) {
      const original = cacher[name].bind(cacher) as (...args: unknown[]) => Promise<unknown>;
      (cacher as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
        calls.push(name);
        return original(...args);
      };
    }
    expect(await store.setMany([{ key: 'a', value: 1, ttl: 60_000 }, { key: 'b', value: 2, ttl: 60_000 }, { key: 'c', value: 3 }])).toEqual([true, true, true]);
    expect(await store.getMany(['a', 'b', 'c', 'a', 'nope'])).toEqual([1, 2, 3, 1, undefined]);
    expect(await store.deleteMany(['a', 'b', 'a'])).toBe(true);
    // One setItems per distinct TTL: 60 s, and none for 'c'.
    expect(calls).toEqual(['setItems', 'setItems', 'getItems', 'delItems']);
    expect(await cacher.getItemsLike('')).toEqual({ c: 3 });
  });

  it('errors other than a miss reach Keyv; disconnect() closes the cacher', async () => {
    const store = toKeyvStore(cacher);
    await store.disconnect();
    await expect(store.get('k')).rejects.toBeInstanceOf(MotifsErrorUnavailable);
  });
});
