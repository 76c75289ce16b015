// A user's process: a Redis Streams listener whose handler never settles is closed, and then the
// process does nothing more. It prints what it saw as JSON lines; the parent test checks that
// close() was bounded and that the process exits on its own.
import { isMotifsError } from '@motifs/core';
import { createListener } from '../../src/index.js';

const print = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);
const { CHILD_REDIS, CHILD_NAMESPACE, CHILD_CHANNEL, CHILD_GROUP, CHILD_CLOSE_TIMEOUT_MS } = process.env;

const listener = createListener<{ id: string }>({
  channelId: CHILD_CHANNEL!,
  redis: {
    ...(JSON.parse(CHILD_REDIS!) as object),
    namespace: CHILD_NAMESPACE!,
    groupId: CHILD_GROUP!,
    fromBeginning: true,
    closeTimeoutMs: Number(CHILD_CLOSE_TIMEOUT_MS),
  },
});
const errors: Record<string, unknown>[] = [];
const abandoned: Record<string, unknown>[] = [];
listener.onError(async (err) => {
  errors.push(isMotifsError(err) ? { code: err.code, retryable: err.retryable, details: err.details, message: err.message } : { message: String(err) });
});
listener.em.on('abandoned', (e: { channelId: string; partition: number; offset: string; error: unknown }) => {
  abandoned.push({ channelId: e.channelId, partition: e.partition, offset: e.offset, code: isMotifsError(e.error) ? e.error.code : undefined });
});
let started!: () => void;
const handlerStarted = new Promise<void>((resolve) => {
  started = resolve;
});
listener.onMessage((msg, ctx) => {
  print({ received: msg.id, offset: ctx.offset });
  started();
  return new Promise<void>(() => undefined); // never settles
});
await listener.listen();
print({ listening: true });
await handlerStarted;
const t0 = Date.now();
await listener.close();
const closeMs = Date.now() - t0;
// Let events emitted during close() reach their listeners (emittery delivers asynchronously).
await new Promise((resolve) => setImmediate(resolve));
await new Promise((resolve) => setImmediate(resolve));
print({
  closed: true,
  closeMs,
  errors,
  abandoned,
  resources: process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'PipeWrap' && r !== 'Immediate'),
});
// Nothing else: the process must now exit on its own.
