// A user's process: a Kafka listener that closes as soon as it reports the broker unavailable,
// then does nothing more. Prints what it saw as JSON lines; the parent checks that it exits.
import { isMotifsError } from '@motifs/core';
import { createKafkaListener } from '../../src/index.js';

const print = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);
const { CHILD_BROKERS, CHILD_TOPIC, CHILD_GROUP } = process.env;

const listener = createKafkaListener<{ n: number }>({
  channelId: CHILD_TOPIC!,
  kafka: { url: CHILD_BROKERS!, groupId: CHILD_GROUP!, fromBeginning: true, logLevel: 'nothing', unavailableAfterMs: 1000, disconnectTimeoutMs: 2000 },
});
const errors: string[] = [];
listener.onError(async (err) => {
  errors.push(isMotifsError(err) ? err.code : String(err));
});
listener.onMessage(async (msg) => {
  print({ received: msg.n });
});
let unavailable!: () => void;
const down = new Promise<void>((resolve) => {
  unavailable = resolve;
});
listener.em.on('unavailable', () => unavailable());
await listener.listen();
print({ listening: true });
await down;
const t0 = Date.now();
await listener.close();
const closeMs = Date.now() - t0;
await new Promise((resolve) => setImmediate(resolve));
print({ closed: true, closeMs, errors, resources: process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap' && r !== 'Immediate') });
