// What only the memory cacher has: maxKeys, its options, node-cache ownership and timers.
import { afterEach, describe, expect, it } from '@jest/globals';
import NodeCache from 'node-cache';
import { MotifsErrorUnavailable, MotifsErrorValidation, isMotifsError, type ICacher } from '@motifs/core';
import { createCacher, createMemoryCacher } from '../src/index.js';

const open: ICacher[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});
function track<C extends ICacher>(cacher: C): C {
  open.push(cacher);
  return cacher;
}
const refTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('maxKeys', () => {
  it('refuses a new key when full, writes nothing, and still overwrites existing keys', async () => {
    const cacher = track(createMemoryCacher({ maxKeys: 2 }));
    await cacher.setItem('a', 1, 60_000);
    await cacher.setItem('b', 2, 60_000);
    const err = await cacher.setItem('c', 3, 60_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MotifsErrorUnavailable);
    expect(isMotifsError(err, 'MOTIFS_UNAVAILABLE') && err.details).toEqual({ reason: 'full', maxKeys: 2 });
    expect(await cacher.hasItem('c')).toBe(false);
    expect(await cacher.setItem('a', 'updated', 60_000)).toBe(true);
    expect(await cacher.getItemsLike('')).toEqual({ a: 'updated', b: 2 });
  });

  it('setItems that would overflow writes none of its entries; overwrites and a fitting batch pass', async () => {
    const cacher = track(createMemoryCacher({ maxKeys: 3 }));
    await cacher.setItem('a', 1, 60_000);
    const err = await cacher.setItems({ a: 'x', b: 2, c: 3, d: 4 }, 60_000).catch((e: unknown) => e);
    expect(isMotifsError(err, 'MOTIFS_UNAVAILABLE') && err.details).toEqual({ reason: 'full', maxKeys: 3 });
    expect(await cacher.getItemsLike('')).toEqual({ a: 1 });
    expect(await cacher.setItems({ a: 'x', b: 2, c: 3 }, 60_000)).toBe(true);
    expect(await cacher.getItemsLike('')).toEqual({ a: 'x', b: 2, c: 3 });
  });

  it('makes room by dropping expired entries first', async () => {
    const cacher = track(createMemoryCacher({ maxKeys: 2, checkPeriodMs: 0 }));
    await cacher.setItem('short', 1, 1);
    await cacher.setItem('long', 2, 60_000);
    const start = Date.now();
    while (Date.now() - start < 5) await new Promise((r) => setTimeout(r, 2)); // let 'short' pass its expiry
    expect(await cacher.setItem('new', 3, 60_000)).toBe(true);
    expect(await cacher.getItemsLike('')).toEqual({ long: 2, new: 3 });
  });

  it('getOrSet still returns the loaded value when the cache is full, and reports it', async () => {
    const cacher = track(createMemoryCacher({ maxKeys: 1 }));
    await cacher.setItem('a', 1, 60_000);
    const reported = cacher.em.once('error');
    expect(await cacher.getOrSet('b', () => 'loaded', { expiryMs: 60_000 })).toBe('loaded');
    expect((await reported).error).toBeInstanceOf(MotifsErrorUnavailable);
    expect(await cacher.hasItem('b')).toBe(false);
  });
});

describe('without a namespace', () => {
  it('keys naming Object.prototype members, or starting with "$", are ordinary keys', async () => {
    const cacher = track(createMemoryCacher());
    const keys = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '$constructor', '$', '$$x', 'plain'];
    await expect(cacher.getItem('constructor')).rejects.toThrow('no cached value');
    for (const [i, key] of keys.entries()) await cacher.setItem(key, { i }, 60_000);
    for (const [i, key] of keys.entries()) expect(await cacher.getItem(key)).toEqual({ i });
    expect((await cacher.getKeys('*')).sort()).toEqual([...keys].sort());
    expect(Object.keys(await cacher.getItemsLike('$')).sort()).toEqual(['$', '$$x', '$constructor']);
    expect(await cacher.getKeys('[$]*')).toHaveLength(3);
    expect(await cacher.delItem('__proto__')).toBe(true);
    expect(await cacher.hasItem('__proto__')).toBe(false);
    expect(await cacher.delItemsLike('$')).toBe(3);
    expect((await cacher.getKeys('*')).sort()).toEqual(['constructor', 'hasOwnProperty', 'plain', 'toString']);
    expect(({} as Record<string, unknown>).i).toBeUndefined();
  });

  it('expire events carry the caller\'s key', async () => {
    const cacher = track(createMemoryCacher());
    const expired = cacher.em.once('expire');
    await cacher.setItem('$constructor', 1, 1);
    while (await cacher.hasItem('$constructor')) await new Promise((r) => setTimeout(r, 2));
    expect(await expired).toEqual({ key: '$constructor' });
  });
});

describe('a private cacher (its own Map store, keys stored without the namespace prefix)', () => {
  it('lists, watches, expires and deletes under its namespace exactly as a shared one', async () => {
    const cacher = track(createMemoryCacher({ namespace: 'ns', checkPeriodMs: 0 }));
    const seen: string[] = [];
    await cacher.watch('u*', ({ type, key }) => {
      seen.push(`${type}:${key}`);
    });
    const expired = cacher.em.once('expire');
    await cacher.setItems({ 'u/1': { a: 1 }, 'u/2': 2, 'v/1': 3 }, 60_000);
    await cacher.setItem('u/short', 'x', 1);
    expect((await cacher.getKeys('u/?')).sort()).toEqual(['u/1', 'u/2']);
    expect(await cacher.getItemsLike('u/')).toMatchObject({ 'u/1': { a: 1 }, 'u/2': 2 });
    expect(await cacher.getItems(['u/1', 'v/1', 'nope'])).toEqual({ 'u/1': { a: 1 }, 'v/1': 3 });
    while (await cacher.hasItem('u/short')) await new Promise((r) => setTimeout(r, 2));
    expect(await expired).toEqual({ key: 'u/short' });
    expect(await cacher.delItemsLike('u/')).toBe(2);
    expect(await cacher.getItemsLike('')).toEqual({ 'v/1': 3 });
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual(['set:u/1', 'set:u/2', 'set:u/short', 'expire:u/short', 'delete:u/1', 'delete:u/2']);
  });

  it('the checkPeriodMs sweep drops expired entries and reports them without any read', async () => {
    const cacher = track(createMemoryCacher({ checkPeriodMs: 10 }));
    const expired = cacher.em.once('expire');
    await cacher.setItem('soon', 1, 1);
    await cacher.setItem('later', 2, 60_000);
    expect(await expired).toEqual({ key: 'soon' });
    expect(await cacher.getItemsLike('')).toEqual({ later: 2 });
  });

  it('hands out copies and keeps its own: mutating what was set or got changes nothing', async () => {
    const cacher = track(createMemoryCacher({ namespace: 'ns' }));
    const value = { list: [1, { deep: true }], at: { n: 1 } };
    await cacher.setItem('k', value, 60_000);
    value.list.push(2);
    value.at.n = 2;
    const got = await cacher.getItem<typeof value>('k');
    expect(got).toEqual({ list: [1, { deep: true }], at: { n: 1 } });
    (got.list[1] as { deep: boolean }).deep = false;
    got.at.n = 3;
    expect(await cacher.getItem('k')).toEqual({ list: [1, { deep: true }], at: { n: 1 } });
  });

  it('copies own properties only, even when Object.prototype carries enumerable ones', async () => {
    const cacher = track(createMemoryCacher());
    const proto = Object.prototype as Record<string, unknown>;
    proto.pollutedObject = { x: 1 };
    proto.pollutedNumber = -0;
    try {
      await cacher.setItem('k', { a: { b: 1 }, n: -0 }, 60_000);
      const got = await cacher.getItem<Record<string, unknown>>('k');
      expect(Object.keys(got)).toEqual(['a', 'n']);
      expect(Object.is(got.n, 0)).toBe(true);
      expect(Object.keys(got.a as object)).toEqual(['b']);
    } finally {
      delete proto.pollutedObject;
      delete proto.pollutedNumber;
    }
  });
});

describe('a node-cache shared with other code', () => {
  it('a cacher without a namespace lists, reads and deletes only its own entries', async () => {
    const cache = new NodeCache({ useClones: false, checkperiod: 0 });
    cache.set('other-app:config', { owner: 'other' });
    cache.set('$raw', 'x');
    cache.set('motifs:cache:ns:k', 'a namespaced cacher\'s entry');
    const before = cache.keys().sort();
    const cacher = track(createMemoryCacher({ cache }));
    try {
      await cacher.setItem('mine', 1, 60_000);
      expect(await cacher.getKeys('*')).toEqual(['mine']);
      expect(await cacher.getItemsLike('')).toEqual({ mine: 1 });
      await expect(cacher.getItem('other-app:config')).rejects.toMatchObject({ code: 'MOTIFS_NOT_FOUND' });
      expect(await cacher.delItem('$raw')).toBe(false);
      expect(await cacher.delItemsLike('')).toBe(1);
      expect(cache.keys().sort()).toEqual(before);
      expect(cache.get('other-app:config')).toEqual({ owner: 'other' });
    } finally {
      cache.close();
    }
  });
});

describe('options', () => {
  it.each([
    [{ maxKeys: 0 }],
    [{ maxKeys: -1 }],
    [{ maxKeys: 1.5 }],
    [{ maxKeys: '10' }],
    [{ checkPeriodMs: -1 }],
    [{ checkPeriodMs: Infinity }],
    [{ cache: {} }],
  ])('refuses %j', async (memory) => {
    await expect(createCacher({ kind: 'memory', memory: memory as never })).rejects.toBeInstanceOf(MotifsErrorValidation);
  });

  it('refuses a namespace that is not a string', () => {
    expect(() => createMemoryCacher({ namespace: 5 as unknown as string })).toThrow(MotifsErrorValidation);
  });
});

describe('resources', () => {
  it('its sweep timer never keeps the process alive', () => {
    const before = refTimers();
    track(createMemoryCacher({ checkPeriodMs: 1000 }));
    expect(refTimers()).toBe(before);
  });

  it('close() leaves an injected node-cache open and usable', async () => {
    const cache = new NodeCache({ useClones: false, checkperiod: 0 });
    const cacher = createMemoryCacher({ cache, namespace: 'ns' });
    await cacher.setItem('k', 1, 60_000);
    await cacher.close();
    expect(cache.keys()).toEqual(['motifs:cache:ns:k']);
    expect(cache.listenerCount('expired')).toBe(0);
    cache.close();
  });
});
