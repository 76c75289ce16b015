// @motifs/listener-kafka against raw kafkajs on the same broker, topic and data, in one process run.
//
// Consume: 100,000 JSON messages of ~1 KB on one topic (1 partition) are drained from the beginning
// by a fresh consumer group per drain: raw kafkajs eachMessage, raw kafkajs eachBatch (resolveOffset
// + heartbeat per message, the documented loop) and the motifs listener. Every subject JSON-decodes
// each message and awaits the same async handler with it, as application code would. A drain is
// timed from run()/listen() to the last message handled, so each includes one group join; drains
// are interleaved over rounds (rotating who goes first) and the median is reported.
// The harness's compare() is time-based, so these fixed-size drains are timed here and shaped
// like its results (rows of name / opsPerSec / ratio / spread).
//
// Publish: time-based compare() of publish() against the raw producer with the same settings
// (idempotent, one request in flight), 64 calls in flight, ~1 KB messages.
// Latency: one message at a time, publish → handler, p50/p99, raw kafkajs and motifs.
import { createKafkaListener, createKafkaPublisher } from '@motifs/listener-kafka';
import kafkajs from 'kafkajs';

const { Kafka, Partitioners, logLevel } = kafkajs;
const brokers = (process.env.MOTIFS_KAFKA_BROKERS || '127.0.0.1:9092').split(',');
const TOTAL = Number(process.env.BENCH_KAFKA_MESSAGES || 100_000);
const ROUNDS = Number(process.env.BENCH_KAFKA_ROUNDS || 7);
const ns = `motifs-bench-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

/** ~1 KB of JSON: a contact-like record padded with a note. */
const payload = (n) => JSON.stringify({ id: `c-${n}`, firstName: 'Ada', lastName: 'Lovelace', planet: 'mars', n, note: 'x'.repeat(900) });

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
const spread = (values) => (Math.max(...values) - Math.min(...values)) / median(values);

async function drain(name, start) {
  const t0 = performance.now();
  const stop = await start();
  const ms = performance.now() - t0;
  await stop();
  const rate = (TOTAL / ms) * 1000;
  console.log(`  ${name}: ${TOTAL} in ${ms.toFixed(0)} ms (${rate.toFixed(0)} msg/s)`);
  return rate;
}

export default async function (h) {
  const kafka = new Kafka({ clientId: 'motifs-bench', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topic = `${ns}-drain`;
  const pubTopic = `${ns}-publish`;
  const pub3Topic = `${ns}-publish3`;
  const latTopic = `${ns}-latency`;
  const topics = [topic, pubTopic, latTopic, `${topic}.dlq`, `${latTopic}.dlq`];
  const allTopics = [...topics, pub3Topic];
  // retention.bytes -1: the dev broker caps partitions at 64 MB, and the drain data is ~100 MB.
  const unbounded = [{ name: 'retention.bytes', value: '-1' }];
  await admin.createTopics({
    waitForLeaders: true,
    topics: [...topics.map((t) => ({ topic: t, numPartitions: 1, replicationFactor: 1, configEntries: unbounded })), { topic: pub3Topic, numPartitions: 3, replicationFactor: 1, configEntries: unbounded }],
  });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    // ---- fill the drain topic
    const t0 = performance.now();
    for (let i = 0; i < TOTAL; i += 1000) {
      const messages = Array.from({ length: Math.min(1000, TOTAL - i) }, (_, k) => ({ key: `k${(i + k) % 64}`, value: payload(i + k) }));
      await producer.send({ topic, messages });
    }
    console.log(`filled ${topic} with ${TOTAL} messages of ~${payload(0).length} bytes in ${(performance.now() - t0).toFixed(0)} ms`);

    // ---- consume: every subject hands each decoded message to the same async handler
    const handler = () => {
      let count = 0;
      let done;
      const finished = new Promise((resolve) => (done = resolve));
      const handle = async (msg) => {
        if (msg.id !== undefined && ++count === TOTAL) done();
      };
      return { handle, finished };
    };
    let group = 0;
    const rawConsumer = (mode) => async () => {
      const consumer = kafka.consumer({ groupId: `${ns}-g${group++}` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const { handle, finished } = handler();
      if (mode === 'eachMessage') {
        await consumer.run({
          eachMessage: async ({ message }) => {
            await handle(JSON.parse(message.value.toString('utf8')));
          },
        });
      } else {
        await consumer.run({
          eachBatchAutoResolve: false,
          eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
            for (const message of batch.messages) {
              if (!isRunning() || isStale()) break;
              await handle(JSON.parse(message.value.toString('utf8')));
              resolveOffset(message.offset);
              await heartbeat();
            }
          },
        });
      }
      await finished;
      return () => consumer.disconnect();
    };
    const motifsListener = async () => {
      const listener = createKafkaListener({ channelId: topic, kafka: { client: kafka, groupId: `${ns}-g${group++}`, fromBeginning: true } });
      const { handle, finished } = handler();
      listener.onError(async (err) => console.error('listener error', err));
      listener.onMessage(handle);
      await listener.listen();
      await finished;
      return () => listener.close();
    };
    const subjects = [
      { name: 'kafkajs eachMessage', start: rawConsumer('eachMessage') },
      { name: 'kafkajs eachBatch', start: rawConsumer('eachBatch') },
      { name: '@motifs/listener-kafka', start: motifsListener },
    ];
    const samples = subjects.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      console.log(`drain round ${round + 1}/${ROUNDS}`);
      // Rotate who goes first: the first drain of a round meets a colder cache than the others.
      for (let k = 0; k < subjects.length; k++) {
        const i = (round + k) % subjects.length;
        samples[i].push(await drain(subjects[i].name, subjects[i].start));
      }
    }
    const base = median(samples[1]);
    const consume = {
      title: `consume ${TOTAL.toLocaleString('en')} × ~1 KB JSON messages, 1 partition (msg/s, median of ${ROUNDS} drains)`,
      baseline: 'kafkajs eachBatch',
      concurrency: 1,
      rounds: ROUNDS,
      roundMs: null,
      rows: subjects.map((s, i) => ({ name: s.name, opsPerSec: median(samples[i]), ratio: median(samples[i]) / base, spread: spread(samples[i]) })),
    };
    h.printTable(consume);

    // ---- publish
    const value = JSON.parse(payload(0));
    const rawProducer = (idempotent) => ({
      setup: async () => {
        const p = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...(idempotent ? { idempotent: true, maxInFlightRequests: 1 } : {}) });
        await p.connect();
        return p;
      },
      teardown: (p) => p.disconnect(),
    });
    const publish = await h.compare({
      title: 'publish ~1 KB JSON messages, 64 calls in flight (msg/s)',
      baseline: 'kafkajs producer.send, idempotent',
      concurrency: 64,
      rounds: 5,
      roundMs: 1500,
      warmupMs: 500,
      subjects: [
        { name: 'kafkajs producer.send, idempotent', ...rawProducer(true), run: (p, i) => p.send({ topic: pubTopic, acks: -1, messages: [{ key: `k${i % 64}`, value: JSON.stringify(value) }] }) },
        { name: 'kafkajs producer.send, default', ...rawProducer(false), run: (p, i) => p.send({ topic: pubTopic, messages: [{ key: `k${i % 64}`, value: JSON.stringify(value) }] }) },
        {
          name: '@motifs/listener-kafka publish()',
          setup: async () => {
            const p = createKafkaPublisher({ channelId: pubTopic, kafka: { client: kafka } });
            await p.connect();
            return p;
          },
          run: (p, i) => p.publish(value, { key: `k${i % 64}` }),
          teardown: (p) => p.close(),
        },
      ],
    });

    // ---- publish to 3 partitions: the publisher sends one request per partition (never one
    // spanning partitions, see the package README), so here requests to the one broker take turns.
    const publish3 = await h.compare({
      title: 'publish ~1 KB JSON messages to 3 partitions, 64 calls in flight (msg/s)',
      baseline: 'kafkajs producer.send, idempotent',
      concurrency: 64,
      rounds: 5,
      roundMs: 1500,
      warmupMs: 500,
      subjects: [
        { name: 'kafkajs producer.send, idempotent', ...rawProducer(true), run: (p, i) => p.send({ topic: pub3Topic, acks: -1, messages: [{ key: `k${i % 64}`, value: JSON.stringify(value) }] }) },
        {
          name: '@motifs/listener-kafka publish()',
          setup: async () => {
            const p = createKafkaPublisher({ channelId: pub3Topic, kafka: { client: kafka } });
            await p.connect();
            return p;
          },
          run: (p, i) => p.publish(value, { key: `k${i % 64}` }),
          teardown: (p) => p.close(),
        },
      ],
    });

    // ---- end-to-end latency, one message in flight at a time
    const latencies = [];
    const COUNT = 500;
    {
      const consumer = kafka.consumer({ groupId: `${ns}-lat-raw`, maxWaitTimeInMs: 100 });
      await consumer.connect();
      await consumer.subscribe({ topic: latTopic, fromBeginning: false });
      let waiting;
      const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
      await consumer.run({ eachMessage: async ({ message }) => waiting?.(JSON.parse(message.value.toString('utf8'))) });
      await joined;
      const p = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
      await p.connect();
      await p.send({ topic: latTopic, messages: [{ value: '{"warm":true}' }] });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      latencies.push(
        await h.latency('kafkajs producer → eachMessage', COUNT, async (i) => {
          const got = new Promise((resolve) => (waiting = resolve));
          await p.send({ topic: latTopic, acks: -1, messages: [{ value: JSON.stringify({ ...value, n: i }) }] });
          await got;
        }),
      );
      await p.disconnect();
      await consumer.disconnect();
    }
    {
      const listener = createKafkaListener({ channelId: latTopic, kafka: { client: kafka, groupId: `${ns}-lat-motifs`, consumerConfig: { maxWaitTimeInMs: 100 } } });
      let waiting;
      listener.onMessage(async (msg) => waiting?.(msg));
      listener.onError(async () => undefined);
      await listener.listen();
      const p = createKafkaPublisher({ channelId: latTopic, kafka: { client: kafka } });
      await p.connect();
      await p.publish({ warm: true });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      latencies.push(
        await h.latency('@motifs/listener-kafka publish → onMessage', COUNT, async (i) => {
          const got = new Promise((resolve) => (waiting = resolve));
          await p.publish({ ...value, n: i });
          await got;
        }),
      );
      await p.close();
      await listener.close();
    }
    for (const l of latencies) console.log(`latency ${l.name}: p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms`);
    const latencyMd = [
      `**end-to-end latency, one ~1 KB message in flight at a time (${COUNT} messages)**`,
      '',
      '| path | p50 | p99 |',
      '| --- | ---: | ---: |',
      ...latencies.map((l) => `| ${l.name} | ${l.p50.toFixed(2)} ms | ${l.p99.toFixed(2)} ms |`),
    ].join('\n');

    return {
      comparisons: [consume, publish, publish3],
      targets: [
        h.target(consume, '@motifs/listener-kafka', 0.9, 'kafkajs eachBatch'),
        h.target(publish, '@motifs/listener-kafka publish()', 1.0, 'kafkajs producer.send, idempotent'),
        h.target(publish3, '@motifs/listener-kafka publish()', 1.0, 'kafkajs producer.send, idempotent'),
      ],
      markdown: latencyMd,
      data: { latencies, consumeSamples: Object.fromEntries(subjects.map((s, i) => [s.name, samples[i]])) },
    };
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: allTopics }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

