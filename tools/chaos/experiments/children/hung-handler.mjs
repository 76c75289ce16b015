// Child of hung-close: a listener whose handler never settles, closed with closeTimeoutMs 2000.
// argv: <kafka|memory> [brokers]. Prints one JSON line per milestone on stdout and then simply
// returns: whether this process exits on its own is what the parent measures. Nothing here calls
// process.exit.
import { codeOf, load } from '../../lib.mjs';

const [kind, brokers] = process.argv.slice(2);
// The event name core documents for a message close() gave up on (issue 14 defect 5).
const abandonedEvent = (await load('core')).ABANDONED_EVENT ?? 'abandoned';
const CLOSE_TIMEOUT_MS = 2000;
const say = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
const errors = [];
const events = [];

let listener;
let publisher;
const channelId = `chaos-hung-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
if (kind === 'kafka') {
  const { createKafkaListener, createKafkaPublisher } = await load('listener-kafka');
  const kafka = { brokers: brokers.split(','), logLevel: 'nothing' };
  listener = createKafkaListener({ channelId, kafka: { ...kafka, groupId: `${channelId}-g`, fromBeginning: true, closeTimeoutMs: CLOSE_TIMEOUT_MS } });
  publisher = createKafkaPublisher({ channelId, kafka });
} else {
  const { createMemoryListener, createMemoryPublisher } = await load('listener-memory');
  listener = createMemoryListener({ channelId, memory: { closeTimeoutMs: CLOSE_TIMEOUT_MS } });
  publisher = createMemoryPublisher({ channelId });
}
let handlerCalled;
const called = new Promise((resolve) => (handlerCalled = resolve));
listener.onMessage(() => {
  handlerCalled();
  return new Promise(() => {}); // never settles
});
listener.onError(async (err) => {
  errors.push({ code: codeOf(err), message: String(err?.message).slice(0, 160) });
});
listener.em.onAny((name) => events.push(name));
const t0 = performance.now();
await listener.listen();
say({ milestone: 'listening', ms: Math.round(performance.now() - t0), channelId });
await publisher.publish({ n: 1 }, { key: 'k' });
await publisher.close();
await called;
say({ milestone: 'handler-called' });
const eventsBefore = events.length;
const closeStart = performance.now();
await listener.close();
const closeMs = Math.round(performance.now() - closeStart);
await new Promise((r) => setImmediate(r));
say({
  milestone: 'closed',
  closeMs,
  closeTimeoutMs: CLOSE_TIMEOUT_MS,
  errors,
  eventsDuringClose: events.slice(eventsBefore),
  abandonedEvent,
  activeResources: process.getActiveResourcesInfo().filter((r) => !['TTYWrap', 'PipeWrap'].includes(r)),
});
