// @motifs/cacher-redis against raw ioredis with the same settings (what a user writes by hand with
// default ioredis), the same with ioredis' enableAutoPipelining (shown, no target), and Keyv's
// Redis adapter (node-redis, which batches a tick's writes), on MOTIFS_REDIS_URL, under a random
// namespace it cleans up. The scaling curve over concurrency is cacher-redis-scaling.mjs.
import { Redis } from 'ioredis';
import { Keyv } from 'keyv';
import KeyvRedis from '@keyv/redis';
import { createRedisCacher } from '@motifs/cacher-redis';
import { benchNamespace } from '../lib/namespace.mjs';

const url = process.env.MOTIFS_REDIS_URL || 'redis://127.0.0.1:6379';
const value = { id: 'c-1', firstName: 'Ada', lastName: 'Lovelace', tags: ['math', 'engines'], born: 1815, address: { city: 'London' } };
const encoded = JSON.stringify(value);
const ns = benchNamespace();
const KEYS = 1000;
const LIST_KEYS = 10_000;
const TTL_MS = 600_000;

/** The same connection settings the adapter uses, so the comparison is about the adapter only. */
const rawClient = (extra = {}) => new Redis(url, { enableOfflineQueue: false, commandTimeout: 2000, maxRetriesPerRequest: 0, ...extra });
const ready = (client) => (client.status === 'ready' ? undefined : new Promise((resolve) => client.once('ready', resolve)));

async function fill(client, prefix, count) {
  for (let start = 0; start < count; start += 1000) {
    const batch = client.pipeline();
    for (let i = start; i < Math.min(count, start + 1000); i++) batch.set(`${prefix}${i}`, encoded, 'PX', TTL_MS);
    await batch.exec();
  }
}

async function scanMget(client, pattern) {
  const out = {};
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) {
      const texts = await client.mget(keys);
      for (let i = 0; i < keys.length; i++) if (texts[i] !== null) out[keys[i]] = JSON.parse(texts[i]);
    }
  } while (cursor !== '0');
  return out;
}

export default async function (h) {
  const admin = rawClient();
  await ready(admin);
  try {
    const get = await h.compare({
      title: `redis concurrent get of a small object (${KEYS} keys)`,
      concurrency: 64,
      // Many short rounds: the subjects of a round run close together in time, so the paired ratios
      // cancel more of a shared machine's drift, and 40 of them narrow the interval.
      rounds: 40,
      roundMs: 150,
      warmupMs: 600,
      subjects: [
        {
          name: 'ioredis GET + JSON.parse',
          setup: async () => {
            const client = rawClient();
            await ready(client);
            await fill(client, `${ns}:raw:`, KEYS);
            return client;
          },
          run: async (client, i) => JSON.parse(await client.get(`${ns}:raw:${i % KEYS}`)),
          teardown: async (client) => {
            await client.unlink(...Array.from({ length: KEYS }, (_, i) => `${ns}:raw:${i}`));
            await client.quit();
          },
        },
        {
          // The same keys as the row above: only the client setting differs.
          name: 'ioredis GET + JSON.parse, enableAutoPipelining',
          setup: async () => {
            const client = rawClient({ enableAutoPipelining: true });
            await ready(client);
            return client;
          },
          run: async (client, i) => JSON.parse(await client.get(`${ns}:raw:${i % KEYS}`)),
          teardown: (client) => client.quit(),
        },
        {
          name: '@motifs/cacher-redis getItem',
          setup: async () => {
            const cacher = await createRedisCacher({ namespace: `${ns}-motifs`, redis: { url } });
            for (let i = 0; i < KEYS; i++) await cacher.setItem(`k${i}`, value, TTL_MS);
            return cacher;
          },
          run: (cacher, i) => cacher.getItem(`k${i % KEYS}`),
          teardown: async (cacher) => {
            await cacher.delItemsLike('');
            await cacher.close();
          },
        },
        {
          name: '@keyv/redis (Keyv get)',
          setup: async () => {
            const keyv = new Keyv({ store: new KeyvRedis(url), namespace: `${ns}-keyv` });
            for (let i = 0; i < KEYS; i++) await keyv.set(`k${i}`, value, TTL_MS);
            return keyv;
          },
          run: (keyv, i) => keyv.get(`k${i % KEYS}`),
          teardown: async (keyv) => {
            await keyv.clear();
            await keyv.disconnect();
          },
        },
      ],
    });

    // Under the cacher's own prefix (bare JSON, as earlier versions wrote it): both subjects list the same keys.
    const listPrefix = `motifs:cache:${ns}-list:`;
    await fill(admin, listPrefix, LIST_KEYS);
    const listCacher = await createRedisCacher({ namespace: `${ns}-list`, redis: { url } });
    const list = await h.compare({
      title: `getItemsLike over ${LIST_KEYS} keys`,
      roundMs: 1500,
      warmupMs: 1000,
      subjects: [
        { name: 'ioredis SCAN + MGET loop', setup: async () => { const c = rawClient(); await ready(c); return c; }, run: (c) => scanMget(c, `${listPrefix}*`), teardown: (c) => c.quit() },
        { name: '@motifs/cacher-redis getItemsLike', run: () => listCacher.getItemsLike('') },
      ],
    });
    const counted = Object.keys(await listCacher.getItemsLike('')).length;
    if (counted !== LIST_KEYS) throw new Error(`getItemsLike returned ${counted} keys, expected ${LIST_KEYS}`);
    await listCacher.delItemsLike('');
    await listCacher.close();

    return {
      comparisons: [get, list],
      targets: [
        h.target(get, '@motifs/cacher-redis getItem', 1.2, 'ioredis GET + JSON.parse'),
        h.target(get, '@motifs/cacher-redis getItem', 1, '@keyv/redis (Keyv get)'),
        h.target(list, '@motifs/cacher-redis getItemsLike', 0.8, 'ioredis SCAN + MGET loop'),
      ],
    };
  } finally {
    await admin.quit();
  }
}
