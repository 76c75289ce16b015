// One failover run on the 3-node cluster of tools/services (issue 15): concurrent callers publish
// keyed messages while partition leaders are killed -9 and restarted, then the topic is read back
// from the beginning and compared with what publish() acknowledged.
import { isMotifsError } from '@motifs/core';
import { uniqueNamespace } from '@motifs/test-suite';
import kafkajs from 'kafkajs';
import type { Kafka as KafkaClient, Message, Producer } from 'kafkajs';
import { createKafkaPublisher } from '../src/index.js';

const { Partitioners } = kafkajs;

/** The cluster API of tools/services/kafka-cluster.mjs (plain .mjs, typed here). */
export interface ClusterApi {
  clusterUp(opts: { log?: (line: string) => void }): Promise<{ available: boolean; brokers: string | null; reason: string | null; startedByUs: boolean }>;
  clusterStatus(opts?: object): Promise<{ available: boolean; startedByUs: boolean }>;
  clusterDown(opts: { log?: (line: string) => void }): Promise<unknown>;
  clusterKillNode(opts: { id: number }): Promise<{ id: number; pid: number }>;
  clusterStartNode(opts: { id: number; log?: (line: string) => void; timeoutMs?: number }): Promise<{ id: number; pid: number }>;
}

/** What a run publishes through: the motifs publisher, or raw kafkajs coalesced exactly like the publisher of 0.1. */
export type Subject = 'motifs' | 'raw-coalesced';

export interface FailoverOptions {
  client: KafkaClient;
  cluster: ClusterApi;
  subject: Subject;
  /** Leader kills in this run; each one hits a different broker than the previous one. */
  kills: number;
  /** How long a killed node stays down (ms). */
  downMs?: number;
  callers?: number;
  keys?: number;
  log?: (line: string) => void;
}

export interface FailoverReport {
  subject: Subject;
  topic: string;
  published: number;
  acked: number;
  rejected: number;
  /** code (or kafkajs error name) -> count, for rejected publishes. */
  rejectedBy: Record<string, number>;
  /** code -> the first message seen with it. */
  rejectedSample: Record<string, string>;
  /** Publishes still pending 60 s after the last kill's recovery (then counted as neither acked nor rejected). */
  stuck: number;
  /** Rejections that were not a retryable MotifsError (motifs subject only). */
  notRetryableTyped: string[];
  /** Acknowledged ids that are not in the log, with ms from the nearest kill. */
  missing: { id: number; msFromKill: number }[];
  /** Ids at more than one offset. */
  duplicates: number;
  inLog: number;
  kills: { node: number; partition: number; atMs: number }[];
  ms: number;
  msgPerSec: number;
  /** Acknowledged ids the first read did not find (the second read decides: `missing`). */
  missingFirstRead?: number;
  /** Only after a loss. */
  diagnosis?: { ends: Record<number, string>; endsAgain: Record<number, string>; stillMissing: number; lostSends: SendRecord[] };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** A sleep that does not keep the process alive (for the losing side of a race). */
const deadline = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

interface Sink {
  publish(id: number, key: string, value: string): Promise<void>;
  close(): Promise<void>;
}

/** The 0.1 publisher's algorithm on a raw kafkajs producer: one queue, one send of up to 1000 messages across all partitions. */
function rawCoalescing(client: KafkaClient, topic: string): Sink {
  const producer: Producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
  const connected = producer.connect();
  let queue: { message: Message; resolve: () => void; reject: (e: unknown) => void }[] = [];
  let sending: Promise<void> | undefined;
  const drain = async () => {
    while (queue.length) {
      const batch = queue.length > 1000 ? queue.splice(0, 1000) : queue.splice(0);
      try {
        await producer.send({ topic, acks: -1, messages: batch.map((p) => p.message) });
        for (const p of batch) p.resolve();
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    sending = undefined;
  };
  return {
    async publish(id, key, pad) {
      await connected;
      return new Promise<void>((resolve, reject) => {
        queue.push({ message: { key, value: JSON.stringify({ id, pad }) }, resolve, reject });
        sending ??= drain();
      });
    },
    async close() {
      await sending;
      queue = [];
      await producer.disconnect();
    },
  };
}

/** What one producer.send() was given and what the broker answered, for diagnosing a loss. */
export interface SendRecord {
  at: number;
  ids: number[];
  result: { partition: number; baseOffset?: string; errorCode: number }[] | string;
}

/** `client`, whose producers record every send (ids in, partition and base offset out). */
function recording(client: KafkaClient, sends: SendRecord[], t0: number): KafkaClient {
  const wrapped = Object.create(client) as KafkaClient;
  wrapped.producer = (config) => {
    const producer = client.producer(config);
    const send = producer.send.bind(producer);
    producer.send = async (record) => {
      const entry: SendRecord = { at: Date.now() - t0, ids: record.messages.map((m) => (JSON.parse(String(m.value)) as { id: number }).id), result: 'pending' };
      sends.push(entry);
      try {
        const result = await send(record);
        entry.result = result.map((r) => ({ partition: r.partition, baseOffset: r.baseOffset, errorCode: r.errorCode }));
        return result;
      } catch (err) {
        entry.result = `error: ${String(err)}`;
        throw err;
      }
    };
    return producer;
  };
  return wrapped;
}

function motifsSink(client: KafkaClient, topic: string): Sink {
  const publisher = createKafkaPublisher<{ id: number; pad: string }>({ channelId: topic, kafka: { client } });
  return {
    publish: (id, key, value) => publisher.publish({ id, pad: value }, { key }),
    close: () => publisher.close(),
  };
}

/**
 * Admin calls right after a topic was created or a leader moved can hit a broker that does not know
 * the partition yet (UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER...): ask again for up to 30 s.
 */
async function patiently<R>(what: string, fn: () => Promise<R>, timeoutMs = 30_000): Promise<R> {
  const t0 = Date.now();
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: ${String(err)}`, { cause: err });
      await sleep(500);
    }
  }
}

/** Resolves once every partition of `topic` has a leader and a full ISR, and all 3 brokers are registered. */
export async function waitHealthy(client: KafkaClient, topic: string, timeoutMs = 90_000): Promise<number> {
  const admin = client.admin();
  const t0 = Date.now();
  await admin.connect();
  try {
    for (;;) {
      try {
        const [{ brokers }, { topics }] = await Promise.all([admin.describeCluster(), admin.fetchTopicMetadata({ topics: [topic] })]);
        const partitions = topics[0]?.partitions ?? [];
        if (brokers.length === 3 && partitions.length > 0 && partitions.every((p) => p.leader >= 0 && p.isr.length === p.replicas.length)) return Date.now() - t0;
      } catch {
        /* a broker just died or is starting: ask again */
      }
      if (Date.now() - t0 > timeoutMs) throw new Error(`topic ${topic} not healthy (leaders + full ISR) after ${timeoutMs} ms`);
      await sleep(250);
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Partition id -> id of its leader broker (-1 while it has none). */
export async function leaders(client: KafkaClient, topic: string): Promise<Map<number, number>> {
  const admin = client.admin();
  await admin.connect();
  try {
    const { topics } = await patiently('fetching leaders', () => admin.fetchTopicMetadata({ topics: [topic] }));
    return new Map(topics[0]!.partitions.map((p) => [p.partitionId, p.leader]));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Reads every record of `topic` up to its high watermarks: id -> number of offsets holding it. */
export interface ReadBack {
  counts: Map<number, number>;
  /** id -> partition:offset where it was read. */
  where: Map<number, string>;
  ends: Record<number, string>;
}

export async function readBack(client: KafkaClient, topic: string, timeoutMs = 90_000): Promise<ReadBack> {
  const admin = client.admin();
  await admin.connect();
  const ends = new Map((await patiently('fetching high watermarks', () => admin.fetchTopicOffsets(topic))).map((o) => [o.partition, BigInt(o.high)]));
  await admin.disconnect().catch(() => undefined);
  const seen = new Map<string, number>();
  const pending = new Set([...ends].filter(([, high]) => high > 0n).map(([p]) => p));
  if (pending.size === 0) return { counts: new Map(), where: new Map(), ends: {} };
  const consumer = client.consumer({ groupId: uniqueNamespace('failover-read'), maxBytes: 20 * 1024 * 1024 });
  await consumer.connect();
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          seen.set(`${batch.partition}:${m.offset}`, (JSON.parse(m.value!.toString('utf8')) as { id: number }).id);
          if (BigInt(m.offset) >= ends.get(batch.partition)! - 1n) pending.delete(batch.partition);
        }
        if (pending.size === 0) done();
      },
    });
    const timer = deadline(timeoutMs).then(() => {
      throw new Error(`reading ${topic} back: partitions ${[...pending].join(', ')} not read to their end in ${timeoutMs} ms`);
    });
    await Promise.race([finished, timer]);
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  const counts = new Map<number, number>();
  const where = new Map<number, string>();
  for (const [at, id] of seen) {
    counts.set(id, (counts.get(id) ?? 0) + 1);
    where.set(id, at);
  }
  return { counts, where, ends: Object.fromEntries([...ends].map(([p, high]) => [p, String(high)])) };
}

/** One run: publish from `callers` concurrent loops while `kills` leaders are killed -9 and restarted. */
export async function runFailover(o: FailoverOptions): Promise<FailoverReport> {
  const log = o.log ?? (() => undefined);
  const callers = o.callers ?? 16;
  const keys = o.keys ?? 50;
  const downMs = o.downMs ?? 6000;
  const topic = uniqueNamespace(`motifs-failover-${o.subject}`);
  const admin = o.client.admin();
  await admin.connect();
  // No waitForLeaders: kafkajs then asks a broker that may not know the topic yet and gives up;
  // waitHealthy below waits for leaders and full ISRs, patiently.
  await patiently('creating the topic', async () => {
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }] });
    } catch (err) {
      if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw err;
    }
  });
  await admin.disconnect();
  await waitHealthy(o.client, topic);
  const t0 = Date.now();
  const sends: SendRecord[] = [];
  const client = recording(o.client, sends, t0);
  const sink = o.subject === 'motifs' ? motifsSink(client, topic) : rawCoalescing(client, topic);
  const pad = 'x'.repeat(100);
  const sentAt: number[] = [];
  const acked = new Set<number>();
  const rejectedBy: Record<string, number> = {};
  const rejectedSample: Record<string, string> = {};
  let inFlight = 0;
  const notRetryableTyped: string[] = [];
  let rejected = 0;
  let next = 0;
  let stop = false;
  const loops = Array.from({ length: callers }, async () => {
    while (!stop) {
      const id = next++;
      sentAt[id] = Date.now() - t0;
      inFlight++;
      try {
        await sink.publish(id, `k${id % keys}`, pad);
        acked.add(id);
      } catch (err) {
        rejected++;
        const e = err as { code?: string; name?: string; retryable?: boolean; outcomeUnknown?: boolean; message?: string };
        const code = e.code ?? e.name ?? 'unknown';
        rejectedBy[code] = (rejectedBy[code] ?? 0) + 1;
        rejectedSample[code] ??= String(e.message).slice(0, 300);
        // Typed, and either retryable (nothing written) or marked outcomeUnknown (may be in the log).
        if (o.subject === 'motifs' && !(isMotifsError(err) && (e.retryable === true || e.outcomeUnknown === true))) notRetryableTyped.push(`${code}: ${e.message}`);
        await sleep(50);
      } finally {
        inFlight--;
      }
      // ~16 x 1000/s at most: enough to keep produce requests to every leader in flight at the kill.
      if (id % 8 === 0) await sleep(1);
    }
  });
  const kills: FailoverReport['kills'] = [];
  try {
    let previous = -1;
    for (let k = 0; k < o.kills; k++) {
      await sleep(1500);
      const byPartition = await leaders(o.client, topic);
      // Partition k % 3's leader, unless that broker was the previous victim: then another partition's.
      const order = [0, 1, 2].map((i) => (k + i) % 3);
      const partition = order.find((p) => byPartition.get(p) !== previous && (byPartition.get(p) ?? -1) >= 0) ?? order[0]!;
      const node = byPartition.get(partition)!;
      kills.push({ node, partition, atMs: Date.now() - t0 });
      await o.cluster.clusterKillNode({ id: node });
      log(`${o.subject}: killed node ${node} (leader of partition ${partition}) at ${Date.now() - t0} ms, ${acked.size} acked so far`);
      await sleep(downMs);
      await o.cluster.clusterStartNode({ id: node, timeoutMs: 90_000 });
      const healthyIn = await waitHealthy(o.client, topic);
      log(`${o.subject}: node ${node} back, full ISR ${healthyIn} ms after its start (${Date.now() - t0} ms)`);
      previous = node;
    }
    await sleep(1000);
  } finally {
    stop = true;
  }
  // A publish that never settles is a finding too (and must not hang the suite): give up after 60 s.
  const settled = await Promise.race([Promise.all(loops).then(() => true), deadline(60_000).then(() => false)]);
  const stuck = settled ? 0 : inFlight;
  if (stuck) log(`${o.subject}: ${stuck} publishes still pending 60 s after the run; reading the log anyway`);
  else await sink.close().catch(() => undefined);
  const ms = Date.now() - t0;
  const { counts, ends } = await readBack(o.client, topic);
  const missing = [...acked]
    .filter((id) => !counts.has(id))
    .sort((a, b) => a - b)
    .map((id) => ({ id, msFromKill: kills.map((k) => sentAt[id]! - k.atMs).reduce((best, d) => (Math.abs(d) < Math.abs(best) ? d : best), Infinity) }));
  const report: FailoverReport = {
    subject: o.subject,
    topic,
    published: next,
    acked: acked.size,
    rejected,
    rejectedBy,
    rejectedSample,
    stuck,
    notRetryableTyped: notRetryableTyped.slice(0, 5),
    missing,
    duplicates: [...counts.values()].filter((c) => c > 1).length,
    inLog: counts.size,
    kills,
    ms,
    msgPerSec: Math.round((acked.size / ms) * 1000),
  };
  if (missing.length) {
    // Keep the evidence: which sends carried the lost ids, what offsets the broker gave them, and
    // whether a second read (new group, fresh high watermarks) finds them after all.
    const sendOf = new Map<number, SendRecord>();
    for (const s of sends) for (const id of s.ids) sendOf.set(id, s);
    const lostSends = [...new Set(missing.map((m) => sendOf.get(m.id)).filter(Boolean))] as SendRecord[];
    log(`${o.subject}: LOSS in ${topic}: high watermarks ${JSON.stringify(ends)}; ${lostSends.length} sends carried the missing ids, e.g.`);
    for (const s of lostSends.slice(0, 5)) log(`  send at ${s.at} ms, ${s.ids.length} ids ${s.ids[0]}..${s.ids.at(-1)}: ${JSON.stringify(s.result)}`);
    await sleep(3000);
    const again = await readBack(o.client, topic);
    log(`  re-read: high watermarks ${JSON.stringify(again.ends)}, still missing ${missing.filter((m) => !again.counts.has(m.id)).length} of ${missing.length}`);
    report.diagnosis = { ends, endsAgain: again.ends, stillMissing: missing.filter((m) => !again.counts.has(m.id)).length, lostSends: lostSends.slice(0, 20) };
    // In the log means found by either read: a read that stopped short must not count as a loss.
    report.missingFirstRead = missing.length;
    report.missing = missing.filter((m) => !again.counts.has(m.id));
    // A loss through the publisher is kept for inspection; the raw reproduction's is expected.
    if (o.subject === 'motifs') return report;
  }
  const cleanup = o.client.admin();
  await cleanup.connect();
  await cleanup.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await cleanup.disconnect();
  return report;
}
