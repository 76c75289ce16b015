// close() with a handler that never settles, seen from outside the process (issue 14, defect 5):
// close() resolves within closeTimeoutMs plus a small bound, the abandoned message is reported on
// `em` and onError, the process exits on its own, and the message is redelivered to the group.
import { afterAll, describe, expect, it } from '@jest/globals';
import { describeWithService, kafkaBrokers, uniqueNamespace, eventually } from '@motifs/test-suite';
import { createKafkaListener } from '../src/index.js';
import { type Child, runChild } from '../../../tools/jest/child-process.js';
import { KafkaTestBed } from './helpers.js';

const bed = new KafkaTestBed();
const children: Child[] = [];

afterAll(async () => {
  for (const c of children) c.kill();
  await bed.cleanup();
}, 60_000);

describeWithService({ describe, it }, 'kafka', 'listener-kafka close() with a hung handler (real broker, child process)', () => {
  it('close() is bounded, reports the abandoned message, releases every socket, the process exits, the message is redelivered', async () => {
    const topic = await bed.topic(1);
    const groupId = uniqueNamespace('hung');
    const producer = await bed.rawProducer();
    await producer.send({ topic, messages: [{ value: JSON.stringify({ id: 'stuck' }) }] });

    const closeTimeoutMs = 2000;
    const child = await runChild('listener-kafka', 'hung-close', {
      CHILD_BROKERS: kafkaBrokers().join(','),
      CHILD_TOPIC: topic,
      CHILD_GROUP: groupId,
      CHILD_CLOSE_TIMEOUT_MS: String(closeTimeoutMs),
    }, ['kafkajs']);
    children.push(child);
    await child.line('received', 60_000);
    // closeTimeoutMs plus the documented disconnect bound (5 s), plus slack for a loaded machine.
    const closed = (await child.line('closed', closeTimeoutMs + 20_000)) as {
      closeMs: number;
      errors: { code: string; details: { partition: number; offset: string } }[];
      abandoned: { partition: number; offset: string; code: string }[];
      resources: string[];
    };
    const closedAt = Date.now();
    const exit = await child.exitWithin(5000);
    child.kill();
    const figures = { closeMs: closed.closeMs, exitAfterCloseMs: exit === 'still running' ? exit : exit.at - closedAt, resources: closed.resources };
    console.log('hung-close child:', JSON.stringify(figures));

    expect(closed.closeMs).toBeGreaterThanOrEqual(closeTimeoutMs - 50);
    expect(closed.closeMs).toBeLessThan(closeTimeoutMs + 5000);
    expect(closed.abandoned).toEqual([{ channelId: topic, partition: 0, offset: '0', code: 'MOTIFS_ABANDONED' }]);
    expect(closed.errors).toEqual([expect.objectContaining({ code: 'MOTIFS_ABANDONED', details: expect.objectContaining({ channelId: topic, partition: 0, offset: '0' }) })]);
    expect(closed.resources.filter((r) => r.startsWith('TCP'))).toEqual([]);
    expect(exit).not.toBe('still running');
    expect(exit === 'still running' ? undefined : exit.code).toBe(0);

    // Not committed: the next member of the group gets it.
    const again = createKafkaListener<{ id: string }>({ channelId: topic, kafka: { client: bed.client, groupId, fromBeginning: true, logLevel: 'nothing' } });
    const got: string[] = [];
    again.onMessage(async (msg) => {
      got.push(msg.id);
    });
    again.onError(async () => undefined);
    await again.listen();
    await eventually(() => got.length > 0, { timeoutMs: 45_000, what: 'the abandoned message to be redelivered' });
    expect(got).toEqual(['stuck']);
    await again.close();
  }, 150_000);
});
