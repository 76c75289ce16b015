// What an OpenTelemetry integration for motifs would do, in ~60 lines: subscribe to every exported
// tracing channel, open a span on `start`, keep it active (AsyncLocalStorage bound to the start
// channel) so nested operations become children, inject a W3C traceparent into `publish`, extract
// it again on the handler side, and close the span on `asyncEnd` (status from `error`).
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { tracingChannel } from 'node:diagnostics_channel';
import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { describeWithService, redisUrl, uniqueNamespace } from '@motifs/test-suite';
import { MOTIFS_TRACING_CHANNELS, type MotifsTraceContext } from '@motifs/core/kit';
import { MotifsErrorNotFound, makeCacher, makeListener, makePublisher, makeRepo, type IBaseDto, type MessageContext } from '../src/index.js';
import { purgeNamespace } from '../../../tools/jest/cleanup.js';

interface Span {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
  status: 'unset' | 'ok' | 'error';
  error?: unknown;
  ended: boolean;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

/** A toy tracer shaped like an OpenTelemetry instrumentation of motifs' tracing channels. */
class MotifsInstrumentation {
  readonly spans: Span[] = [];
  private readonly active = new AsyncLocalStorage<Span>();
  private readonly spanOf = new WeakMap<object, Span>();
  private readonly undo: (() => void)[] = [];

  enable(): void {
    for (const name of MOTIFS_TRACING_CHANNELS) {
      const channel = tracingChannel<unknown, MotifsTraceContext>(name);
      // The span opened in `start` is the active span while the operation runs.
      channel.start.bindStore(this.active, (ctx) => this.open(name, ctx as MotifsTraceContext));
      const handlers = {
        start: () => {},
        end: () => {},
        asyncStart: () => {},
        error: (ctx: MotifsTraceContext) => this.fail(ctx),
        asyncEnd: (ctx: MotifsTraceContext) => this.close(ctx),
      };
      channel.subscribe(handlers);
      this.undo.push(() => {
        channel.unsubscribe(handlers);
        channel.start.unbindStore(this.active);
      });
    }
  }

  disable(): void {
    for (const undo of this.undo.splice(0)) undo();
  }

  private open(name: string, ctx: MotifsTraceContext): Span {
    // A handler continues the trace its message carries; anything else, the active span's trace.
    const remote = ctx.operation === 'handle' && typeof ctx.traceparent === 'string' ? TRACEPARENT.exec(ctx.traceparent) : null;
    const parent = this.active.getStore();
    const { motif: _m, operation: _o, traceparent: _t, ...attributes } = ctx;
    const span: Span = {
      name,
      traceId: remote?.[1] ?? parent?.traceId ?? randomBytes(16).toString('hex'),
      spanId: randomBytes(8).toString('hex'),
      parentSpanId: remote?.[2] ?? parent?.spanId,
      attributes,
      status: 'unset',
      ended: false,
    };
    // Inject: the message carries this span as its remote parent.
    if (ctx.operation === 'publish') ctx.traceparent = `00-${span.traceId}-${span.spanId}-01`;
    this.spanOf.set(ctx, span);
    this.spans.push(span);
    return span;
  }

  private fail(ctx: MotifsTraceContext): void {
    const span = this.spanOf.get(ctx)!;
    span.status = 'error';
    span.error = ctx.error;
  }

  private close(ctx: MotifsTraceContext): void {
    const span = this.spanOf.get(ctx)!;
    if (span.status === 'unset') span.status = 'ok';
    span.ended = true;
  }

  named(name: string): Span[] {
    return this.spans.filter((span) => span.name === name);
  }
}

const tracer = new MotifsInstrumentation();
const closers: { close(): Promise<void> }[] = [];
beforeEach(() => tracer.enable());
afterEach(async () => {
  tracer.disable();
  tracer.spans.length = 0;
  await Promise.all(closers.splice(0).map((m) => m.close()));
});

describe('tracing through node:diagnostics_channel (memory backends)', () => {
  it('a cacher getOrSet whose loader creates a repo record: two spans, the repo one a child', async () => {
    const cacher = await makeCacher({ kind: 'memory', namespace: 'traced' });
    const repo = await makeRepo<IBaseDto & { name: string }>({ kind: 'memory', name: 'people' });
    closers.push(cacher, repo);
    const person = await cacher.getOrSet('people/ada', () => repo.create({ name: 'Ada' }), { expiryMs: 60_000 });
    expect(person).toMatchObject({ name: 'Ada' });

    const [getOrSet] = tracer.named('motifs:cacher:getOrSet');
    const [create] = tracer.named('motifs:repo:create');
    expect(getOrSet).toMatchObject({ status: 'ok', ended: true, attributes: { namespace: 'traced', key: 'people/ada' } });
    expect(create).toMatchObject({ status: 'ok', ended: true, attributes: { name: 'people' } });
    expect(create!.traceId).toBe(getOrSet!.traceId);
    expect(create!.parentSpanId).toBe(getOrSet!.spanId);
    expect(getOrSet!.parentSpanId).toBeUndefined();
  });

  it('a failed operation ends its span with error status and the MotifsError', async () => {
    const cacher = await makeCacher({ kind: 'memory' });
    closers.push(cacher);
    await expect(cacher.getItem('absent')).rejects.toBeInstanceOf(MotifsErrorNotFound);
    const [span] = tracer.named('motifs:cacher:getItem');
    expect(span).toMatchObject({ status: 'error', ended: true, attributes: { key: 'absent' } });
    expect(span!.error).toBeInstanceOf(MotifsErrorNotFound);
  });

  it('publish -> handler on the memory channel: the traceparent reaches the handler, which continues the trace', async () => {
    const channelId = uniqueNamespace('traced-channel');
    const listener = await makeListener<{ n: number }>({ kind: 'memory', channelId });
    const publisher = await makePublisher<{ n: number }>({ kind: 'memory', channelId });
    closers.push(listener, publisher);
    const received = new Promise<MessageContext>((resolve) => listener.onMessage(async (_msg, ctx) => resolve(ctx)));
    await listener.listen();
    await publisher.publish({ n: 1 });
    const ctx = await received;
    // The handler span closes just after the handler returns.
    await new Promise((resolve) => setImmediate(resolve));

    const [publish] = tracer.named('motifs:publisher:publish');
    const [handle] = tracer.named('motifs:listener:handle');
    expect(publish).toMatchObject({ status: 'ok', ended: true, attributes: { channelId } });
    expect(ctx.traceparent).toBe(`00-${publish!.traceId}-${publish!.spanId}-01`);
    expect(handle).toMatchObject({ status: 'ok', ended: true, attributes: { channelId } });
    expect(handle!.traceId).toBe(publish!.traceId);
    expect(handle!.parentSpanId).toBe(publish!.spanId);
  });

  it('records nothing once the instrumentation is disabled', async () => {
    tracer.disable();
    const cacher = await makeCacher({ kind: 'memory' });
    closers.push(cacher);
    await cacher.setItem('k', 1, 60_000);
    expect(tracer.spans).toEqual([]);
  });
});

describeWithService({ describe, it }, 'redis', 'tracing through node:diagnostics_channel (Redis cacher)', () => {
  const ns = uniqueNamespace('traced-redis');
  afterAll(() => purgeNamespace(redisUrl(), ns));

  it('setItem and getItem on Redis each record a closed span with the key', async () => {
    const cacher = await makeCacher({ kind: 'redis', namespace: ns, redis: { url: redisUrl() } });
    closers.push(cacher);
    await cacher.setItem('k', { n: 1 }, 60_000);
    await expect(cacher.getItem('k')).resolves.toEqual({ n: 1 });
    await expect(cacher.getItem('missing')).rejects.toBeInstanceOf(MotifsErrorNotFound);
    const names = tracer.spans.map((span) => span.name);
    expect(names).toEqual(['motifs:cacher:setItem', 'motifs:cacher:getItem', 'motifs:cacher:getItem']);
    expect(tracer.spans.map((span) => [span.attributes.key, span.status, span.ended])).toEqual([
      ['k', 'ok', true],
      ['k', 'ok', true],
      ['missing', 'error', true],
    ]);
    expect(tracer.spans.every((span) => span.attributes.namespace === ns)).toBe(true);
  });
});
