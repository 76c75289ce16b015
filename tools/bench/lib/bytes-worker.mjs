// Child process of scenarios/cacher-memory-bytes.mjs: fills one cache with `entries` entries and
// prints the heap it retained per entry, as JSON on stdout.
//   node --expose-gc tools/bench/lib/bytes-worker.mjs <subject> <entries>
// Each entry is a fresh copy of the same small object under its own key, as a real cache holds
// distinct values: a cache that keeps the caller's object (shared refs) is charged for that object,
// one that stores its own copy for the copy (the caller's becomes garbage). Measured as heapUsed +
// external (typed arrays, Buffers) after full collections, before and after filling.
import NodeCache from 'node-cache';
import { NodeCache as CacheableNodeCache } from '@cacheable/node-cache';
import { LRUCache } from 'lru-cache';
import { createMemoryCacher } from '@motifs/cacher-memory';

const TTL_MS = 600_000;
const [subject, countText] = process.argv.slice(2);
const entries = Number(countText);

/** The subjects, by the names the scenario charts them under. */
const subjects = {
  '@motifs/cacher-memory': () => {
    const c = createMemoryCacher();
    return { put: (k, v) => c.setItem(k, v, TTL_MS), close: () => c.close() };
  },
  'node-cache (default: copies)': () => {
    const c = new NodeCache({ checkperiod: 0 });
    return { put: (k, v) => c.set(k, v, TTL_MS / 1000), close: () => c.close() };
  },
  '@cacheable/node-cache (copies on get only)': () => {
    const c = new CacheableNodeCache({ checkperiod: 0 });
    return { put: (k, v) => c.set(k, v, TTL_MS / 1000), close: () => c.close?.() };
  },
  'lru-cache (shared refs)': () => {
    const c = new LRUCache({ max: entries, ttl: TTL_MS });
    return { put: (k, v) => c.set(k, v), close: () => c.clear() };
  },
};

if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
if (!subjects[subject] || !(entries > 0)) throw new Error(`usage: bytes-worker.mjs <${Object.keys(subjects).join(' | ')}> <entries>`);

function used() {
  for (let i = 0; i < 4; i++) globalThis.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

const cache = subjects[subject]();
// Warm the put path on a throwaway key first, so compiled code and inline caches are not counted.
for (let i = 0; i < 1000; i++) await cache.put('warm-up', { id: `w-${i}` });
const before = used();
for (let i = 0; i < entries; i++) {
  const value = { id: `c-${i}`, firstName: 'Ada', lastName: 'Lovelace', tags: ['math', 'engines'], born: 1815, address: { city: 'London' } };
  const r = cache.put(`contacts/${i}`, value);
  if (r && typeof r.then === 'function') await r;
}
const after = used();
process.stdout.write(`${JSON.stringify({ subject, entries, bytesPerEntry: (after - before) / entries })}\n`);
await cache.close();
