// The listener and publisher kit shape, driven through a minimal in-test transport: what every
// adapter gets from ListenerBase / PublisherBase without writing it.
import { tracingChannel } from 'node:diagnostics_channel';
import { describe, expect, it } from '@jest/globals';
import {
  type DeadLetter,
  type EncodedMessage,
  ListenerBase,
  type ListenerCommonOptions,
  type MotifsTraceContext,
  PublisherBase,
  type RawMessage,
  isMotifsError,
} from '../src/kit.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** A transport that records what the base asks of it; messages are pushed by the test. */
class FakeListener<T> extends ListenerBase<T> {
  calls: string[] = [];
  letters: DeadLetter[] = [];
  constructor(options: ListenerCommonOptions<T> = {}) {
    super({ channelId: 'orders', options, path: 'fake', deadLetterChannelId: 'orders.dlq' });
  }
  protected async startTransport() {
    this.calls.push('start');
  }
  protected async stopTransport() {
    this.calls.push('stop');
  }
  protected async sendDeadLetter(letter: DeadLetter) {
    this.letters.push(letter);
  }
  push(raw: RawMessage) {
    return this.deliver(raw, this.stopping.signal);
  }
}

class FakePublisher<T> extends PublisherBase<T> {
  sent: EncodedMessage[] = [];
  closedTransport = 0;
  constructor() {
    super({ channelId: 'orders', options: {}, path: 'fake' });
  }
  protected async sendEncoded(message: EncodedMessage) {
    this.sent.push(message);
  }
  protected async closeTransport() {
    this.closedTransport++;
  }
}

const codeOf = async (p: Promise<unknown>) => p.then(() => 'resolved', (err: unknown) => (isMotifsError(err) ? err.code : err));

describe('ListenerBase', () => {
  it('listen({ signal }) with an aborted signal rejects MOTIFS_ABORTED and starts nothing', async () => {
    const listener = new FakeListener({ app: 'billing' });
    listener.onMessage(async () => undefined);
    const ac = new AbortController();
    ac.abort(new Error('shutting down'));
    const err = await listener.listen({ signal: ac.signal }).catch((e: unknown) => e);
    expect(isMotifsError(err, 'MOTIFS_ABORTED')).toBe(true);
    expect((err as Error).cause).toEqual(new Error('shutting down'));
    expect(listener.calls).toEqual([]);
    // Not closed: a later listen() without the signal starts normally.
    await listener.listen();
    expect(listener.calls).toEqual(['start']);
    await listener.close();
  });

  it('closes the listener when the signal aborts, once', async () => {
    const listener = new FakeListener({ app: 'billing' });
    listener.onMessage(async () => undefined);
    const closed: unknown[] = [];
    listener.em.on('closed', (e) => {
      closed.push(e);
    });
    const ac = new AbortController();
    await listener.listen({ signal: ac.signal });
    ac.abort();
    await new Promise((resolve) => setImmediate(resolve));
    expect(listener.calls).toEqual(['start', 'stop']);
    expect(closed).toEqual([{ channelId: 'orders' }]);
    expect(await codeOf(listener.listen())).toBe('MOTIFS_UNAVAILABLE');
  });

  it('rejects listen options that are not an object or a signal that is not an AbortSignal', async () => {
    const listener = new FakeListener({ app: 'billing' });
    listener.onMessage(async () => undefined);
    expect(await codeOf(listener.listen('now' as never))).toBe('MOTIFS_VALIDATION');
    expect(await codeOf(listener.listen({ signal: { aborted: false } as never }))).toBe('MOTIFS_VALIDATION');
    expect(listener.calls).toEqual([]);
  });

  it('[Symbol.asyncDispose] closes it (await using)', async () => {
    const listener = new FakeListener({ app: 'billing' });
    listener.onMessage(async () => undefined);
    await listener.listen();
    {
      await using scoped = listener;
      expect(scoped.calls).toEqual(['start']);
    }
    expect(listener.calls).toEqual(['start', 'stop']);
  });

  it('defaults the group to <app>.<channel> and names it once through the logger', async () => {
    const info: { message: string; meta: unknown }[] = [];
    const logger = { warn: () => undefined, error: () => undefined, info: (message: string, meta?: unknown) => info.push({ message, meta }) };
    const app = `svc-${process.pid}-${Date.now()}`;
    const a = new FakeListener({ app, logger });
    const b = new FakeListener({ app, logger });
    expect(a.groupId).toBe(`${app}.orders`);
    for (const l of [a, b]) {
      l.onMessage(async () => undefined);
      await l.listen();
    }
    expect(info).toHaveLength(1);
    expect(info[0]!.message).toContain(`"${app}.orders"`);
    expect(info[0]!.meta).toMatchObject({ channelId: 'orders', groupId: `${app}.orders`, source: 'option' });
    // A group given explicitly is not announced.
    const c = new FakeListener({ groupId: 'chosen', logger });
    c.onMessage(async () => undefined);
    await c.listen();
    expect(c.groupId).toBe('chosen');
    expect(info).toHaveLength(1);
  });

  it('hands the traceparent header to the handler and to the handle trace context; ignores a malformed one', async () => {
    const listener = new FakeListener<{ id: number }>({ app: 'billing' });
    const seen: (string | undefined)[] = [];
    listener.onMessage(async (_msg, ctx) => {
      seen.push(ctx.traceparent);
    });
    const traced: MotifsTraceContext[] = [];
    const channel = tracingChannel<unknown, MotifsTraceContext>('motifs:listener:handle');
    const start = (ctx: MotifsTraceContext) => traced.push(ctx);
    channel.start.subscribe(start as never);
    try {
      expect(await listener.push({ value: '{"id":1}', headers: { traceparent: TRACEPARENT }, partition: 0, offset: '7' })).toBe('done');
      expect(await listener.push({ value: '{"id":2}', headers: { traceparent: 'garbage' }, partition: 0, offset: '8' })).toBe('done');
    } finally {
      channel.start.unsubscribe(start as never);
    }
    expect(seen).toEqual([TRACEPARENT, undefined]);
    expect(traced.map((c) => [c.motif, c.operation, c.offset, c.traceparent])).toEqual([
      ['listener', 'handle', '7', TRACEPARENT],
      ['listener', 'handle', '8', undefined],
    ]);
  });
});

describe('PublisherBase', () => {
  it('sends publish({ traceparent }) as the traceparent header', async () => {
    const publisher = new FakePublisher<{ id: number }>();
    await publisher.publish({ id: 1 }, { traceparent: TRACEPARENT, headers: { a: '1' } });
    expect(publisher.sent).toEqual([{ value: '{"id":1}', key: undefined, headers: { a: '1', traceparent: TRACEPARENT } }]);
  });

  it('sends a traceparent a tracing subscriber set on the publish context; the option wins over it', async () => {
    const publisher = new FakePublisher<{ id: number }>();
    const channel = tracingChannel<unknown, MotifsTraceContext>('motifs:publisher:publish');
    const fromSubscriber = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const start = (ctx: MotifsTraceContext) => {
      ctx.traceparent ??= fromSubscriber;
    };
    channel.start.subscribe(start as never);
    try {
      await publisher.publish({ id: 1 });
      await publisher.publish({ id: 2 }, { traceparent: TRACEPARENT });
    } finally {
      channel.start.unsubscribe(start as never);
    }
    expect(publisher.sent.map((m) => m.headers?.traceparent)).toEqual([fromSubscriber, TRACEPARENT]);
  });

  it.each([
    ['not hex', '00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01'],
    ['upper case', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01'],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['an all-zero parent id', `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`],
    ['version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['version 00 with extra fields', `${TRACEPARENT}-extra`],
    ['a number', 7],
  ])('rejects a traceparent that is %s with MOTIFS_VALIDATION, sending nothing', async (_what, traceparent) => {
    const publisher = new FakePublisher<{ id: number }>();
    expect(await codeOf(publisher.publish({ id: 1 }, { traceparent: traceparent as never }))).toBe('MOTIFS_VALIDATION');
    expect(await codeOf(publisher.publish({ id: 1 }, { headers: { traceparent: String(traceparent) } }))).toBe('MOTIFS_VALIDATION');
    expect(publisher.sent).toEqual([]);
  });

  it('accepts a later version with extra fields', async () => {
    const publisher = new FakePublisher<{ id: number }>();
    await publisher.publish({ id: 1 }, { traceparent: '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes-next' });
    expect(publisher.sent).toHaveLength(1);
  });

  it('closes once (also through await using), emits closed, and then refuses to publish', async () => {
    const publisher = new FakePublisher<{ id: number }>();
    const closed: unknown[] = [];
    publisher.em.on('closed', (e) => {
      closed.push(e);
    });
    {
      await using scoped = publisher;
      await scoped.publish({ id: 1 });
    }
    await publisher.close();
    expect(publisher.closedTransport).toBe(1);
    expect(closed).toEqual([{ channelId: 'orders' }]);
    expect(await codeOf(publisher.publish({ id: 2 }))).toBe('MOTIFS_UNAVAILABLE');
  });
});
