// Lifecycle failure paths that a healthy broker will not produce on demand, driven through a fake
// kafkajs client (unit tests only; the real broker is exercised by the integration suites).
import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { isMotifsError } from '@motifs/core';
import { waitFor } from '@motifs/test-suite';
import kafkajs from 'kafkajs';
import { createKafkaListener } from '../src/index.js';

const { KafkaJSConnectionError, KafkaJSProtocolError, KafkaJSNonRetriableError } = kafkajs;

const EVENTS = { FETCH: 'fetch', GROUP_JOIN: 'group_join', REBALANCING: 'rebalancing', CRASH: 'crash', CONNECT: 'connect', DISCONNECT: 'disconnect', STOP: 'stop' };

/** Just enough of a kafkajs consumer: scripted failures, and a join emitted from run(). */
class FakeConsumer extends EventEmitter {
  readonly events = EVENTS;
  calls: string[] = [];
  connectFailures: unknown[] = [];
  subscribeFailures: unknown[] = [];
  joinOnRun = true;
  commitFailure: unknown;
  committed: unknown[] = [];
  eachBatch: ((payload: unknown) => Promise<void>) | undefined;

  override on(event: string, listener: (...args: unknown[]) => void): this {
    return super.on(event, listener);
  }
  async connect() {
    this.calls.push('connect');
    const failure = this.connectFailures.shift();
    if (failure) throw failure;
  }
  async subscribe() {
    this.calls.push('subscribe');
    const failure = this.subscribeFailures.shift();
    if (failure) throw failure;
  }
  async run(options: { eachBatch: (payload: unknown) => Promise<void> }) {
    this.calls.push('run');
    this.eachBatch = options.eachBatch;
    if (this.joinOnRun) this.join([0]);
  }
  join(partitions: number[]) {
    this.emit(EVENTS.GROUP_JOIN, { payload: { memberId: 'm1', memberAssignment: { orders: partitions } } });
    this.emit(EVENTS.FETCH, { payload: {} });
  }
  crash(error: Error, restart: boolean) {
    this.emit(EVENTS.CRASH, { payload: { error, restart, groupId: 'g' } });
  }
  pause() {
    this.calls.push('pause');
  }
  async commitOffsets(offsets: unknown[]) {
    this.calls.push('commit');
    if (this.commitFailure) throw this.commitFailure;
    this.committed.push(...offsets);
  }
  async disconnect() {
    this.calls.push('disconnect');
  }
}

function fakeClient(consumer: FakeConsumer) {
  return {
    consumer: () => consumer,
    producer: () => ({ connect: async () => undefined, send: async () => undefined, disconnect: async () => undefined }),
  };
}

function build(consumer: FakeConsumer, kafka: Record<string, unknown> = {}) {
  const listener = createKafkaListener<{ id: string }>({
    channelId: 'orders',
    kafka: { client: fakeClient(consumer) as never, retry: { attempts: 1, initialBackoffMs: 1, maxBackoffMs: 5 }, ...kafka },
  });
  const errors: unknown[] = [];
  const events: string[] = [];
  listener.onError(async (err) => {
    errors.push(err);
  });
  for (const name of ['crash', 'restart', 'reconnect', 'rebalance', 'subscribe.retry']) {
    listener.em.on(name, () => {
      events.push(name);
    });
  }
  return { listener, errors, events };
}

/** A batch payload as kafkajs hands it to eachBatch. */
function batch(offsets: string[], resolved: string[]) {
  return {
    batch: { topic: 'orders', partition: 0, messages: offsets.map((offset) => ({ offset, value: Buffer.from(`{"id":"${offset}"}`), key: null, headers: {}, timestamp: '0' })) },
    resolveOffset: (o: string) => resolved.push(o),
    heartbeat: async () => undefined,
    commitOffsetsIfNecessary: async () => undefined,
    isRunning: () => true,
    isStale: () => false,
  };
}

describe('kafka listener lifecycle (fake client)', () => {
  it('a failed listen() rejects with a mapped error, reports it, raises no unhandled rejection, and can be retried', async () => {
    const consumer = new FakeConsumer();
    consumer.connectFailures.push(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:1'));
    const { listener, errors } = build(consumer);
    listener.onMessage(async () => undefined);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      void listener.listen(); // the seed does not await
      await waitFor(() => errors.length === 1, 5000, 'the reported failure');
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(isMotifsError(errors[0], 'MOTIFS_UNAVAILABLE')).toBe(true);
    await expect(listener.listen()).resolves.toBeUndefined();
    expect(consumer.calls.filter((c) => c === 'connect')).toHaveLength(2);
    await listener.close();
  });

  it('retries the subscription while a new topic is being created', async () => {
    const consumer = new FakeConsumer();
    consumer.subscribeFailures.push(new KafkaJSProtocolError({ type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true, message: 'not yet' } as never));
    const { listener, events } = build(consumer);
    listener.onMessage(async () => undefined);
    await listener.listen();
    expect(consumer.calls).toEqual(['connect', 'subscribe', 'subscribe', 'run']);
    expect(events).toContain('subscribe.retry');
    await listener.close();
  });

  it('gives up listen() with MOTIFS_TIMEOUT when the group is never joined', async () => {
    const consumer = new FakeConsumer();
    consumer.joinOnRun = false;
    const { listener, errors } = build(consumer, { listenTimeoutMs: 50 });
    listener.onMessage(async () => undefined);
    await expect(listener.listen()).rejects.toMatchObject({ code: 'MOTIFS_TIMEOUT' });
    expect(isMotifsError(errors[0], 'MOTIFS_TIMEOUT')).toBe(true);
    expect(consumer.calls).toContain('disconnect');
  });

  it('reports a crash kafkajs will not restart, restarts the consumer itself, and says when it rejoined', async () => {
    const consumer = new FakeConsumer();
    const { listener, errors, events } = build(consumer);
    listener.onMessage(async () => undefined);
    await listener.listen();
    consumer.crash(new KafkaJSNonRetriableError('fatal'), false);
    await waitFor(() => consumer.calls.filter((c) => c === 'run').length === 2, 5000, 'the restart');
    expect(isMotifsError(errors[0], 'MOTIFS_UNAVAILABLE')).toBe(true);
    expect(events).toEqual(['rebalance', 'crash', 'restart', 'reconnect', 'rebalance']);
    await listener.close();
  });

  it('a fatal crash while joining fails listen() once, without a second report or a restart', async () => {
    const consumer = new FakeConsumer();
    consumer.joinOnRun = false;
    const { listener, errors, events } = build(consumer);
    listener.onMessage(async () => undefined);
    const listening = listener.listen();
    await waitFor(() => consumer.calls.includes('run'), 5000, 'run()');
    consumer.crash(new KafkaJSNonRetriableError('fatal during join'), false);
    await expect(listening).rejects.toMatchObject({ code: 'MOTIFS_UNAVAILABLE' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(errors).toHaveLength(1);
    expect(events).toEqual(['crash']);
    expect(consumer.calls.filter((c) => c === 'run')).toHaveLength(1);
    expect(consumer.calls).toContain('disconnect');
  });

  it('shuts down a consumer that kafkajs restarted and rejoined after close()', async () => {
    const consumer = new FakeConsumer();
    const { listener, events } = build(consumer);
    listener.onMessage(async () => undefined);
    await listener.listen();
    await listener.close();
    const disconnects = consumer.calls.filter((c) => c === 'disconnect').length;
    consumer.join([0]);
    expect(consumer.calls.filter((c) => c === 'disconnect')).toHaveLength(disconnects + 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(events.filter((e) => e === 'rebalance')).toHaveLength(1);
  });

  it('leaves restartable crashes to kafkajs and only reports them on em', async () => {
    const consumer = new FakeConsumer();
    const { listener, errors, events } = build(consumer);
    listener.onMessage(async () => undefined);
    await listener.listen();
    consumer.crash(new KafkaJSConnectionError('gone'), true);
    consumer.join([0]);
    await waitFor(() => events.length >= 4, 5000, 'the events');
    expect(events).toEqual(['rebalance', 'crash', 'reconnect', 'rebalance']);
    expect(errors).toEqual([]);
    expect(consumer.calls.filter((c) => c === 'run')).toHaveLength(1);
    await listener.close();
  });

  it('resolves offsets only for handled messages and commits the last one + 1 on close', async () => {
    const consumer = new FakeConsumer();
    const { listener } = build(consumer);
    const seen: string[] = [];
    listener.onMessage(async (msg) => {
      seen.push(msg.id);
    });
    await listener.listen();
    const resolved: string[] = [];
    await consumer.eachBatch!(batch(['7', '8', '9'], resolved));
    expect(seen).toEqual(['7', '8', '9']);
    expect(resolved).toEqual(['7', '8', '9']);
    await listener.close();
    expect(consumer.committed).toEqual([{ topic: 'orders', partition: 0, offset: '10' }]);
    expect(consumer.calls.slice(-3)).toEqual(['pause', 'commit', 'disconnect']);
  });

  it('does not commit partitions that a rebalance gave to another member', async () => {
    const consumer = new FakeConsumer();
    const { listener } = build(consumer);
    listener.onMessage(async () => undefined);
    await listener.listen();
    await consumer.eachBatch!(batch(['1'], []));
    consumer.join([1]);
    await listener.close();
    expect(consumer.committed).toEqual([]);
  });

  it('reports a failed commit on close instead of throwing (the messages are redelivered)', async () => {
    const consumer = new FakeConsumer();
    consumer.commitFailure = new KafkaJSConnectionError('gone');
    const { listener, errors } = build(consumer);
    listener.onMessage(async () => undefined);
    await listener.listen();
    await consumer.eachBatch!(batch(['1'], []));
    await expect(listener.close()).resolves.toBeUndefined();
    expect(isMotifsError(errors[0], 'MOTIFS_UNAVAILABLE')).toBe(true);
    expect((errors[0] as Error).message).toContain('may be redelivered');
  });

  it('a handler that outlives close() cannot open a new dead-letter producer: its message stays uncommitted', async () => {
    const consumer = new FakeConsumer();
    let producers = 0;
    const client = { ...fakeClient(consumer), producer: () => (producers++, fakeClient(consumer).producer()) };
    const listener = createKafkaListener<{ id: string }>({
      channelId: 'orders',
      kafka: { client: client as never, retry: { attempts: 1, initialBackoffMs: 1 }, closeTimeoutMs: 10 },
    });
    const errors: unknown[] = [];
    listener.onError(async (err) => {
      errors.push(err);
    });
    let fail!: () => void;
    listener.onMessage(
      () =>
        new Promise<void>((_resolve, reject) => {
          fail = () => reject(new Error('late failure'));
        }),
    );
    await listener.listen();
    const resolved: string[] = [];
    const running = consumer.eachBatch!(batch(['5'], resolved));
    await listener.close();
    fail();
    await running;
    expect(producers).toBe(0);
    expect(resolved).toEqual([]);
    expect(consumer.committed).toEqual([]);
    expect(isMotifsError(errors[0], 'MOTIFS_DEAD_LETTER_FAILED')).toBe(true);
  });

  it('stops a batch at close(): a message after the in-flight one is neither handled nor resolved', async () => {
    const consumer = new FakeConsumer();
    const { listener } = build(consumer);
    const seen: string[] = [];
    let closing: Promise<void> | undefined;
    listener.onMessage(async (msg) => {
      seen.push(msg.id);
      if (msg.id === '1') closing = listener.close();
    });
    await listener.listen();
    const resolved: string[] = [];
    await consumer.eachBatch!(batch(['1', '2'], resolved));
    await closing;
    expect(seen).toEqual(['1']);
    expect(resolved).toEqual(['1']);
    expect(consumer.committed).toEqual([{ topic: 'orders', partition: 0, offset: '2' }]);
  });
});
