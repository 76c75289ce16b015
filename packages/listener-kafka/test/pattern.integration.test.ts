import { afterAll, describe, expect, it } from '@jest/globals';
import type { ListenerEvents, MessageContext } from '@motifs/core';
import { describeWithService, eventually, uniqueNamespace } from '@motifs/test-suite';
import { type KafkaListener, KafkaPatternListener, PATTERN_REFRESH_MS, createKafkaListener, createKafkaPublisher } from '../src/index.js';
import { KafkaTestBed } from './helpers.js';
import { PatternTopics } from './pattern-channel.js';

const bed = new KafkaTestBed();
const topics = new PatternTopics(bed);
const open: { close(): Promise<void> }[] = [];
const validation = expect.objectContaining({ code: 'MOTIFS_VALIDATION' }) as never;

afterAll(async () => {
  await Promise.all(open.splice(0).map((o) => o.close().catch(() => undefined)));
  await topics.cleanup();
  await bed.cleanup();
}, 60_000);

function patternListener(pattern: string, refreshMs?: number): KafkaListener<{ id: string }> {
  const listener = createKafkaListener<{ id: string }>({
    channelId: pattern,
    kafka: { client: bed.client, logLevel: 'nothing', groupId: uniqueNamespace('group'), fromBeginning: true, ...(refreshMs ? { patternRefreshMs: refreshMs } : {}) },
  });
  open.push(listener);
  return listener;
}

/** Publishes `id` to `topic` (created first) and resolves how long until `got` has it, in ms. */
async function pickupMs(topic: string, got: { id: string }[]): Promise<number> {
  await topics.create(topic);
  const publisher = createKafkaPublisher<{ id: string }>({ channelId: topic, kafka: { client: bed.client } });
  open.push(publisher);
  const id = `first-of-${topic}`;
  const t0 = Date.now();
  await publisher.publish({ id });
  await eventually(() => got.some((m) => m.id === id), { timeoutMs: 60_000, intervalMs: 20, what: `the first message of ${topic}` });
  return Date.now() - t0;
}

describeWithService({ describe, it }, 'kafka', 'listener-kafka pattern subscriptions', () => {
  it('reads existing and later-created topics, the first message of a new topic included; measures the pickup delay', async () => {
    const prefix = uniqueNamespace('motifs-pattern');
    await topics.create(`${prefix}.a`);
    const a = createKafkaPublisher<{ id: string }>({ channelId: `${prefix}.a`, kafka: { client: bed.client } });
    open.push(a);
    await a.publish({ id: 'a1' });
    const listener = patternListener(`${prefix}.*`, 1000);
    expect(listener).toBeInstanceOf(KafkaPatternListener);
    const got: { id: string }[] = [];
    const contexts: MessageContext[] = [];
    const channels: ListenerEvents['channels'][] = [];
    listener.em.on('channels', (e) => void channels.push(e));
    listener.onMessage(async (m, ctx) => {
      got.push(m);
      contexts.push({ ...ctx });
    });
    await listener.listen();
    await eventually(() => got.length >= 1, { timeoutMs: 30_000, what: 'a1' });
    const delays = [];
    for (const suffix of ['b', 'c.deep']) delays.push(await pickupMs(`${prefix}.${suffix}`, got));
    await a.publish({ id: 'a2' });
    await eventually(() => got.some((m) => m.id === 'a2'), { timeoutMs: 30_000, what: 'a2 after the rejoins' });
    console.log(`kafka pattern pickup (patternRefreshMs 1000): ${delays.join(', ')} ms from the first publish to a new topic to its delivery`);
    expect(contexts.map((c) => `${c.channelId}:${got[contexts.indexOf(c)]!.id}`).sort()).toEqual(
      [`${prefix}.a:a1`, `${prefix}.a:a2`, `${prefix}.b:first-of-${prefix}.b`, `${prefix}.c.deep:first-of-${prefix}.c.deep`].sort(),
    );
    expect(channels.map((c) => c.added)).toEqual([[`${prefix}.a`], [`${prefix}.b`], [`${prefix}.c.deep`]]);
    expect((listener as KafkaPatternListener).channelIds).toEqual([`${prefix}.a`, `${prefix}.b`, `${prefix}.c.deep`]);
    await listener.close();
  }, 120_000);

  it('with the default patternRefreshMs, a topic created after listen() is picked up within the refresh plus a rejoin', async () => {
    const prefix = uniqueNamespace('motifs-pattern');
    const listener = patternListener(`${prefix}.*`);
    const got: { id: string }[] = [];
    listener.onMessage(async (m) => void got.push(m));
    // No topic matches yet: listen() resolves, and the consumer starts when one appears.
    await listener.listen();
    const ms = await pickupMs(`${prefix}.late`, got);
    console.log(`kafka pattern pickup (default patternRefreshMs ${PATTERN_REFRESH_MS}): ${ms} ms`);
    expect(ms).toBeLessThan(PATTERN_REFRESH_MS + 30_000);
    await listener.close();
  }, 120_000);

  it('refresh() picks a new topic up at once: the rejoin itself takes well under the refresh interval', async () => {
    const prefix = uniqueNamespace('motifs-pattern');
    await topics.create(`${prefix}.a`);
    const listener = patternListener(`${prefix}.*`, 600_000) as KafkaPatternListener<{ id: string }>;
    const got: { id: string }[] = [];
    listener.onMessage(async (m) => void got.push(m));
    await listener.listen();
    const samples: number[] = [];
    for (const suffix of ['b', 'c', 'd']) {
      const topic = `${prefix}.${suffix}`;
      await topics.create(topic);
      const publisher = createKafkaPublisher<{ id: string }>({ channelId: topic, kafka: { client: bed.client } });
      open.push(publisher);
      await publisher.publish({ id: topic });
      const t0 = Date.now();
      await listener.refresh();
      await eventually(() => got.some((m) => m.id === topic), { timeoutMs: 30_000, intervalMs: 5, what: `the message of ${topic}` });
      samples.push(Date.now() - t0);
    }
    console.log(`kafka pattern rejoin (refresh() to the new topic's first delivery, one member): ${samples.join(', ')} ms`);
    expect(listener.channelIds).toEqual(['a', 'b', 'c', 'd'].map((s) => `${prefix}.${s}`));
    await listener.close();
  }, 120_000);

  it('two members of one group both pick up a new topic: every message of it is delivered, and the group splits the topics', async () => {
    const prefix = uniqueNamespace('motifs-pattern');
    await topics.create(`${prefix}.a`);
    const groupId = uniqueNamespace('group');
    const sides = [0, 1].map(() => {
      const listener = createKafkaListener<{ id: string }>({
        channelId: `${prefix}.*`,
        kafka: { client: bed.client, logLevel: 'nothing', groupId, fromBeginning: true, patternRefreshMs: 1000 },
      });
      open.push(listener);
      const got: { id: string; channelId: string }[] = [];
      // What this member owns after its latest join (one rebalance event per subscribed topic).
      const owned = new Map<string, number[]>();
      listener.em.on('rebalance', (e) => void owned.set(e.channelId, e.partitions));
      listener.onMessage(async (m, ctx) => void got.push({ id: m.id, channelId: ctx.channelId }));
      return { listener, got, owned };
    });
    for (const side of sides) await side.listener.listen();
    await topics.create(`${prefix}.b`);
    const publishers = ['a', 'b'].map((s) => {
      const p = createKafkaPublisher<{ id: string }>({ channelId: `${prefix}.${s}`, kafka: { client: bed.client } });
      open.push(p);
      return p;
    });
    const total = 40;
    const t0 = Date.now();
    for (let n = 0; n < total; n++) await publishers[n % 2]!.publish({ id: `m${n}` });
    const union = () => new Set(sides.flatMap((s) => s.got.map((d) => d.id)));
    await eventually(() => union().size === total, { timeoutMs: 60_000, what: `all ${total} messages over both topics` });
    console.log(`kafka pattern, 2 members: all ${total} messages (half on a topic created after listen()) delivered ${Date.now() - t0} ms after the first publish`);
    // Once the rejoins settled, each member owns one of the two topics (round-robin over them).
    const ownedTopics = (side: (typeof sides)[number]) => [...side.owned].filter(([, ps]) => ps.length > 0).map(([t]) => t);
    await eventually(() => sides.every((side) => side.owned.size === 2 && ownedTopics(side).length === 1) && ownedTopics(sides[0]!)[0] !== ownedTopics(sides[1]!)[0], {
      timeoutMs: 30_000,
      what: 'each member to own one topic',
    });
    for (const side of sides) side.got.length = 0;
    await publishers[0]!.publish({ id: 'after-a' });
    await publishers[1]!.publish({ id: 'after-b' });
    await eventually(() => union().size === 2, { timeoutMs: 30_000, what: 'one more message per topic' });
    const readers = ['after-a', 'after-b'].map((id) => sides.filter((s) => s.got.some((d) => d.id === id)).length);
    expect(readers).toEqual([1, 1]);
    for (const side of sides) expect(side.got.map((d) => d.channelId)).toEqual(ownedTopics(side));
  }, 120_000);

  it('refuses a pattern publisher, a dead-letter topic the pattern matches and bad patternRefreshMs, with MOTIFS_VALIDATION', () => {
    expect(() => createKafkaPublisher({ channelId: 'orders.*', kafka: { client: bed.client } })).toThrow(validation);
    expect(() => createKafkaListener({ channelId: 'orders.*', kafka: { client: bed.client, deadLetterTopic: 'orders.failed' } })).toThrow(validation);
    expect(() => createKafkaListener({ channelId: 'orders.*', kafka: { client: bed.client, patternRefreshMs: 0 } })).toThrow(validation);
    expect(() => createKafkaListener({ channelId: '[é-z]*', kafka: { client: bed.client } })).toThrow(validation);
  });
});
