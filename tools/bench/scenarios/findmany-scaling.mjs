// findMany latency against collection size: 10,000, 100,000 and 1,000,000 records, each query
// matching 10 of them, on an indexed field and on the same values in a field that is not indexed
// (a full scan), for @motifs/repo-memory and @motifs/repo-redis (the real Redis at
// MOTIFS_REDIS_URL). The collections grow in place from one size to the next; the Redis one lives
// under a random namespace and is deleted afterwards (SCAN MATCH on that prefix + UNLINK), also
// when the run fails. BENCH_SCALING_SIZES=10000,100000 measures fewer sizes.
import { createMemoryRepo } from '@motifs/repo-memory';
import { createRedisRepo } from '@motifs/repo-redis';
import { Redis } from 'ioredis';
import { inParallel, unlinkNamespace } from '../lib/redis.mjs';
import { benchNamespace } from '../lib/namespace.mjs';

const url = process.env.MOTIFS_REDIS_URL || 'redis://127.0.0.1:6379';
const SIZES = (process.env.BENCH_SCALING_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const HITS = 10;
/** A Redis fill projected to take longer than this is not done: that point is reported as skipped. */
const FILL_BUDGET_MS = Number(process.env.BENCH_SCALING_FILL_BUDGET_MS ?? 240_000);

// Record i is in group floor(i / 10): a group has exactly 10 records at every size, so every
// query below matches 10. `group` is indexed; `groupCopy` holds the same value, not indexed.
const record = (i) => {
  const group = `g${Math.floor(i / HITS)}`;
  return { id: `r${i}`, name: `person ${i}`, group, groupCopy: group, age: i % 90, tags: ['a', 'b'] };
};

/** How many timed calls a point gets: many for fast queries, a few for full scans of big collections. */
function callsFor(kind, size) {
  if (kind === 'indexed') return 200;
  if (size <= 10_000) return 30;
  if (size <= 100_000) return 10;
  return 3;
}

async function usedMemory(raw) {
  const info = await raw.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
}

const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

/** p50 and p99 of `calls` findMany calls on random groups (a few warm-up calls first). */
async function measurePoint(h, repo, field, size, kind) {
  const groups = size / HITS;
  const query = (i) => ({ [field]: `g${(i * 7919) % groups}` });
  const calls = callsFor(kind, size);
  const warm = await repo.findMany(query(calls));
  if (warm.length !== HITS) throw new Error(`${field} at ${size}: expected ${HITS} hits, got ${warm.length}`);
  if (kind === 'indexed') for (let i = 0; i < 20; i++) await repo.findMany(query(i + calls + 1));
  return h.latency(kind, calls, (i) => repo.findMany(query(i)));
}

export default async function (h) {
  const points = { 'repo-memory indexed': [], 'repo-memory full scan': [], 'repo-redis indexed': [], 'repo-redis full scan': [] };
  const notes = [];
  const fills = [];

  // repo-memory
  const memory = createMemoryRepo({ name: 'scaling', indexes: ['group'] });
  try {
    let filled = 0;
    for (const size of SIZES) {
      const t = performance.now();
      for (; filled < size; filled++) await memory.create(record(filled));
      fills.push(`repo-memory to ${size.toLocaleString('en')}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
      for (const [kind, field] of [['indexed', 'group'], ['full scan', 'groupCopy']]) {
        const l = await measurePoint(h, memory, field, size, kind);
        points[`repo-memory ${kind}`].push({ x: size, y: l.p50, low: l.p50, high: l.p99, calls: l.count });
        console.log(`repo-memory ${kind} ${size}: p50 ${l.p50.toFixed(3)} ms, p99 ${l.p99.toFixed(3)} ms (${l.count} calls)`);
      }
    }
  } finally {
    await memory.close();
  }

  // repo-redis
  const namespace = benchNamespace('scaling');
  const raw = new Redis(url);
  let redisBefore = NaN;
  let redisPeak = NaN;
  let redisAfter = NaN;
  let repo;
  try {
    redisBefore = await usedMemory(raw);
    repo = await createRedisRepo({ name: 'scaling', namespace, indexes: ['group'], redis: { url, commandTimeoutMs: 120_000 } });
    let filled = 0;
    let msPerRecord = NaN;
    for (const size of SIZES) {
      const projected = (size - filled) * msPerRecord;
      if (projected > FILL_BUDGET_MS) {
        notes.push(`repo-redis at ${size.toLocaleString('en')} records: not measured, the fill would take about ${(projected / 1000).toFixed(0)} s (budget ${FILL_BUDGET_MS / 1000} s).`);
        break;
      }
      const t = performance.now();
      await inParallel(filled, size, 128, (i) => repo.create(record(i)));
      const took = performance.now() - t;
      msPerRecord = took / (size - filled);
      filled = size;
      fills.push(`repo-redis to ${size.toLocaleString('en')}: ${(took / 1000).toFixed(1)} s`);
      for (const [kind, field] of [['indexed', 'group'], ['full scan', 'groupCopy']]) {
        const l = await measurePoint(h, repo, field, size, kind);
        points[`repo-redis ${kind}`].push({ x: size, y: l.p50, low: l.p50, high: l.p99, calls: l.count });
        console.log(`repo-redis ${kind} ${size}: p50 ${l.p50.toFixed(3)} ms, p99 ${l.p99.toFixed(3)} ms (${l.count} calls)`);
      }
      redisPeak = await usedMemory(raw);
    }
  } finally {
    await repo?.close();
    const removed = await unlinkNamespace(raw, namespace, 5000);
    redisAfter = await usedMemory(raw);
    console.log(`redis used_memory: ${mb(redisBefore)} before, ${mb(redisPeak)} at the largest size, ${mb(redisAfter)} after deleting our ${removed} keys`);
    raw.disconnect();
  }

  const series = Object.entries(points).map(([name, pts]) => ({ name, points: pts.map(({ x, y, low, high }) => ({ x, y, low, high })) }));
  const cell = (name, size) => {
    const p = points[name].find((q) => q.x === size);
    return p ? `${p.y.toFixed(p.y < 1 ? 3 : 1)} / ${p.high.toFixed(p.high < 1 ? 3 : 1)} (${p.calls})` : 'not measured';
  };
  const markdown = [
    `**findMany (${HITS} hits) latency vs collection size**: p50 / p99 in ms (timed calls); one call at a time, after a few warm-up calls.`,
    '',
    `| records | ${Object.keys(points).join(' | ')} |`,
    `| ---: | ${Object.keys(points).map(() => '---:').join(' | ')} |`,
    ...SIZES.map((size) => `| ${size.toLocaleString('en')} | ${Object.keys(points).map((name) => cell(name, size)).join(' | ')} |`),
    '',
    'In the plot each point is the p50 and its whisker runs from p50 up to p99. With 3 to 30 calls (full scans) p99 is the slowest call.',
    `Redis used_memory: ${mb(redisBefore)} before, ${mb(redisPeak)} at the largest size filled, ${mb(redisAfter)} after the cleanup (the Redis is shared, so other runs move these figures).`,
    `Fill times (one create at a time in memory; 128 concurrent creates on Redis): ${fills.join('; ')}.`,
    ...notes,
  ].join('\n');

  return {
    comparisons: [],
    targets: [],
    markdown,
    data: { sizes: SIZES, points },
    curves: [
      {
        id: 'findmany-size',
        interval: 'p50..p99 latency',
        title: 'findMany (10 hits) latency vs collection size',
        x: { label: 'records', log: true },
        y: { label: 'p50 latency (ms)', log: true },
        series,
      },
    ],
  };
}
