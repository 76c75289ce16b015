import { tracingChannel } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from '@jest/globals';
import { MOTIFS_TRACED_OPERATIONS, MOTIFS_TRACING_CHANNELS, isTraced, traced, type MotifsTraceContext } from '../src/tracing.js';

type Event = [string, MotifsTraceContext];

function record(name: string): { events: Event[]; stop: () => void } {
  const events: Event[] = [];
  const handlers = {
    start: (ctx: unknown) => events.push(['start', ctx as MotifsTraceContext]),
    end: (ctx: unknown) => events.push(['end', ctx as MotifsTraceContext]),
    asyncStart: (ctx: unknown) => events.push(['asyncStart', ctx as MotifsTraceContext]),
    asyncEnd: (ctx: unknown) => events.push(['asyncEnd', ctx as MotifsTraceContext]),
    error: (ctx: unknown) => events.push(['error', ctx as MotifsTraceContext]),
  };
  const channel = tracingChannel(name);
  channel.subscribe(handlers);
  return { events, stop: () => channel.unsubscribe(handlers) };
}

describe('traced', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('publishes start, end, asyncStart, asyncEnd in order with one context object', async () => {
    const rec = record('motifs:cacher:getItem');
    stop = rec.stop;
    const result = await traced('cacher', 'getItem', { namespace: 'ns', key: 'k' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return 42;
    });
    expect(result).toBe(42);
    expect(rec.events.map(([kind]) => kind)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    const ctx = rec.events[0]![1];
    for (const [, other] of rec.events) expect(other).toBe(ctx);
    expect(ctx).toMatchObject({ motif: 'cacher', operation: 'getItem', namespace: 'ns', key: 'k', result: 42 });
  });

  it('lets fn read what a subscriber set on the context in start', async () => {
    const channel = tracingChannel('motifs:publisher:publish');
    const noop = () => {};
    const handlers = {
      start: (ctx: unknown) => {
        (ctx as MotifsTraceContext).traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      },
      end: noop,
      asyncStart: noop,
      asyncEnd: noop,
      error: noop,
    };
    channel.subscribe(handlers);
    stop = () => channel.unsubscribe(handlers);
    const seen = await traced('publisher', 'publish', { channelId: 'c' }, async (ctx) => ctx.traceparent);
    expect(seen).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });

  it('publishes error and rejects with the same error when fn rejects', async () => {
    const rec = record('motifs:repo:create');
    stop = rec.stop;
    const boom = new Error('boom');
    await expect(traced('repo', 'create', { name: 'users' }, () => Promise.reject(boom))).rejects.toBe(boom);
    expect(rec.events.map(([kind]) => kind)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    expect(rec.events[2]![1].error).toBe(boom);
    expect(rec.events[2]![1]).toMatchObject({ motif: 'repo', operation: 'create', name: 'users' });
  });

  it('with no subscriber, only calls fn and publishes nothing', async () => {
    const channel = tracingChannel('motifs:cacher:setItem');
    expect(channel.hasSubscribers).toBe(false);
    const context = { key: 'k' };
    let calls = 0;
    await expect(
      traced('cacher', 'setItem', context, async (ctx) => {
        calls++;
        expect(ctx).toBe(context);
        return true;
      }),
    ).resolves.toBe(true);
    expect(calls).toBe(1);
    // Node would have set `result` had it traced the call.
    expect(context).not.toHaveProperty('result');
  });

  it('does not publish on another operation\'s channel', async () => {
    const rec = record('motifs:cacher:delItem');
    stop = rec.stop;
    await traced('cacher', 'hasItem', {}, async () => true);
    expect(rec.events).toEqual([]);
  });
});

describe('MOTIFS_TRACING_CHANNELS', () => {
  it('names one channel per traced operation as motifs:<motif>:<operation>', () => {
    const count = Object.values(MOTIFS_TRACED_OPERATIONS).reduce((n, ops) => n + ops.length, 0);
    expect(MOTIFS_TRACING_CHANNELS).toHaveLength(count);
    expect(MOTIFS_TRACING_CHANNELS).toContain('motifs:cacher:getOrSet');
    expect(MOTIFS_TRACING_CHANNELS).toContain('motifs:publisher:publish');
    expect(MOTIFS_TRACING_CHANNELS).toContain('motifs:listener:handle');
    for (const name of MOTIFS_TRACING_CHANNELS) expect(name).toMatch(/^motifs:(cacher|repo|listener|publisher):\w+$/);
  });
});

describe('traced with a synchronous throw', () => {
  it('rejects instead of throwing, and publishes error then asyncEnd when traced', async () => {
    const boom = new Error('sync');
    const bad = (): Promise<never> => {
      throw boom;
    };
    await expect(traced('cacher', 'delItem', {}, bad)).rejects.toBe(boom);
    const rec = record('motifs:cacher:delItem');
    try {
      const pending = traced('cacher', 'delItem', {}, bad);
      await expect(pending).rejects.toBe(boom);
      expect(rec.events.map(([kind]) => kind)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
      expect(isTraced('cacher', 'delItem')).toBe(true);
    } finally {
      rec.stop();
    }
    expect(isTraced('cacher', 'delItem')).toBe(false);
  });
});
