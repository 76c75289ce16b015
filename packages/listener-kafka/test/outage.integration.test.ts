// A broker outage is reported while it lasts (issue 14, defect 8a): an `unavailable` event as soon
// as the listener notices, MOTIFS_UNAVAILABLE on onError once the outage outlasts the grace, and a
// `recovered` event when the broker answers again; then consumption goes on. Runs on a private
// broker (tools/services, own state dir and ports), never on the shared one.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { isMotifsError } from '@motifs/core';
import { describeWithService, uniqueNamespace, eventually } from '@motifs/test-suite';
import kafkajs from 'kafkajs';
import { createKafkaListener } from '../src/index.js';
import { type Child, runChild } from '../../../tools/jest/child-process.js';
import { type PrivateBroker, privateBroker } from './private-broker.js';

const { Kafka, logLevel } = kafkajs;
let broker: PrivateBroker | undefined;
let startError: unknown;
let child: Child | undefined;

beforeAll(async () => {
  try {
    broker = await privateBroker();
    await broker.start();
  } catch (err) {
    startError = err;
  }
}, 180_000);

afterAll(async () => {
  child?.kill();
  await broker?.destroy();
}, 60_000);

describeWithService({ describe, it }, 'kafka', 'listener-kafka broker outage (private broker)', () => {
  it('reports the outage when it starts (event at once, onError after the grace) and when it ends, then keeps consuming', async () => {
    if (startError) throw startError;
    const brokers = broker!.brokers;
    const topic = uniqueNamespace('motifs-outage');
    const admin = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
    await admin.disconnect();
    const producer = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();

    const t = (ms: number) => ms - downAt;
    let downAt = 0;
    const timeline: { at: number; what: string }[] = [];
    const note = (what: string): void => {
      timeline.push({ at: Date.now(), what });
    };
    const listener = createKafkaListener<{ n: number }>({
      channelId: topic,
      kafka: {
        url: brokers,
        groupId: uniqueNamespace('outage'),
        fromBeginning: true,
        logLevel: 'nothing',
        unavailableAfterMs: 1500,
        unavailableGraceMs: 2000,
        disconnectTimeoutMs: 2000,
        // After the restart the coordinator waits for the member it remembers until its session
        // times out (30 s by default) before the group can rejoin: keep that short here.
        consumerConfig: { sessionTimeout: 8000, heartbeatInterval: 1000 },
      },
    });
    const got: number[] = [];
    listener.onMessage(async (msg) => {
      got.push(msg.n);
      note(`message ${msg.n}`);
    });
    listener.onError(async (err) => {
      // The outage report carries `silentMs`; other reports (kafkajs crashes, failed restarts) may come too.
      const outage = isMotifsError(err, 'MOTIFS_UNAVAILABLE') && typeof err.details.silentMs === 'number';
      note(outage ? 'outage report' : `onError ${isMotifsError(err) ? err.code : String(err)}`);
    });
    for (const name of ['unavailable', 'recovered', 'crash', 'reconnect'] as const) listener.em.on(name, () => {
      note(name);
    });
    await listener.listen();
    await producer.send({ topic, messages: [{ value: JSON.stringify({ n: 1 }) }] });
    await eventually(() => got.includes(1), { timeoutMs: 30_000, what: 'the first message' });
    await producer.disconnect();

    downAt = Date.now();
    await broker!.stop();
    const stoppedAt = Date.now();
    // The outage lasts until both reports had their chance (grace 2 s after detection), ~6 s at most.
    await eventually(() => timeline.some((e) => e.what === 'outage report'), { timeoutMs: 12_000, what: 'MOTIFS_UNAVAILABLE on onError during the outage' }).catch(() => undefined);
    const upAt = Date.now();
    await broker!.start();
    const backAt = Date.now();
    await eventually(() => timeline.some((e) => e.what === 'recovered'), { timeoutMs: 60_000, what: 'the recovered event' }).catch(() => undefined);
    const again = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).producer();
    await again.connect();
    await again.send({ topic, messages: [{ value: JSON.stringify({ n: 2 }) }] });
    await again.disconnect();
    await eventually(() => got.includes(2), { timeoutMs: 60_000, what: 'a message published after the outage' }).catch(() => undefined);

    // A user's process with a listener of its own, which closes as soon as it sees the next outage.
    child = await runChild('listener-kafka', 'close-during-outage', { CHILD_BROKERS: brokers, CHILD_TOPIC: topic, CHILD_GROUP: uniqueNamespace('outage-child') }, ['kafkajs']);
    await child.line('received', 60_000);

    // close() while the broker is down: bounded by disconnectTimeoutMs, and no socket of the
    // listener's own client survives it (nor comes back from kafkajs's retries afterwards).
    await broker!.stop();
    note('(broker stopped again; close())');
    const closeStart = Date.now();
    await listener.close();
    const closeMs = Date.now() - closeStart;
    const sockets = (listener as unknown as { sockets: Set<{ destroyed: boolean }> }).sockets;
    const open = () => [...sockets].filter((socket) => !socket.destroyed).length;
    const socketsAtClose = open();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const socketsLater = open();
    const childClosed = (await child.line('closed', 30_000)) as { closeMs: number; errors: string[]; resources: string[] };
    const childClosedAt = Date.now();
    const childExit = await Promise.race([child.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 20_000))]);
    child.kill();
    const childExitAfterCloseMs = childExit === 'still running' ? childExit : childExit.at - childClosedAt;

    const report = {
      stopTookMs: stoppedAt - downAt,
      brokerStartedAtMs: t(upAt),
      brokerBackAtMs: t(backAt),
      closeWhileDownMs: closeMs,
      socketsAtClose,
      socketsLater,
      child: { ...childClosed, exitAfterCloseMs: childExitAfterCloseMs },
      timeline: timeline.filter((e) => e.at >= downAt).map((e) => `${t(e.at)}ms ${e.what}`),
    };
    console.log('outage timeline:', JSON.stringify(report, null, 1));
    const during = timeline.filter((e) => e.at >= downAt && e.at <= upAt).map((e) => e.what);
    const after = timeline.filter((e) => e.at > upAt).map((e) => e.what);
    expect(during).toContain('unavailable');
    expect(during).toContain('outage report');
    expect(during.indexOf('unavailable')).toBeLessThan(during.indexOf('outage report'));
    // Once per outage.
    expect(during.filter((w) => w === 'outage report')).toHaveLength(1);
    expect(after).toContain('recovered');
    expect(got).toContain(2);
    expect(closeMs).toBeLessThan(2000 + 3000);
    expect(socketsAtClose).toBe(0);
    expect(socketsLater).toBe(0);
    expect(childClosed.closeMs).toBeLessThan(2000 + 3000);
    expect(childExit).not.toBe('still running');
  }, 240_000);
});
