// getItem throughput of @motifs/cacher-redis against raw ioredis (the same settings, by hand), the
// same with ioredis' enableAutoPipelining, and Keyv's Redis adapter (node-redis), at 1, 8, 64 and
// 256 calls in flight, on MOTIFS_REDIS_URL. Each point is its own interleaved comparison (15
// rounds of 200 ms); the curve `cacher-redis-concurrency` plots the median ops/s of each subject
// with its 95% bootstrap interval (of that subject's per-round ops/s, not of a ratio).
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
const TTL_MS = 600_000;
const CONCURRENCY = [1, 8, 64, 256];

const MOTIFS = '@motifs/cacher-redis getItem';
const RAW = 'ioredis GET + JSON.parse';
const RAW_AUTO = 'ioredis GET + JSON.parse, enableAutoPipelining';
const KEYV = '@keyv/redis (Keyv get)';

/** The connection settings the adapter uses, so the comparison is about the adapter only. */
const rawClient = (extra = {}) => new Redis(url, { enableOfflineQueue: false, commandTimeout: 2000, maxRetriesPerRequest: 0, ...extra });
const ready = (client) => (client.status === 'ready' ? undefined : new Promise((resolve) => client.once('ready', resolve)));
const same = (got) => {
  if (got?.id !== value.id) throw new Error(`read ${JSON.stringify(got)}, expected the stored value`);
};

export default async function (h) {
  // Every client opened and filled once; each concurrency level measures them again.
  const raw = rawClient();
  const rawAuto = rawClient({ enableAutoPipelining: true });
  await Promise.all([ready(raw), ready(rawAuto)]);
  const cacher = await createRedisCacher({ namespace: `${ns}-motifs`, redis: { url } });
  const keyv = new Keyv({ store: new KeyvRedis(url), namespace: `${ns}-keyv` });
  try {
    const batch = raw.pipeline();
    for (let i = 0; i < KEYS; i++) batch.set(`${ns}:raw:${i}`, encoded, 'PX', TTL_MS);
    await batch.exec();
    await Promise.all(Array.from({ length: KEYS }, (_, i) => cacher.setItem(`k${i}`, value, TTL_MS)));
    for (let i = 0; i < KEYS; i++) await keyv.set(`k${i}`, value, TTL_MS);
    same(JSON.parse(await raw.get(`${ns}:raw:7`)));
    same(await cacher.getItem('k7'));
    same(await keyv.get('k7'));

    const subjects = [
      { name: RAW, run: async (_, i) => JSON.parse(await raw.get(`${ns}:raw:${i % KEYS}`)) },
      { name: RAW_AUTO, run: async (_, i) => JSON.parse(await rawAuto.get(`${ns}:raw:${i % KEYS}`)) },
      { name: MOTIFS, run: (_, i) => cacher.getItem(`k${i % KEYS}`) },
      { name: KEYV, run: (_, i) => keyv.get(`k${i % KEYS}`) },
    ];
    const comparisons = [];
    for (const concurrency of CONCURRENCY) {
      comparisons.push(await h.compare({ title: `redis getItem, ${concurrency} in flight`, concurrency, roundMs: 200, subjects }));
    }
    const curves = [{
      id: 'cacher-redis-concurrency',
      interval: '95% bootstrap interval of the median ops/s',
      title: 'cacher-redis getItem: throughput vs concurrency',
      x: { label: 'calls in flight', log: true },
      y: { label: 'ops/s' },
      series: subjects.map(({ name }) => ({
        name,
        points: comparisons.map((c) => h.curvePoint(c, name, c.concurrency)),
      })),
    }];
    const markdown = [
      'Each point: median ops/s over 15 interleaved rounds of 200 ms; the interval in the plot is the 95% bootstrap interval of that median (the subject\'s own rounds, not a ratio).',
      '',
      `| calls in flight | ${subjects.map((s) => s.name).join(' | ')} |`,
      `| ---: | ${subjects.map(() => '---:').join(' | ')} |`,
      ...comparisons.map((c) => `| ${c.concurrency} | ${subjects.map((s) => {
        const row = c.rows.find((r) => r.name === s.name);
        return `${h.formatOps(row.opsPerSec)} (${row.ratio.toFixed(2)}x)`;
      }).join(' | ')} |`),
      '',
      `Ratios are to ${RAW} at the same concurrency.`,
    ].join('\n');
    // No targets here: cacher-redis.mjs judges getItem at 64 in flight with longer rounds.
    return { comparisons, targets: [], markdown, curves };
  } finally {
    await raw.unlink(...Array.from({ length: KEYS }, (_, i) => `${ns}:raw:${i}`)).catch(() => undefined);
    await cacher.delItemsLike('').catch(() => undefined);
    await keyv.clear().catch(() => undefined);
    await cacher.close();
    await keyv.disconnect();
    await Promise.all([raw.quit(), rawAuto.quit()]);
  }
}
