// Request/reply latency per channel kind (memory, Redis Streams, Kafka), one request in flight at a
// time: requester.request() → responder handler → reply, p50/p99 over COUNT round trips. Beside
// each, the same kind's one-way latency (publish → onMessage, one message in flight) in the same
// run, so the table shows what the round trip costs over the channel itself: a request takes
// three channel hops (request, `accepted` frame, reply; the last two share the reply channel).
// Redis and Kafka use MOTIFS_REDIS_URL / MOTIFS_KAFKA_BROKERS, under a random namespace / topics
// that are deleted afterwards; a kind whose server does not answer is skipped with a note.
import { makeListener, makePublisher } from '@motifs/core';
import { channelStreamKey, makeRequesterWith, makeResponderWith, registerKind, unregisterKind } from '@motifs/core/kit';
import * as memory from '@motifs/listener-memory';
import * as kafkaAdapter from '@motifs/listener-kafka';
import * as redisAdapter from '@motifs/listener-redis';
import { Redis } from 'ioredis';
import kafkajs from 'kafkajs';
import { benchNamespace } from '../lib/namespace.mjs';

const COUNT = Number(process.env.BENCH_RR_COUNT || 500);
const WARMUP = 50;
const ns = benchNamespace('rr');
const redisUrl = process.env.MOTIFS_REDIS_URL || 'redis://127.0.0.1:6379';
const brokers = (process.env.MOTIFS_KAFKA_BROKERS || '127.0.0.1:9092').split(',');
const loaders = {
  '@motifs/listener-memory': async () => memory,
  '@motifs/listener-kafka': async () => kafkaAdapter,
  '@motifs/listener-redis': async () => redisAdapter,
};
const value = { sku: 'a-1', qty: 3, note: 'x'.repeat(200) };

/** One-way latency: publish → onMessage, one message in flight. */
async function oneWay(h, name, kind, channelId, options) {
  const listener = await makeListener({ kind, channelId, [kind]: { ...options, groupId: `${ns}-oneway` } });
  let waiting;
  listener.onMessage(async (msg) => waiting?.(msg));
  listener.onError(async () => undefined);
  await listener.listen();
  const publisher = await makePublisher({ kind, channelId, [kind]: options });
  const once = async (i) => {
    const got = new Promise((resolve) => (waiting = resolve));
    await publisher.publish({ ...value, n: i });
    await got;
  };
  for (let i = 0; i < WARMUP; i++) await once(i);
  const result = await h.latency(name, COUNT, once);
  await publisher.close();
  await listener.close();
  return result;
}

/** Round trip: request → handler → reply, one request in flight. */
async function roundTrip(h, name, kind, channelId, options) {
  const responder = await makeResponderWith({ kind, channelId, [kind]: { ...options, groupId: `${ns}-responders` } }, loaders);
  responder.onRequest(async (msg) => ({ price: msg.qty * 2, n: msg.n }));
  responder.onError(async () => undefined);
  await responder.listen();
  const requester = await makeRequesterWith({ kind, channelId, [kind]: options, timeoutMs: 30_000 }, loaders);
  const once = (i) => requester.request({ ...value, n: i });
  for (let i = 0; i < WARMUP; i++) await once(i);
  const result = await h.latency(name, COUNT, once);
  await requester.close();
  await responder.close();
  return result;
}

async function reachable(check) {
  try {
    await check();
    return true;
  } catch {
    return false;
  }
}

export default async function (h) {
  // The registry resolves these kinds from the bench's own dependencies.
  for (const [kind, mod] of [['memory', memory], ['kafka', kafkaAdapter], ['redis', redisAdapter]]) {
    registerKind('listener', kind, mod.createListener);
    registerKind('publisher', kind, mod.createPublisher);
  }
  const rows = [];
  const notes = [];
  try {
    const hub = new memory.MemoryChannelHub();
    rows.push(await oneWay(h, 'memory: publish → onMessage', 'memory', `${ns}-oneway`, { hub }));
    rows.push(await roundTrip(h, 'memory: request → reply', 'memory', `${ns}-rr`, { hub }));

    const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 });
    if (await reachable(async () => { await probe.connect(); await probe.ping(); })) {
      const options = { url: redisUrl, namespace: ns };
      rows.push(await oneWay(h, 'redis: publish → onMessage', 'redis', 'oneway', options));
      rows.push(await roundTrip(h, 'redis: request → reply', 'redis', 'rr', options));
      for (const id of ['oneway', 'oneway.dlq', 'rr', 'rr.dlq']) await probe.del(channelStreamKey(ns, id));
    } else notes.push(`redis skipped: nothing answers at ${redisUrl}`);
    probe.disconnect();

    const kafka = new kafkajs.Kafka({ clientId: 'motifs-bench', brokers, logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 2 } });
    const admin = kafka.admin();
    if (await reachable(() => admin.connect())) {
      const topics = [`${ns}-oneway`, `${ns}-rr`];
      await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })) });
      const options = { client: kafka, logLevel: 'nothing', consumerConfig: { maxWaitTimeInMs: 100 } };
      rows.push(await oneWay(h, 'kafka: publish → onMessage', 'kafka', `${ns}-oneway`, options));
      rows.push(await roundTrip(h, 'kafka: request → reply', 'kafka', `${ns}-rr`, options));
      const existing = new Set(await admin.listTopics());
      await admin.deleteTopics({ topics: [...topics, ...topics.map((t) => `${t}.dlq`)].filter((t) => existing.has(t)) }).catch(() => undefined);
      await admin.disconnect();
    } else notes.push(`kafka skipped: no broker answers at ${brokers.join(',')}`);
  } finally {
    for (const kind of ['memory', 'kafka', 'redis']) {
      unregisterKind('listener', kind);
      unregisterKind('publisher', kind);
    }
  }
  for (const r of rows) console.log(`latency ${r.name}: p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms`);
  for (const n of notes) console.log(n);
  const markdown = [
    `**request/reply latency, one request in flight at a time (${COUNT} round trips after ${WARMUP} warm-up), beside the kind's one-way latency**`,
    '',
    '| path | p50 | p99 |',
    '| --- | ---: | ---: |',
    ...rows.map((r) => `| ${r.name} | ${r.p50.toFixed(2)} ms | ${r.p99.toFixed(2)} ms |`),
    ...(notes.length ? ['', ...notes.map((n) => `- ${n}`)] : []),
  ].join('\n');
  return { comparisons: [], targets: [], markdown, data: { latency: rows } };
}
