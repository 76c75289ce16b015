// @motifs/listener-redis against raw ioredis loops on the same Redis, stream layout and data, in one
// process run.
//
// Consume: TOTAL JSON messages of ~1 KB in one stream are drained from the start by a fresh consumer
// group per drain. The raw loop is what a hand-written consumer with the same guarantees does:
// XREADGROUP (COUNT 16, the listener's default batchSize; BLOCK) on its own connection, then per
// entry JSON.parse, the handler, XACK (not awaited before the next entry, as the listener does).
// Raw loops with COUNT 1 and COUNT 100 and the listener with concurrency 16 show what batching and
// parallel handlers buy. Every subject awaits the same async handler. After one discarded warm-up
// drain each, drains are interleaved over rounds (at least 15, the order rotating) and summarised
// like compare(): medians and paired ratios with their 95% bootstrap interval.
//
// Publish: time-based compare() of publish() against a raw XADD of the same entry (`v`, `k`) on a
// plain ioredis client, 64 calls in flight; the raw XADD of the value encoded by core's strict
// JSON codec (what publish() encodes with) shows the codec's share.
import { channelStreamKey, encodeJson } from '@motifs/core/kit';
import { createRedisListener, createRedisPublisher } from '@motifs/listener-redis';
import { Redis } from 'ioredis';
import { benchNamespace } from '../lib/namespace.mjs';

const url = process.env.MOTIFS_REDIS_URL || 'redis://127.0.0.1:6379';
const TOTAL = Number(process.env.BENCH_REDIS_MESSAGES || 10_000);
const ROUNDS = Math.max(15, Number(process.env.BENCH_REDIS_ROUNDS) || 15);
const namespace = benchNamespace();
const payload = (n) => JSON.stringify({ id: `c-${n}`, firstName: 'Ada', lastName: 'Lovelace', planet: 'mars', n, note: 'x'.repeat(900) });

function handler() {
  let count = 0;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  const handle = async (msg) => {
    if (msg.id !== undefined && ++count === TOTAL) done();
  };
  return { handle, finished };
}

export default async function (h) {
  const channelId = 'drain';
  const key = channelStreamKey(namespace, channelId);
  const pubKey = channelStreamKey(namespace, 'publish');
  const raw = new Redis(url);
  let group = 0;
  try {
    for (let i = 0; i < TOTAL; i += 1000) {
      const p = raw.pipeline();
      for (let k = i; k < Math.min(TOTAL, i + 1000); k++) p.xadd(key, '*', 'v', payload(k), 'k', `k${k % 64}`);
      await p.exec();
    }
    console.log(`filled ${key} with ${TOTAL} entries of ~${payload(0).length} bytes`);

    const rawLoop = (count) => async () => {
      const g = `g${group++}`;
      await raw.xgroup('CREATE', key, g, '0');
      const reader = new Redis(url);
      const acker = new Redis(url);
      const { handle, finished } = handler();
      let stop = false;
      const loop = (async () => {
        while (!stop) {
          const reply = await reader.xreadgroup('GROUP', g, 'c', 'COUNT', count, 'BLOCK', 1000, 'STREAMS', key, '>');
          for (const [id, fields] of reply?.[0]?.[1] ?? []) {
            await handle(JSON.parse(fields[1]));
            void acker.xack(key, g, id);
          }
        }
      })();
      await finished;
      return async () => {
        stop = true;
        reader.disconnect();
        await loop.catch(() => undefined);
        await acker.quit();
      };
    };
    const motifs = (concurrency) => async () => {
      const listener = createRedisListener({ channelId, redis: { url, namespace, groupId: `g${group++}`, fromBeginning: true, concurrency } });
      const { handle, finished } = handler();
      listener.onError(async (err) => console.error('listener error', err));
      listener.onMessage(handle);
      await listener.listen();
      await finished;
      return () => listener.close();
    };
    const subjects = [
      { name: 'ioredis XREADGROUP COUNT 16 + XACK', start: rawLoop(16) },
      { name: '@motifs/listener-redis', start: motifs(1) },
      { name: 'ioredis XREADGROUP COUNT 1 + XACK', start: rawLoop(1) },
      { name: 'ioredis XREADGROUP COUNT 100 + XACK', start: rawLoop(100) },
      { name: '@motifs/listener-redis concurrency 16', start: motifs(16) },
    ];
    const drain = async (subject) => {
      const t0 = performance.now();
      const stop = await subject.start();
      const ms = performance.now() - t0;
      await stop();
      console.log(`  ${subject.name}: ${TOTAL} in ${ms.toFixed(0)} ms`);
      return (TOTAL / ms) * 1000;
    };
    for (const subject of subjects) await drain(subject); // warm-up, discarded
    const samples = subjects.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < subjects.length; k++) {
        const i = (round + k) % subjects.length;
        samples[i].push(await drain(subjects[i]));
      }
    }
    const consume = h.summarize({
      title: `consume ${TOTAL.toLocaleString('en')} × ~1 KB JSON messages from one stream (msg/s per drain)`,
      baseline: subjects[0].name,
      unit: 'msg/s',
      subjects: subjects.map((s, i) => ({ name: s.name, samples: samples[i] })),
    });
    h.printTable(consume);

    const value = JSON.parse(payload(0));
    const publish = await h.compare({
      title: 'publish ~1 KB JSON messages, 64 calls in flight (msg/s)',
      baseline: 'ioredis XADD',
      concurrency: 64,
      roundMs: 600,
      warmupMs: 300,
      subjects: [
        {
          name: 'ioredis XADD',
          setup: () => new Redis(url),
          run: (c, i) => c.xadd(pubKey, '*', 'v', JSON.stringify(value), 'k', `k${i % 64}`),
          teardown: (c) => c.quit(),
        },
        {
          name: 'ioredis XADD of encodeJson()',
          setup: () => new Redis(url),
          run: (c, i) => c.xadd(pubKey, '*', 'v', encodeJson(value, 'message'), 'k', `k${i % 64}`),
          teardown: (c) => c.quit(),
        },
        {
          name: '@motifs/listener-redis publish()',
          setup: () => createRedisPublisher({ channelId: 'publish', redis: { url, namespace, trim: { maxLen: false, maxAgeMs: false } } }),
          run: (p, i) => p.publish(value, { key: `k${i % 64}` }),
          teardown: (p) => p.close(),
        },
      ],
    });
    return {
      comparisons: [consume, publish],
      targets: [
        h.target(consume, '@motifs/listener-redis', 0.9, subjects[0].name),
        h.target(publish, '@motifs/listener-redis publish()', 0.9, 'ioredis XADD'),
      ],
    };
  } finally {
    await raw.del(key, pubKey).catch(() => undefined);
    await raw.quit().catch(() => raw.disconnect());
  }
}
