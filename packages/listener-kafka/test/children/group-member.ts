// One member of a consumer group in a process of its own, so that the group-failover suite can
// kill -9 it mid-stream. It prints a JSON line for every message from inside the handler, before
// the listener may commit its offset (stdout to a pipe is synchronous on Linux, so a printed line
// reaches the parent even when the process is killed right after), and its partitions after every
// rebalance.
import { isMotifsError } from '@motifs/core';
import { createKafkaListener } from '../../src/index.js';

const print = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);
const { CHILD_BROKERS, CHILD_TOPIC, CHILD_GROUP, CHILD_SESSION_MS } = process.env;
const sessionTimeout = Number(CHILD_SESSION_MS);

const listener = createKafkaListener<{ id: number }>({
  channelId: CHILD_TOPIC!,
  kafka: {
    url: CHILD_BROKERS!,
    groupId: CHILD_GROUP!,
    fromBeginning: true,
    logLevel: 'nothing',
    partitionsConcurrency: 3,
    consumerConfig: { sessionTimeout, rebalanceTimeout: sessionTimeout, heartbeatInterval: 1000 },
  },
});
listener.onError(async (err) => {
  print({ error: isMotifsError(err) ? err.code : String(err) });
});
listener.em.on('rebalance', (e) => {
  print({ assigned: e.partitions });
});
listener.onMessage(async (msg, ctx) => {
  print({ h: msg.id, p: ctx.partition, t: Date.now() });
});
await listener.listen();
print({ listening: true });
