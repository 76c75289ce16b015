// @motifs/cacher-redis getItems (100 keys per call) against one raw ioredis MGET + JSON.parse of
// the same keys, on one node (MOTIFS_REDIS_URL), under a random namespace it cleans up.
// MOTIFS_BENCH_ROUNDS may change the rounds (never below 15).
import { Redis } from 'ioredis';
import { createRedisCacher } from '@motifs/cacher-redis';
import { benchNamespace } from '../lib/namespace.mjs';

const url = process.env.MOTIFS_REDIS_URL || 'redis://127.0.0.1:6379';
// 31 rounds by default: a 100-key round on a shared 2-core machine swings by up to +-40% against
// its pair, and with 15 the interval's lower bound sat at the 0.9 target with a median of 1.0.
const rounds = Number(process.env.MOTIFS_BENCH_ROUNDS) || 31; // the harness never runs fewer than 15
const value = { id: 'c-1', firstName: 'Ada', lastName: 'Lovelace', tags: ['math', 'engines'], born: 1815, address: { city: 'London' } };
const ns = benchNamespace();
const KEYS = 1000;
const BATCH = 100;
const TTL_MS = 600_000;

/** The same connection settings the adapter uses, so the comparison is about the adapter only. */
const rawClient = () => new Redis(url, { enableOfflineQueue: false, commandTimeout: 2000, maxRetriesPerRequest: 0 });
const ready = (client) => (client.status === 'ready' ? undefined : new Promise((resolve) => client.once('ready', resolve)));
/** The `i`-th batch: 100 consecutive keys out of 1,000 (one in ten a miss). */
const batchOf = (prefix, i) => Array.from({ length: BATCH }, (_, j) => `${prefix}${(i * BATCH + j) % (KEYS + KEYS / 10)}`);

export default async function (h) {
  const cacher = await createRedisCacher({ namespace: ns, redis: { url } });
  const entries = {};
  for (let i = 0; i < KEYS; i++) entries[`k${i}`] = value;
  await cacher.setItems(entries, TTL_MS);
  const prefix = `motifs:cache:${ns}:k`;
  try {
    const get = await h.compare({
      title: `redis getItems of ${BATCH} keys vs one MGET`,
      concurrency: 16,
      rounds,
      subjects: [
        {
          name: 'ioredis MGET + JSON.parse',
          setup: async () => {
            const client = rawClient();
            await ready(client);
            return client;
          },
          run: async (client, i) => {
            const keys = batchOf(prefix, i);
            const texts = await client.mget(keys);
            const out = {};
            for (let j = 0; j < keys.length; j++) if (texts[j] !== null) out[keys[j]] = JSON.parse(texts[j]);
            return out;
          },
          teardown: (client) => client.quit(),
        },
        { name: '@motifs/cacher-redis getItems', run: (_, i) => cacher.getItems(batchOf('k', i)), opsPerRun: 1 },
      ],
    });
    const found = Object.keys(await cacher.getItems(batchOf('k', 0))).length;
    if (found !== BATCH) throw new Error(`getItems returned ${found} keys, expected ${BATCH}`);
    return {
      comparisons: [get],
      targets: [h.target(get, '@motifs/cacher-redis getItems', 0.9, 'ioredis MGET + JSON.parse')],
    };
  } finally {
    await cacher.delItemsLike('');
    await cacher.close();
  }
}
