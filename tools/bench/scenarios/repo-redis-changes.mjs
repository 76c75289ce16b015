// @motifs/repo-redis create with a change feed (the record, its version and its change message
// appended in one Lua script) against the same create without a feed, on the real Redis. Target:
// the feed costs at most 1.3x the time (ratio >= 0.77). Everything lives under a random namespace
// and is deleted afterwards.
import { createRedisRepo } from '@motifs/repo-redis';
import { Redis } from 'ioredis';
import { dropNamespace } from '../lib/redis.mjs';
import { benchNamespace } from '../lib/namespace.mjs';

const url = process.env.MOTIFS_REDIS_URL || 'redis://127.0.0.1:6379';
const record = (i) => ({ name: `person ${i}`, bucket: `b${i % 1000}`, age: i % 90, score: i / 7, tags: ['a', 'b'] });

export default async function (h) {
  const namespace = benchNamespace();
  const raw = new Redis(url);
  const redis = { url, commandTimeoutMs: 60_000 };
  const plain = await createRedisRepo({ name: 'plain', namespace, indexes: ['bucket'], redis });
  const fed = await createRedisRepo({ name: 'fed', namespace, indexes: ['bucket'], changes: { channelId: 'fed.changes' }, redis });
  try {
    const create = await h.compare({
      title: 'create one record (one index), with and without a change feed',
      baseline: '@motifs/repo-redis create, no feed',
      concurrency: 16,
      // The target's comparison: more and longer rounds than the minimum, as a create round on a
      // shared 2-core machine swings by a factor of two (the interval narrows, the median holds).
      rounds: 61,
      roundMs: 600,
      subjects: [
        { name: '@motifs/repo-redis create, no feed', run: (_, i) => plain.create(record(i)) },
        { name: '@motifs/repo-redis create + change feed (XADD in the script)', run: (_, i) => fed.create(record(i)) },
      ],
    });
    const update = await h.compare({
      title: 'update one field, with and without a change feed (the feed also carries previous)',
      baseline: '@motifs/repo-redis update, no feed',
      concurrency: 16,
      rounds: 5,
      roundMs: 400,
      subjects: [
        { name: '@motifs/repo-redis update, no feed', setup: () => plain.create({ id: 'u', ...record(1) }).catch(() => undefined), run: (_, i) => plain.update('u', { age: i % 90 }) },
        { name: '@motifs/repo-redis update + change feed', setup: () => fed.create({ id: 'u', ...record(1) }).catch(() => undefined), run: (_, i) => fed.update('u', { age: i % 90 }) },
      ],
    });
    return {
      comparisons: [create, update],
      targets: [h.target(create, '@motifs/repo-redis create + change feed (XADD in the script)', 0.77)],
    };
  } finally {
    await plain.close();
    await fed.close();
    await dropNamespace(raw, namespace);
    await raw.quit();
  }
}
