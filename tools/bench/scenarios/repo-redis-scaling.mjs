// @motifs/repo-redis against the raw ioredis commands a hand-written repository would issue, at 1,
// 8, 64 and 256 calls in flight: retrieve against GET + JSON.parse (and the same with ioredis'
// enableAutoPipelining, for honesty), create against MULTI SET NX + SADD + SADD. Each point is its
// own interleaved comparison (15 rounds of 200 ms). The raw clients connect with the options the
// adapter opens its own connection with. Everything lives under a random namespace; only keys
// under it are deleted (SCAN MATCH on its prefix, UNLINK), after every create point and at the end.
import { randomUUID } from 'node:crypto';
import { createRedisRepo } from '@motifs/repo-redis';
import { closeRawClients, openRawClients, unlinkNamespace } from '../lib/redis.mjs';
import { benchNamespace } from '../lib/namespace.mjs';

const url = process.env.MOTIFS_REDIS_URL || 'redis://127.0.0.1:6379';
const CONCURRENCY = [1, 8, 64, 256];
const RECORDS = 1000;
const record = (i) => ({ id: `r${i}`, name: `person ${i}`, bucket: `b${i % 100}`, age: i % 90, tags: ['a', 'b'] });

const RETRIEVE = '@motifs/repo-redis retrieve';
const GET = 'ioredis GET + JSON.parse';
const GET_PIPELINED = 'ioredis GET + JSON.parse, enableAutoPipelining';
const CREATE = '@motifs/repo-redis create';
const MULTI = 'ioredis MULTI SET NX + SADD + SADD';

export default async function (h) {
  const namespace = benchNamespace('scaling');
  const redis = { url, commandTimeoutMs: 60_000 };
  const { raw, rawPipelined } = await openRawClients(url, redis);
  const repo = await createRedisRepo({ name: 'bench', namespace, indexes: ['bucket'], redis });
  const p = `{${namespace}:raw}:`;
  const rawCreate = (r) => raw.multi().set(`${p}rec:${r.id}`, JSON.stringify(r), 'NX').sadd(`${p}ids`, r.id).sadd(`${p}idx:${r.bucket}`, r.id).exec();
  const comparisons = [];
  const series = new Map([RETRIEVE, GET, GET_PIPELINED, CREATE, MULTI].map((name) => [name, []]));
  const seed = async () => {
    for (let i = 0; i < RECORDS; i++) {
      const r = record(i);
      await repo.create(r);
      await rawCreate({ ...r, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() });
    }
  };
  try {
    await seed();
    for (const concurrency of CONCURRENCY) {
      const retrieve = await h.compare({
        title: `retrieve one record, ${concurrency} in flight`,
        baseline: GET,
        concurrency,
        rounds: 15,
        roundMs: 200,
        subjects: [
          { name: GET, run: async (_, i) => JSON.parse(await raw.get(`${p}rec:r${i % RECORDS}`)) },
          { name: GET_PIPELINED, run: async (_, i) => JSON.parse(await rawPipelined.get(`${p}rec:r${i % RECORDS}`)) },
          { name: RETRIEVE, run: (_, i) => repo.retrieve(`r${i % RECORDS}`) },
        ],
      });
      const create = await h.compare({
        title: `create one record (one index), ${concurrency} in flight`,
        baseline: MULTI,
        concurrency,
        rounds: 15,
        roundMs: 200,
        subjects: [
          { name: MULTI, run: () => rawCreate({ ...record(1), id: randomUUID() }) },
          { name: CREATE, run: () => { const { id: _id, ...rest } = record(1); return repo.create(rest); } },
        ],
      });
      comparisons.push(retrieve, create);
      for (const name of [GET, GET_PIPELINED, RETRIEVE]) series.get(name).push(h.curvePoint(retrieve, name, concurrency));
      for (const name of [MULTI, CREATE]) series.get(name).push(h.curvePoint(create, name, concurrency));
      // Keep the shared Redis small: drop everything this point created, then seed again.
      await unlinkNamespace(raw, namespace);
      await seed();
    }
    return {
      comparisons,
      targets: [],
      markdown: 'Curve points: each subject\'s median ops/s over 15 rounds of 200 ms; whiskers: the 95% percentile-bootstrap interval of that median.',
      curves: [
        {
          id: 'repo-redis-concurrency',
          interval: '95% bootstrap interval of the median ops/s',
          title: 'repo-redis: throughput vs concurrency',
          x: { label: 'calls in flight', log: true },
          y: { label: 'ops/s' },
          series: [...series].map(([name, points]) => ({ name, points })),
        },
      ],
    };
  } finally {
    await repo.close();
    await closeRawClients({ raw, rawPipelined }, namespace);
  }
}
