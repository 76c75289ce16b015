// Failure paths of the Kafka pattern listener that a healthy broker will not produce on demand,
// driven through a fake kafkajs client (unit tests; the real broker is in pattern.integration).
import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { type ListenerEvents, isMotifsError } from '@motifs/core';
import { eventually } from '@motifs/test-suite';
import kafkajs from 'kafkajs';
import { type KafkaPatternListener, createKafkaListener } from '../src/index.js';

const { KafkaJSConnectionError } = kafkajs;
const EVENTS = { FETCH: 'fetch', GROUP_JOIN: 'group_join', REBALANCING: 'rebalancing', CRASH: 'crash', CONNECT: 'connect', DISCONNECT: 'disconnect', STOP: 'stop', REQUEST: 'request' };

class FakeConsumer extends EventEmitter {
  readonly events = EVENTS;
  calls: string[] = [];
  subscribed: { topics: string[]; fromBeginning: boolean }[] = [];
  connectFailure: unknown;
  committed: unknown[] = [];
  eachBatch: ((payload: unknown) => Promise<void>) | undefined;

  override on(event: string, listener: (...args: unknown[]) => void): this {
    return super.on(event, listener);
  }
  async connect() {
    this.calls.push('connect');
    if (this.connectFailure) throw this.connectFailure;
  }
  async subscribe(s: { topics: string[]; fromBeginning: boolean }) {
    this.subscribed.push(s);
  }
  async run(options: { eachBatch: (payload: unknown) => Promise<void> }) {
    this.calls.push('run');
    this.eachBatch = options.eachBatch;
    const memberAssignment = Object.fromEntries(this.subscribed.flatMap((s) => s.topics).map((t) => [t, [0]]));
    this.emit(EVENTS.GROUP_JOIN, { payload: { memberId: 'm1', memberAssignment } });
    this.emit(EVENTS.FETCH, { payload: {} });
  }
  pause() {
    this.calls.push('pause');
  }
  resume() {
    this.calls.push('resume');
  }
  async commitOffsets(offsets: unknown[]) {
    this.committed.push(...offsets);
  }
  async disconnect() {
    this.calls.push('disconnect');
  }
  /** Hands one message of `topic` to the listener; resolves when its batch is done. */
  deliver(topic: string, offset: string, value: string): Promise<void> {
    const message = { offset, value: Buffer.from(value), key: null, headers: {}, timestamp: String(Date.now()) };
    return this.eachBatch!({
      batch: { topic, partition: 0, messages: [message] },
      resolveOffset: () => undefined,
      heartbeat: async () => undefined,
      commitOffsetsIfNecessary: async () => undefined,
      isRunning: () => true,
      isStale: () => false,
    });
  }
}

/** A fake client: a new consumer per `consumer()` call (a rejoin builds one), a scripted admin. */
function fakeClient() {
  const consumers: FakeConsumer[] = [];
  const listings: (string[] | Error)[] = [];
  let lastTopics: string[] = [];
  const admin = {
    disconnected: 0,
    connect: async () => undefined,
    disconnect: async () => void admin.disconnected++,
    listTopics: async () => {
      const next = listings.shift() ?? lastTopics;
      if (next instanceof Error) throw next;
      lastTopics = next;
      return next;
    },
  };
  const client = {
    consumer: () => {
      const c = new FakeConsumer();
      if (nextConnectFailure.length) c.connectFailure = nextConnectFailure.shift();
      consumers.push(c);
      return c;
    },
    producer: () => ({ connect: async () => undefined, send: async () => undefined, disconnect: async () => undefined }),
    admin: () => admin,
  };
  const nextConnectFailure: unknown[] = [];
  return { client, consumers, listings, admin, nextConnectFailure };
}

function patternListener(client: unknown, closeTimeoutMs = 200): KafkaPatternListener<unknown> {
  return createKafkaListener({
    channelId: 'orders.*',
    kafka: { client: client as never, groupId: 'g', patternRefreshMs: 60_000, closeTimeoutMs, logLevel: 'nothing', retry: { attempts: 1 } },
  }) as KafkaPatternListener<unknown>;
}

const connectionError = () => new KafkaJSConnectionError('broker down', { broker: 'b:9092' } as never);

describe('kafka pattern listener (fake client)', () => {
  it('listen() rejects with a typed error when the topics cannot be listed, and releases the admin client', async () => {
    const fake = fakeClient();
    fake.listings.push(connectionError());
    const listener = patternListener(fake.client);
    listener.onMessage(async () => undefined);
    const err = await listener.listen().catch((e: unknown) => e);
    expect(isMotifsError(err, 'MOTIFS_UNAVAILABLE')).toBe(true);
    expect(fake.admin.disconnected).toBe(1);
    expect(fake.consumers).toHaveLength(0);
    await listener.close();
  });

  it('reports a failing topic listing once per run of failures, then rejoins on a new topic read from its start', async () => {
    const fake = fakeClient();
    fake.listings.push(['orders.a', 'orders.a.dlq', 'other'], connectionError(), connectionError(), ['orders.a', 'orders.b']);
    const listener = patternListener(fake.client);
    const errors: unknown[] = [];
    const channels: ListenerEvents['channels'][] = [];
    listener.em.on('channels', (e) => void channels.push(e));
    listener.onError(async (e) => void errors.push(e));
    listener.onMessage(async () => undefined);
    await listener.listen();
    expect(fake.consumers[0]!.subscribed).toEqual([{ topics: ['orders.a'], fromBeginning: false }]);
    await listener.refresh();
    await listener.refresh();
    expect(errors).toHaveLength(1);
    expect(isMotifsError(errors[0], 'MOTIFS_UNAVAILABLE')).toBe(true);
    await fake.consumers[0]!.deliver('orders.a', '7', '{}');
    await listener.refresh();
    expect(fake.consumers[0]!.calls).toEqual(['connect', 'run', 'pause', 'disconnect']);
    expect(fake.consumers[0]!.committed).toEqual([{ topic: 'orders.a', partition: 0, offset: '8' }]);
    expect(fake.consumers[1]!.subscribed).toEqual([
      { topics: ['orders.a'], fromBeginning: false },
      { topics: ['orders.b'], fromBeginning: true },
    ]);
    expect(channels.map((c) => c.added)).toEqual([['orders.a'], ['orders.b']]);
    expect(listener.channelIds).toEqual(['orders.a', 'orders.b']);
    await listener.close();
  });

  it('does not rejoin while a handler outlives closeTimeoutMs: resumes, and rejoins at a later refresh', async () => {
    const fake = fakeClient();
    fake.listings.push(['orders.a'], ['orders.a', 'orders.b']);
    const listener = patternListener(fake.client, 100);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    listener.onMessage(async () => gate);
    await listener.listen();
    const batch = fake.consumers[0]!.deliver('orders.a', '0', '{}');
    await listener.refresh();
    expect(fake.consumers[0]!.calls).toEqual(['connect', 'run', 'pause', 'resume']);
    expect(fake.consumers).toHaveLength(1);
    expect(listener.channelIds).toEqual(['orders.a']);
    release();
    await batch;
    await listener.refresh();
    expect(fake.consumers).toHaveLength(2);
    expect(listener.channelIds).toEqual(['orders.a', 'orders.b']);
    await listener.close();
  });

  it('reports a failed rejoin, keeps the old topic set, and retries at the next refresh', async () => {
    const fake = fakeClient();
    fake.listings.push(['orders.a'], ['orders.a', 'orders.b']);
    const listener = patternListener(fake.client);
    const errors: unknown[] = [];
    listener.onError(async (e) => void errors.push(e));
    listener.onMessage(async () => undefined);
    await listener.listen();
    fake.nextConnectFailure.push(connectionError());
    await listener.refresh();
    await eventually(() => errors.length === 1, { timeoutMs: 2000, what: 'the rejoin failure' });
    expect(isMotifsError(errors[0], 'MOTIFS_UNAVAILABLE')).toBe(true);
    expect(listener.channelIds).toEqual(['orders.a']);
    await listener.refresh();
    expect(fake.consumers).toHaveLength(3);
    expect(fake.consumers[2]!.subscribed.flatMap((s) => s.topics)).toEqual(['orders.a', 'orders.b']);
    expect(listener.channelIds).toEqual(['orders.a', 'orders.b']);
    await listener.close();
  });

  it('starts no consumer while nothing matches, and joins when the first topic appears', async () => {
    const fake = fakeClient();
    fake.listings.push(['other'], ['other', 'orders.new']);
    const listener = patternListener(fake.client);
    listener.onMessage(async () => undefined);
    await listener.listen();
    expect(fake.consumers).toHaveLength(0);
    await listener.refresh();
    expect(fake.consumers).toHaveLength(1);
    expect(fake.consumers[0]!.subscribed).toEqual([{ topics: ['orders.new'], fromBeginning: true }]);
    await listener.close();
    expect(fake.admin.disconnected).toBe(1);
  });
});
