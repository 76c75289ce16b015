// @motifs/cacher-memory against the in-memory caches a user would pick instead, reading and writing a
// small object. Each name says whether the peer isolates the caller from the cache (checked by
// mutating inputs and results): "shared refs" hand out the stored object itself. The peers that copy
// (on either side; motifs copies on both set and get) are the ones motifs must beat, get and set,
// judged on the lower bound of the ratio's 95% interval; the others are for scale.
import NodeCache from 'node-cache';
import { NodeCache as CacheableNodeCache } from '@cacheable/node-cache';
import { LRUCache } from 'lru-cache';
import { Keyv } from 'keyv';
import { createCache } from 'cache-manager';
import { createMemoryCacher } from '@motifs/cacher-memory';

const value = { id: 'c-1', firstName: 'Ada', lastName: 'Lovelace', tags: ['math', 'engines'], born: 1815, address: { city: 'London' } };
const KEYS = 1000;
const key = (i) => `contacts/${i % KEYS}`;
const TTL_MS = 600_000;

function subjects(op) {
  const filled = (set) => async () => {
    const ctx = await set();
    for (let i = 0; i < KEYS; i++) await ctx.put(key(i));
    return ctx;
  };
  const all = {
    'node-cache (default: copies)': () => {
      const c = new NodeCache({ checkperiod: 0 });
      return { c, put: (k) => c.set(k, value, TTL_MS / 1000), get: (k) => c.get(k), close: () => c.close() };
    },
    'node-cache (useClones: false: shared refs)': () => {
      const c = new NodeCache({ checkperiod: 0, useClones: false });
      return { c, put: (k) => c.set(k, value, TTL_MS / 1000), get: (k) => c.get(k), close: () => c.close() };
    },
    '@cacheable/node-cache (copies on get only)': () => {
      const c = new CacheableNodeCache({ checkperiod: 0 });
      return { c, put: (k) => c.set(k, value, TTL_MS / 1000), get: (k) => c.get(k), close: () => c.close?.() };
    },
    'lru-cache (shared refs)': () => {
      const c = new LRUCache({ max: 10_000, ttl: TTL_MS });
      return { c, put: (k) => c.set(k, value), get: (k) => c.get(k), close: () => undefined };
    },
    'keyv memory (copies)': () => {
      const c = new Keyv();
      return { c, put: (k) => c.set(k, value, TTL_MS), get: (k) => c.get(k), close: () => undefined };
    },
    'cache-manager 7 (shared refs)': () => {
      const c = createCache();
      return { c, put: (k) => c.set(k, value, TTL_MS), get: (k) => c.get(k), close: () => c.disconnect() };
    },
    '@motifs/cacher-memory (copies)': () => {
      const c = createMemoryCacher();
      return { c, put: (k) => c.setItem(k, value, TTL_MS), get: (k) => c.getItem(k), close: () => c.close() };
    },
  };
  return Object.entries(all).map(([name, make]) => ({
    name,
    setup: filled(make),
    run: op === 'get' ? (ctx, i) => ctx.get(key(i)) : (ctx, i) => ctx.put(key(i)),
    teardown: (ctx) => ctx.close(),
  }));
}

const MOTIFS = '@motifs/cacher-memory (copies)';
const BASELINE = 'node-cache (default: copies)';

/** The peers that isolate callers from the cache on at least one side: motifs must beat every one. */
const COPYING_PEERS = ['@cacheable/node-cache (copies on get only)', 'keyv memory (copies)'];

export default async function (h) {
  // 31 rounds, twice the harness minimum: a set round allocates a copy per call, and where a major
  // GC lands moves a subject's round by up to 2x against its pair (a 15-round interval on the set
  // target once ran from 0.89x to 1.63x).
  const rounds = 31;
  const get = await h.compare({ title: 'memory get of a small object', subjects: subjects('get'), baseline: BASELINE, rounds });
  const set = await h.compare({ title: 'memory set of a small object', subjects: subjects('set'), baseline: BASELINE, rounds });
  const targets = [get, set].flatMap((result) => [
    h.target(result, MOTIFS, 3, BASELINE),
    ...COPYING_PEERS.map((peer) => h.target(result, MOTIFS, 1, peer)),
  ]);
  return { comparisons: [get, set], targets };
}
