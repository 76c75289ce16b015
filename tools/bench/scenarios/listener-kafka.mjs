// @motifs/listener-kafka against raw kafkajs (and @platformatic/kafka where the running Node
// supports it) on the same broker, topics and data, in one process run.
//
// Consume: 100,000 JSON messages of ~1 KB (BENCH_KAFKA_MESSAGES) on a topic of 1, 3 and 6
// partitions are drained from the beginning by a fresh consumer group per drain: raw kafkajs
// eachMessage (1 partition only), raw kafkajs eachBatch (resolveOffset + heartbeat per message, the
// documented loop, partitionsConsumedConcurrently = partitions), the motifs listener
// (kafka.partitionsConcurrency = partitions) and @platformatic/kafka's consumer stream. Every
// subject JSON-decodes each message and awaits the same async handler with it, as application code
// would. A drain is timed from the first message handled to the last (the group join before it is
// the broker's, the same for all, and would only add its own noise). Each subject runs one
// discarded warm-up drain per topic, then BENCH_KAFKA_ROUNDS (>= 15, 25 by default) rounds rotating who goes
// first; the per-round throughputs go to h.summarize (paired ratios, bootstrap interval).
// All partitions live on ONE local broker, on the same 2-core machine as the clients.
//
// Publish: time-based compare() of publish() against the raw producer with the same settings
// (idempotent, one request in flight), 64 calls in flight, ~1 KB messages.
// Latency: one message at a time, publish → handler, p50/p99, raw kafkajs and motifs.
import { createKafkaListener, createKafkaPublisher } from '@motifs/listener-kafka';
import kafkajs from 'kafkajs';
import { benchNamespace } from '../lib/namespace.mjs';

const { Kafka, Partitioners, logLevel } = kafkajs;
const brokers = (process.env.MOTIFS_KAFKA_BROKERS || '127.0.0.1:9092').split(',');
const TOTAL = Number(process.env.BENCH_KAFKA_MESSAGES || 100_000);
// 25 drains by default: a drain's pair ratio on the shared 2-core machine (broker, clients and
// Redis on it) ranges from 0.8 to 1.4, and with 15 the 3-partition target's interval was 0.3 wide.
const ROUNDS = Math.max(15, Number(process.env.BENCH_KAFKA_ROUNDS || 25));
/** Rounds of the 6-partition drains, which only feed the curve (no target). */
const ROUNDS_6 = Math.max(3, Number(process.env.BENCH_KAFKA_ROUNDS_6 || 5));
/** Comma-separated parts to run (consume, publish, latency); all by default. */
const PARTS = new Set((process.env.BENCH_KAFKA_PARTS || 'consume,publish,latency').split(','));
const ns = benchNamespace();

// @platformatic/kafka declares engines "node >= 22.22.0 || >= 24.6.0": its row only runs there.
// (">= 22.22.0" already covers every 24.x that ">= 24.6.0" names.)
const [nodeMajor, nodeMinor] = process.versions.node.split('.').map(Number);
const platformaticSupported = nodeMajor > 22 || (nodeMajor === 22 && nodeMinor >= 22);
let platformatic;
let platformaticWhy;
if (platformaticSupported) {
  try {
    platformatic = await import('@platformatic/kafka');
  } catch (err) {
    platformaticWhy = `@platformatic/kafka could not be loaded: ${err.message}`;
  }
} else {
  platformaticWhy = `@platformatic/kafka needs node >= 22.22.0 || >= 24.6.0 (its engines), this is ${process.version}: run on the project's Node 24 (.motifs/node-lts/node_modules/.bin/node tools/bench/run.mjs listener-kafka) for its row`;
}
if (platformaticWhy) console.log(`note: ${platformaticWhy}`);

/** ~1 KB of JSON: a contact-like record padded with a note. */
const payload = (n) => JSON.stringify({ id: `c-${n}`, firstName: 'Ada', lastName: 'Lovelace', planet: 'mars', n, note: 'x'.repeat(900) });

export default async function (h) {
  const kafka = new Kafka({ clientId: 'motifs-bench', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const PARTITIONS = [1, 3, 6];
  const drainTopics = PARTITIONS.map((p) => `${ns}-drain${p}`);
  const pubTopic = `${ns}-publish`;
  const pub3Topic = `${ns}-publish3`;
  const latTopic = `${ns}-latency`;
  const topics = [pubTopic, latTopic, `${latTopic}.dlq`, ...drainTopics.map((t) => `${t}.dlq`)];
  const allTopics = [...topics, ...drainTopics, pub3Topic];
  // retention.bytes -1: the dev broker caps partitions at 64 MB.
  const unbounded = [{ name: 'retention.bytes', value: '-1' }];
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      ...topics.map((t) => ({ topic: t, numPartitions: 1, replicationFactor: 1, configEntries: unbounded })),
      ...PARTITIONS.map((p, i) => ({ topic: drainTopics[i], numPartitions: p, replicationFactor: 1, configEntries: unbounded })),
      { topic: pub3Topic, numPartitions: 3, replicationFactor: 1, configEntries: unbounded },
    ],
  });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const comparisons = [];
  const targets = [];
  const curves = [];
  const markdown = [];
  const data = {};
  const value = JSON.parse(payload(0));
  try {
    if (PARTS.has('consume')) {
      // ---- fill the drain topics (keys k0..k63 spread the messages over the partitions)
      for (const topic of drainTopics) {
        const t0 = performance.now();
        for (let i = 0; i < TOTAL; i += 1000) {
          const messages = Array.from({ length: Math.min(1000, TOTAL - i) }, (_, k) => ({ key: `k${(i + k) % 64}`, value: payload(i + k) }));
          await producer.send({ topic, messages });
        }
        console.log(`filled ${topic} with ${TOTAL} messages of ~${payload(0).length} bytes in ${(performance.now() - t0).toFixed(0)} ms`);
      }

      // ---- consume: every subject hands each decoded message to the same async handler
      const handler = () => {
        let count = 0;
        let first = 0;
        let done;
        const finished = new Promise((resolve) => (done = resolve));
        const handle = async (msg) => {
          if (msg.id === undefined) return;
          if (++count === 1) first = performance.now();
          else if (count === TOTAL) done(performance.now() - first);
        };
        return { handle, finished };
      };
      let group = 0;
      const rawConsumer = (mode) => (topic, partitions) => async () => {
        const consumer = kafka.consumer({ groupId: `${ns}-g${group++}`, maxWaitTimeInMs: 500 });
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
            partitionsConsumedConcurrently: partitions,
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
        const ms = await finished;
        return { ms, stop: () => consumer.disconnect() };
      };
      const motifsListener = (topic, partitions) => async () => {
        const listener = createKafkaListener({ channelId: topic, kafka: { client: kafka, groupId: `${ns}-g${group++}`, fromBeginning: true, partitionsConcurrency: partitions } });
        const { handle, finished } = handler();
        listener.onError(async (err) => console.error('listener error', err));
        listener.onMessage(handle);
        await listener.listen();
        const ms = await finished;
        return { ms, stop: () => listener.close() };
      };
      // @platformatic/kafka: its consumer stream, read one message at a time with for await (its
      // README's way), autocommit on (its default), the group starting at the earliest offset.
      const platformaticConsumer = (topic) => async () => {
        const { Consumer, MessagesStreamModes, MessagesStreamFallbackModes } = platformatic;
        const consumer = new Consumer({ groupId: `${ns}-g${group++}`, clientId: 'motifs-bench-platformatic', bootstrapBrokers: brokers, maxWaitTime: 500 });
        const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.COMMITTED, fallbackMode: MessagesStreamFallbackModes.EARLIEST });
        const { handle, finished } = handler();
        const reading = (async () => {
          for await (const message of stream) await handle(JSON.parse(message.value.toString('utf8')));
        })();
        reading.catch(() => undefined);
        const ms = await finished;
        return {
          ms,
          stop: async () => {
            await stream.close().catch(() => undefined);
            await consumer.close(true).catch(() => undefined);
          },
        };
      };
      const drain = async (name, start) => {
        const { ms, stop } = await start();
        await stop();
        // Let what a closed consumer leaves behind (its leave-group, sockets closing, garbage)
        // settle before the next drain, whoever it is: a drain measures one consumer alone.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const rate = (TOTAL / ms) * 1000;
        console.log(`  ${name}: ${TOTAL} in ${ms.toFixed(0)} ms (${rate.toFixed(0)} msg/s)`);
        return rate;
      };
      const drains = (topic, partitions, rounds) => {
        const subjects = [
          ...(partitions === 1 ? [{ name: 'kafkajs eachMessage', start: rawConsumer('eachMessage')(topic, partitions) }] : []),
          { name: 'kafkajs eachBatch', start: rawConsumer('eachBatch')(topic, partitions) },
          { name: '@motifs/listener-kafka', start: motifsListener(topic, partitions) },
          ...(platformatic ? [{ name: '@platformatic/kafka consume', start: platformaticConsumer(topic) }] : []),
        ];
        return (async () => {
          console.log(`drains of ${topic} (${partitions} partition(s)): warm-up`);
          for (const s of subjects) await drain(`${s.name} (warm-up, discarded)`, s.start);
          const samples = subjects.map(() => []);
          for (let round = 0; round < rounds; round++) {
            console.log(`drain round ${round + 1}/${rounds}, ${partitions} partition(s)`);
            // Rotate who goes first: the first drain of a round meets a colder cache than the others.
            for (let k = 0; k < subjects.length; k++) {
              const i = (round + k) % subjects.length;
              samples[i].push(await drain(subjects[i].name, subjects[i].start));
            }
          }
          const result = h.summarize({
            title: `consume ${TOTAL.toLocaleString('en')} × ~1 KB JSON messages, ${partitions} partition(s), partitionsConcurrency ${partitions} (msg/s, ${rounds} drains each)`,
            baseline: 'kafkajs eachBatch',
            concurrency: partitions,
            rounds,
            subjects: subjects.map((s, i) => ({ name: s.name, samples: samples[i] })),
          });
          h.printTable?.(result);
          data[`consumeSamples${partitions}`] = Object.fromEntries(subjects.map((s, i) => [s.name, samples[i]]));
          return result;
        })();
      };
      const results = [];
      for (const [i, p] of PARTITIONS.entries()) results.push(await drains(drainTopics[i], p, p === 6 ? ROUNDS_6 : ROUNDS));
      comparisons.push(...results);
      targets.push(h.target(results[0], '@motifs/listener-kafka', 1.0, 'kafkajs eachBatch'), h.target(results[1], '@motifs/listener-kafka', 1.0, 'kafkajs eachBatch'));
      const seriesNames = ['kafkajs eachBatch', '@motifs/listener-kafka', ...(platformatic ? ['@platformatic/kafka consume'] : [])];
      curves.push({
        id: 'kafka-partitions',
        title: 'consume throughput vs partitions',
        x: { label: 'partitions' },
        y: { label: 'msg/s' },
        series: seriesNames.map((name) => ({
          name,
          points: results.map((r, i) => {
            const row = r.rows.find((x) => x.name === name);
            // The interval of the subject's own median throughput (not of its ratio).
            return { x: PARTITIONS[i], y: row.opsPerSec, low: row.opsLow, high: row.opsHigh };
          }),
        })),
      });
      markdown.push(
        [
          `All ${PARTITIONS.join(', ')} partitions of a drain topic live on ONE local Kafka broker, on the same 2-core machine as the consumers: more partitions add concurrency to the handlers, not broker capacity.`,
          `@platformatic/kafka reads its stream one message at a time (for await), with its default autocommit (which commits what the stream emitted, not what the handler finished); it has no per-partition concurrency setting.`,
          platformaticWhy ? `(${platformaticWhy}.)` : '',
        ]
          .filter(Boolean)
          .join(' '),
      );
    }

    if (PARTS.has('publish')) {
      // ---- publish
      // The subjects of both publish comparisons, for a topic: raw producers (idempotent with one
      // request in flight, the publisher's settings; and kafkajs defaults) and the motifs publisher.
      const rawSend = (topic, idempotent) => ({
        name: `kafkajs producer.send, ${idempotent ? 'idempotent' : 'default'}`,
        setup: async () => {
          const p = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...(idempotent ? { idempotent: true, maxInFlightRequests: 1 } : {}) });
          await p.connect();
          return p;
        },
        run: (p, i) => p.send({ topic, ...(idempotent && { acks: -1 }), messages: [{ key: `k${i % 64}`, value: JSON.stringify(value) }] }),
        teardown: (p) => p.disconnect(),
      });
      const motifsPublish = (topic) => ({
        name: '@motifs/listener-kafka publish()',
        setup: async () => {
          const p = createKafkaPublisher({ channelId: topic, kafka: { client: kafka } });
          await p.connect();
          return p;
        },
        run: (p, i) => p.publish(value, { key: `k${i % 64}` }),
        teardown: (p) => p.close(),
      });
      const publishRun = { baseline: 'kafkajs producer.send, idempotent', concurrency: 64, rounds: 15, roundMs: 400, warmupMs: 300 };
      const publish = await h.compare({
        title: 'publish ~1 KB JSON messages, 64 calls in flight (msg/s)',
        ...publishRun,
        subjects: [rawSend(pubTopic, true), rawSend(pubTopic, false), motifsPublish(pubTopic)],
      });

      // ---- publish to 3 partitions: the publisher sends one request per partition (never one
      // spanning partitions, see the package README), so here requests to the one broker take turns.
      const publish3 = await h.compare({
        title: 'publish ~1 KB JSON messages to 3 partitions, 64 calls in flight (msg/s)',
        ...publishRun,
        subjects: [rawSend(pub3Topic, true), motifsPublish(pub3Topic)],
      });
      comparisons.push(publish, publish3);
      targets.push(
        h.target(publish, '@motifs/listener-kafka publish()', 1.0, 'kafkajs producer.send, idempotent'),
        h.target(publish3, '@motifs/listener-kafka publish()', 1.0, 'kafkajs producer.send, idempotent'),
      );
    }

    if (PARTS.has('latency')) {
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
      markdown.push([
        `**end-to-end latency, one ~1 KB message in flight at a time (${COUNT} messages)**`,
        '',
        '| path | p50 | p99 |',
        '| --- | ---: | ---: |',
        ...latencies.map((l) => `| ${l.name} | ${l.p50.toFixed(2)} ms | ${l.p99.toFixed(2)} ms |`),
      ].join('\n'));
      data.latencies = latencies;
    }

    return { comparisons, targets, curves, markdown: markdown.join('\n\n'), data };
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: allTopics }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

