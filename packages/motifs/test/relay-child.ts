// The relay suite's child process (run by relay.integration.test.ts, not a test itself): an outbox
// relay, Redis stream -> Kafka topic, in a process of its own so the suite can kill it -9
// mid-stream and start another from the same consumer group. It prints a JSON line for every
// message the target accepted (before the source acknowledges it), and on SIGTERM closes the relay
// and prints how long that took; then the process must exit on its own.
import { isMotifsError, makeRelay, registerKind } from '@motifs/core';
// The adapters' sources, bundled into this child (the workspace packages need not be built; the
// drivers, ioredis and kafkajs, are the umbrella's own dependencies).
import { createListener as createKafkaListener, createPublisher as createKafkaPublisher } from '../../listener-kafka/src/index.js';
import { createListener, createPublisher } from '../../listener-redis/src/index.js';

const print = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);
const { CHILD_REDIS, CHILD_NAMESPACE, CHILD_CHANNEL, CHILD_GROUP, CHILD_CLAIM_IDLE_MS, CHILD_BROKERS, CHILD_TOPIC, CHILD_CONSUMER } = process.env;

registerKind('listener', 'redis', createListener);
registerKind('publisher', 'redis', createPublisher);
registerKind('listener', 'kafka', createKafkaListener);
registerKind('publisher', 'kafka', createKafkaPublisher);

const relay = await makeRelay<{ id: string; version: number }>({
  from: {
    kind: 'redis',
    channelId: CHILD_CHANNEL!,
    redis: { ...(JSON.parse(CHILD_REDIS!) as object), namespace: CHILD_NAMESPACE!, groupId: CHILD_GROUP!, fromBeginning: true, claimIdleMs: Number(CHILD_CLAIM_IDLE_MS), closeTimeoutMs: 5000, ...(CHILD_CONSUMER ? { consumer: CHILD_CONSUMER } : {}) },
  } as never,
  to: { kind: 'kafka', channelId: CHILD_TOPIC!, kafka: { url: CHILD_BROKERS!, logLevel: 'nothing' } },
});
relay.listener.onError(async (err) => {
  print({ error: isMotifsError(err) ? err.code : String(err) });
});
relay.em.on('forwarded', (e) => {
  print({ f: e.offset, k: e.key });
});
relay.em.on('publish.retry', (e) => {
  print({ retry: e.offset, code: isMotifsError(e.error) ? e.error.code : String(e.error) });
});
process.once('SIGTERM', () => {
  const t0 = Date.now();
  void relay.close().then(
    () => print({ closed: true, closeMs: Date.now() - t0 }),
    (err: unknown) => print({ closed: false, error: String(err) }),
  );
});
await relay.start();
print({ started: true });
