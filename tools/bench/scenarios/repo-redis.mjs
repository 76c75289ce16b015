// @motifs/repo-redis against the real Redis: an indexed findMany against a full scan of the same
// 100,000 records, and create/retrieve/update against the raw ioredis commands a hand-written
// repository would issue. Everything lives under a random namespace and is deleted afterwards.
import { randomUUID } from 'node:crypto';
import { escapeGlob } from '@motifs/core/kit';
import { createRedisRepo } from '@motifs/repo-redis';
import { Redis } from 'ioredis';

const url = process.env.MOTIFS_REDIS_URL || 'redis://127.0.0.1:6379';
const N = 100_000;
const BUCKETS = 10_000; // 10 records per bucket: a selective query
const record = (i) => ({ id: `r${i}`, name: `person ${i}`, bucket: `b${i % BUCKETS}`, bucketCopy: `b${i % BUCKETS}`, age: i % 90, tags: ['a', 'b'] });

async function inParallel(count, width, task) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) await task(next++);
  }));
}

/** Deletes every key under the namespace: SCAN MATCH on our own prefix, UNLINK in batches. */
async function cleanup(raw, namespace) {
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await raw.scan(cursor, 'MATCH', `{${escapeGlob(namespace)}:*`, 'COUNT', 2000);
    cursor = next;
    if (keys.length) removed += await raw.unlink(...keys);
  } while (cursor !== '0');
  return removed;
}

export default async function (h) {
  const namespace = `motifs-bench-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const raw = new Redis(url);
  const repo = await createRedisRepo({ name: 'bench', namespace, indexes: ['bucket'], redis: { url, commandTimeoutMs: 60_000 } });
  try {
    await inParallel(N, 64, (i) => repo.create(record(i)));
    const sample = await repo.findMany({ bucket: 'b42' });
    if (sample.length !== N / BUCKETS) throw new Error(`expected ${N / BUCKETS} hits, got ${sample.length}`);

    const find = await h.compare({
      title: `findMany, 10 of ${N.toLocaleString('en')} records`,
      baseline: 'full scan (field not indexed)',
      rounds: 2,
      roundMs: 1,
      warmupMs: 1,
      subjects: [
        { name: 'full scan (field not indexed)', run: (_, i) => repo.findMany({ bucketCopy: `b${i % BUCKETS}` }) },
        { name: 'indexed field', run: (_, i) => repo.findMany({ bucket: `b${i % BUCKETS}` }) },
      ],
    });

    const scanLatency = await h.latency('full scan', 5, (i) => repo.findMany({ bucketCopy: `b${i}` }));
    const indexLatency = await h.latency('indexed', 200, (i) => repo.findMany({ bucket: `b${i}` }));
    const latencyMd = [
      '| findMany, 10 of 100,000 | p50 | p99 |',
      '| --- | ---: | ---: |',
      ...[scanLatency, indexLatency].map((l) => `| ${l.name} (${l.count} calls) | ${l.p50.toFixed(2)} ms | ${l.p99.toFixed(2)} ms |`),
    ].join('\n');

    // The hand-written repository: a JSON string per record, an id set and one index set.
    const p = `{${namespace}:raw}:`;
    for (let i = 0; i < 1000; i++) {
      const r = record(i);
      await raw.multi().set(`${p}rec:${r.id}`, JSON.stringify(r), 'NX').sadd(`${p}ids`, r.id).sadd(`${p}idx:${r.bucket}`, r.id).exec();
    }
    const crud = { concurrency: 16, rounds: 5, roundMs: 400 };
    const create = await h.compare({
      title: 'create one record (one index)',
      baseline: 'ioredis MULTI SET NX + SADD + SADD',
      ...crud,
      subjects: [
        {
          name: 'ioredis MULTI SET NX + SADD + SADD',
          run: () => {
            const r = { ...record(1), id: randomUUID() };
            return raw.multi().set(`${p}rec:${r.id}`, JSON.stringify(r), 'NX').sadd(`${p}ids`, r.id).sadd(`${p}idx:${r.bucket}`, r.id).exec();
          },
        },
        { name: '@motifs/repo-redis create', run: () => { const { id: _id, ...rest } = record(1); return repo.create(rest); } },
      ],
    });
    const retrieve = await h.compare({
      title: 'retrieve one record',
      baseline: 'ioredis GET + JSON.parse',
      ...crud,
      subjects: [
        { name: 'ioredis GET + JSON.parse', run: async (_, i) => JSON.parse(await raw.get(`${p}rec:r${i % 1000}`)) },
        { name: '@motifs/repo-redis retrieve', run: (_, i) => repo.retrieve(`r${i % 1000}`) },
      ],
    });
    const update = await h.compare({
      title: 'update one field of a record',
      baseline: 'ioredis GET + merge + SET (not atomic)',
      ...crud,
      subjects: [
        {
          name: 'ioredis GET + merge + SET (not atomic)',
          run: async (_, i) => {
            const key = `${p}rec:r${i % 1000}`;
            const merged = { ...JSON.parse(await raw.get(key)), age: i % 90, updatedAt: new Date().toISOString() };
            await raw.set(key, JSON.stringify(merged));
          },
        },
        { name: '@motifs/repo-redis update (atomic)', run: (_, i) => repo.update(`r${i % 1000}`, { age: i % 90 }) },
      ],
    });
    return {
      comparisons: [find, create, retrieve, update],
      markdown: latencyMd,
      targets: [
        h.target(find, 'indexed field', 50),
        h.target(create, '@motifs/repo-redis create', 0.7),
        h.target(retrieve, '@motifs/repo-redis retrieve', 0.7),
        h.target(update, '@motifs/repo-redis update (atomic)', 0.7),
      ],
    };
  } finally {
    await repo.close();
    const removed = await cleanup(raw, namespace);
    console.log(`removed ${removed} keys under ${namespace}`);
    await raw.quit();
  }
}
