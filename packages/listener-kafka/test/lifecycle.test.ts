// Lifecycle failure paths that a healthy broker will not produce on demand, driven through a fake
// kafkajs client (unit tests only; the real broker is exercised by the integration suites).
import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { isMotifsError } from '@motifs/core';
import { eventually } from '@motifs/test-suite';
import kafkajs from 'kafkajs';
import { createKafkaListener } from '../src/index.js';

const { KafkaJSConnectionError, KafkaJSProtocolError, KafkaJSNonRetriableError } = kafkajs;

const EVENTS = {
  FETCH: 'fetch',
  GROUP_JOIN: 'group_join',
  REBALANCING: 'rebalancing',
  CRASH: 'crash',
  CONNECT: 'connect',
  DISCONNECT: 'disconnect',
  STOP: 'stop',
  REQUEST: 'request',
};

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
  runOptions: Record<string, unknown> | undefined;
  async run(options: { eachBatch: (payload: unknown) => Promise<void> }) {
    this.calls.push('run');
    this.runOptions = options;
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
  hangOnDisconnect = false;
  async disconnect() {
    this.calls.push('disconnect');
    if (this.hangOnDisconnect) await new Promise(() => undefined);
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
  for (const name of ['crash', 'restart', 'reconnect', 'rebalance', 'subscribe.retry'] as const) {
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
      await eventually(() => errors.length === 1, { timeoutMs: 5000, what: 'the reported failure' });
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
    await eventually(() => consumer.calls.filter((c) => c === 'run').length === 2, { timeoutMs: 5000, what: 'the restart' });
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
    await eventually(() => consumer.calls.includes('run'), { timeoutMs: 5000, what: 'run()' });
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
    await eventually(() => events.length >= 4, { timeoutMs: 5000, what: 'the events' });
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
    // kafkajs is told once per batch (resolving 9 covers 7 and 8), after every handler resolved.
    expect(resolved).toEqual(['9']);
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

  it('commits on commitIntervalMs, at a batch end, between batches and before a rebalance, never per batch through kafkajs', async () => {
    const consumer = new FakeConsumer();
    const { listener } = build(consumer);
    listener.onMessage(async () => undefined);
    await listener.listen();
    expect(consumer.runOptions).toMatchObject({ autoCommit: false, autoCommitInterval: 1000, eachBatchAutoResolve: false });
    const calls: string[] = [];
    const resolved: string[] = [];
    await consumer.eachBatch!({
      ...batch(['1', '2'], resolved),
      commitOffsetsIfNecessary: async (offsets?: unknown) => {
        calls.push(offsets === undefined ? 'if-due' : `now ${JSON.stringify(offsets)}`);
      },
      uncommittedOffsets: () => ({ topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: '3' }] }] }),
    });
    // Resolved before the (interval-checked) commit at the batch end.
    expect(resolved).toEqual(['2']);
    expect(calls).toEqual(['if-due']);
    consumer.emit(EVENTS.FETCH, { payload: {} });
    consumer.emit(EVENTS.REBALANCING, { payload: { groupId: 'g' } });
    await eventually(() => calls.length === 3, { timeoutMs: 1000, what: 'the commits' });
    expect(calls).toEqual(['if-due', 'if-due', 'now {"topics":[{"topic":"orders","partitions":[{"partition":0,"offset":"3"}]}]}']);
    await listener.close();
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
    // close() gave up on it first (abandoned, reported at once), then its late failure could not be dead-lettered.
    expect(isMotifsError(errors[0], 'MOTIFS_ABANDONED')).toBe(true);
    await eventually(() => errors.length >= 2, { timeoutMs: 1000, what: 'the late failure to be reported' });
    expect(isMotifsError(errors[1], 'MOTIFS_DEAD_LETTER_FAILED')).toBe(true);
  });

  it('after a dead-letter write that failed (and may have landed), the next dead letter goes through a new producer', async () => {
    const consumer = new FakeConsumer();
    const made: { sends: number; disconnected: boolean }[] = [];
    const client = {
      ...fakeClient(consumer),
      producer: () => {
        const p = { sends: 0, disconnected: false };
        const index = made.push(p) - 1;
        return {
          connect: async () => undefined,
          send: async () => {
            p.sends++;
            // The first producer's request times out: the broker may or may not have written it.
            if (index === 0) throw new KafkaJSConnectionError('Connection error: read ETIMEDOUT');
          },
          disconnect: async () => {
            p.disconnected = true;
          },
        };
      },
    };
    const listener = createKafkaListener<{ id: string }>({
      channelId: 'orders',
      kafka: { client: client as never, retry: { attempts: 1, initialBackoffMs: 1, maxBackoffMs: 5 } },
    });
    const errors: unknown[] = [];
    listener.onError(async (err) => {
      errors.push(err);
    });
    listener.onMessage(async () => {
      throw new Error('poison');
    });
    await listener.listen();
    const first: string[] = [];
    await consumer.eachBatch!(batch(['1'], first));
    expect(first).toEqual([]); // not dead-lettered, so not committed: it comes back
    expect(errors.some((e) => isMotifsError(e, 'MOTIFS_DEAD_LETTER_FAILED'))).toBe(true);
    const again: string[] = [];
    await consumer.eachBatch!(batch(['1'], again));
    expect(again).toEqual(['1']);
    expect(made.map((p) => p.sends)).toEqual([1, 1]);
    expect(made[0]!.disconnected).toBe(true);
    await listener.close();
    expect(made[1]!.disconnected).toBe(true);
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

  it('gives up on a handler that never settles after closeTimeoutMs: kafkajs is released, the message reported and left uncommitted', async () => {
    const consumer = new FakeConsumer();
    const { listener, errors } = build(consumer, { closeTimeoutMs: 50 });
    const abandoned: { partition: number; offset: string; error: unknown }[] = [];
    listener.em.on('abandoned', (e: { partition: number; offset: string; error: unknown }) => {
      abandoned.push(e);
    });
    let started!: () => void;
    const hung = new Promise<void>((resolve) => {
      started = resolve;
    });
    listener.onMessage((msg) => {
      if (msg.id !== '2') return Promise.resolve();
      started();
      return new Promise<void>(() => undefined);
    });
    await listener.listen();
    const resolved: string[] = [];
    let batchDone = false;
    void consumer.eachBatch!(batch(['1', '2', '3'], resolved)).then(() => {
      batchDone = true;
    });
    await hung;
    const t0 = Date.now();
    await listener.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    // kafkajs waits for the batch promise before it can stop: it must not wait for the hung handler.
    await eventually(() => batchDone, { timeoutMs: 1000, what: 'the batch promise to be released' });
    expect(resolved).toEqual(['1']);
    expect(consumer.committed).toEqual([{ topic: 'orders', partition: 0, offset: '2' }]);
    expect(consumer.calls).toContain('disconnect');
    await eventually(() => abandoned.length > 0, { timeoutMs: 1000, what: 'the abandoned event' });
    expect(abandoned.map((a) => [a.partition, a.offset])).toEqual([[0, '2']]);
    expect(errors).toHaveLength(1);
    expect(isMotifsError(errors[0], 'MOTIFS_ABANDONED')).toBe(true);
    expect(abandoned[0]!.error).toBe(errors[0]);
    expect((errors[0] as { retryable: boolean }).retryable).toBe(false);
  });

  it('close() is bounded when the consumer cannot leave its group: MOTIFS_TIMEOUT after disconnectTimeoutMs', async () => {
    const consumer = new FakeConsumer();
    consumer.hangOnDisconnect = true;
    const { listener, errors } = build(consumer, { disconnectTimeoutMs: 100 });
    listener.onMessage(async () => undefined);
    await listener.listen();
    const t0 = Date.now();
    await listener.close();
    const ms = Date.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(90);
    expect(ms).toBeLessThan(2000);
    expect(errors).toHaveLength(1);
    expect(isMotifsError(errors[0], 'MOTIFS_TIMEOUT')).toBe(true);
    expect((errors[0] as { details: Record<string, unknown> }).details).toMatchObject({ channelId: 'orders', disconnectTimeoutMs: 100 });
  });

  it('reports an outage: "unavailable" after unavailableAfterMs of silence, one MOTIFS_UNAVAILABLE after the grace, "recovered" on the next answer', async () => {
    const consumer = new FakeConsumer();
    const { listener, errors } = build(consumer, { unavailableAfterMs: 150, unavailableGraceMs: 150, consumerConfig: { maxWaitTimeInMs: 10 } });
    const seen: { name: string; at: number; data: Record<string, unknown> }[] = [];
    for (const name of ['unavailable', 'recovered'] as const) {
      listener.em.on(name, (data) => {
        seen.push({ name, at: Date.now(), data });
      });
    }
    listener.onMessage(async () => undefined);
    await listener.listen();
    const t0 = Date.now();
    // The broker answers for a while: no event.
    let silentFrom = 0;
    for (let i = 0; i < 6; i++) {
      consumer.emit(EVENTS.REQUEST, {});
      silentFrom = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(seen).toEqual([]);
    await eventually(() => errors.length > 0, { timeoutMs: 3000, what: 'MOTIFS_UNAVAILABLE on onError' });
    expect(seen.map((e) => e.name)).toEqual(['unavailable']);
    expect(seen[0]!.at - silentFrom).toBeGreaterThanOrEqual(149);
    expect(seen[0]!.data).toMatchObject({ channelId: 'orders' });
    expect(seen[0]!.data.silentMs).toBeGreaterThanOrEqual(150);
    expect(isMotifsError(errors[0], 'MOTIFS_UNAVAILABLE')).toBe(true);
    expect((errors[0] as { retryable: boolean }).retryable).toBe(true);
    expect((errors[0] as { details: Record<string, unknown> }).details).toMatchObject({ channelId: 'orders', silentMs: expect.any(Number) });
    // Once per outage.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(errors).toHaveLength(1);
    consumer.emit(EVENTS.REQUEST, {});
    await eventually(() => seen.length >= 2, { timeoutMs: 1000, what: 'the recovered event' });
    expect(seen.map((e) => e.name)).toEqual(['unavailable', 'recovered']);
    expect(seen[1]!.data.downMs).toBeGreaterThan(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    await listener.close();
  });

  it('does not call a running handler, a group join in progress, or a closed listener an outage', async () => {
    const consumer = new FakeConsumer();
    const { listener, errors } = build(consumer, { unavailableAfterMs: 100, unavailableGraceMs: 0, consumerConfig: { maxWaitTimeInMs: 10 } });
    const seen: string[] = [];
    listener.em.on('unavailable', () => {
      seen.push('unavailable');
    });
    let release!: () => void;
    listener.onMessage(() => new Promise<void>((resolve) => (release = resolve)));
    await listener.listen();
    // A handler runs for 400 ms without the broker saying anything.
    const running = consumer.eachBatch!(batch(['1'], []));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(seen).toEqual([]);
    release();
    await running;
    // A rebalance: the broker may hold the JoinGroup answer up to rebalanceTimeout.
    consumer.emit(EVENTS.REBALANCING, { payload: { groupId: 'g' } });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(seen).toEqual([]);
    consumer.join([0]);
    await listener.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen).toEqual([]);
    expect(errors).toEqual([]);
  });
});
