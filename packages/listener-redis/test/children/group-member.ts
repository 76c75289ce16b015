// One member of a Redis Streams consumer group in a process of its own, so the reliability suite
// can kill -9 it mid-handler. It prints a JSON line from inside the handler for every message it
// handled, before the listener acknowledges it (stdout to a pipe is synchronous on Linux, so a
// printed line reaches the parent even when the process is killed right after), and hangs in the
// handler of message CHILD_HANG_AT.
import { isMotifsError } from '@motifs/core';
import { createListener } from '../../src/index.js';

const print = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);
const { CHILD_REDIS, CHILD_NAMESPACE, CHILD_CHANNEL, CHILD_GROUP, CHILD_HANG_AT } = process.env;
const hangAt = Number(CHILD_HANG_AT);

const listener = createListener<{ n: number }>({
  channelId: CHILD_CHANNEL!,
  redis: { ...(JSON.parse(CHILD_REDIS!) as object), namespace: CHILD_NAMESPACE!, groupId: CHILD_GROUP!, fromBeginning: true, claimIdleMs: 500 },
});
listener.onError(async (err) => {
  print({ error: isMotifsError(err) ? err.code : String(err) });
});
listener.onMessage(async (msg) => {
  if (msg.n === hangAt) {
    print({ stuck: msg.n });
    return new Promise<void>(() => undefined); // killed -9 in here
  }
  print({ h: msg.n });
});
await listener.listen();
print({ listening: true });
