// @motifs/cacher-redis getItemsLike over 10,000 keys on a Redis Cluster (MOTIFS_REDIS_CLUSTER_NODES,
// keys spread over every master) against a raw ioredis loop: SCAN on each master, one pipeline of
// per-slot MGETs per page. MOTIFS_BENCH_ROUNDS may raise the rounds (never below 15).
import { Cluster } from 'ioredis';
import { createRedisCacher } from '@motifs/cacher-redis';
import { benchNamespace } from '../lib/namespace.mjs';

const nodes = (process.env.MOTIFS_REDIS_CLUSTER_NODES || '127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103')
  .split(',')
  .map((s) => ({ host: s.slice(0, s.lastIndexOf(':')), port: Number(s.slice(s.lastIndexOf(':') + 1)) }));
const rounds = Number(process.env.MOTIFS_BENCH_ROUNDS) || 15; // the harness never runs fewer than 15
const value = { id: 'c-1', firstName: 'Ada', lastName: 'Lovelace', tags: ['math', 'engines'], born: 1815, address: { city: 'London' } };
const ns = benchNamespace();
const LIST_KEYS = 10_000;
const TTL_MS = 600_000;

// CRC16 (XMODEM) slot of a key without a hash tag, as Redis Cluster computes it.
const TABLE = new Uint16Array(256).map((_, i) => {
  let crc = i << 8;
  for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  return crc;
});
const slotOf = (key) => {
  let crc = 0;
  for (const byte of Buffer.from(key)) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff];
  return crc % 16384;
};

async function rawListing(cluster, pattern) {
  const out = {};
  await Promise.all(cluster.nodes('master').map(async (node) => {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (!keys.length) continue;
      const bySlot = new Map();
      for (const key of keys) bySlot.set(slotOf(key), [...(bySlot.get(slotOf(key)) ?? []), key]);
      const groups = [...bySlot.values()];
      const replies = await node.pipeline(groups.map((g) => ['mget', ...g])).exec();
      groups.forEach((g, i) => g.forEach((key, j) => {
        const text = replies[i][1][j];
        if (text !== null) out[key] = JSON.parse(text);
      }));
    } while (cursor !== '0');
  }));
  return out;
}

export default async function (h) {
  const cacher = await createRedisCacher({ namespace: ns, redis: { cluster: { nodes } } });
  for (let start = 0; start < LIST_KEYS; start += 1000) {
    const entries = {};
    for (let i = start; i < start + 1000; i++) entries[`k${i}`] = value;
    await cacher.setItems(entries, TTL_MS);
  }
  try {
    const list = await h.compare({
      title: `Redis Cluster getItemsLike over ${LIST_KEYS} keys`,
      rounds,
      roundMs: 1500,
      warmupMs: 1000,
      subjects: [
        {
          name: 'ioredis per-master SCAN + MGET loop',
          setup: async () => {
            const cluster = new Cluster(nodes, { scaleReads: 'master' });
            await new Promise((resolve) => cluster.once('ready', resolve));
            return cluster;
          },
          run: (cluster) => rawListing(cluster, `motifs:cache:${ns}:*`),
          teardown: (cluster) => cluster.quit(),
        },
        { name: '@motifs/cacher-redis getItemsLike', run: () => cacher.getItemsLike('') },
      ],
    });
    const counted = Object.keys(await cacher.getItemsLike('')).length;
    if (counted !== LIST_KEYS) throw new Error(`getItemsLike returned ${counted} keys, expected ${LIST_KEYS}`);
    return {
      comparisons: [list],
      targets: [h.target(list, '@motifs/cacher-redis getItemsLike', 0.8, 'ioredis per-master SCAN + MGET loop')],
    };
  } finally {
    await cacher.delItemsLike('');
    await cacher.close();
  }
}
