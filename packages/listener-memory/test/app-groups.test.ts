// The default consumer group is the app's identity: replicas of one service split a channel,
// different services each see all of it. Under jest the entry module is jest itself, so each
// "service" injects its identity with `app`.
import { describe, expect, it } from '@jest/globals';
import { eventually } from '@motifs/test-suite';
import { MemoryChannelHub, createMemoryListener, createMemoryPublisher } from '../src/index.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('default consumer groups on memory', () => {
  it('two different apps each see every message; two replicas of one app split them', async () => {
    const hub = new MemoryChannelHub();
    const channelId = 'orders';
    hub.channel(channelId, 4);
    const seen = new Map<string, string[]>();
    const make = (app: string, replica: string) => {
      const listener = createMemoryListener<{ id: string }>({ channelId, memory: { hub, app } });
      const name = `${app}/${replica}`;
      seen.set(name, []);
      listener.onMessage(async ({ id }) => {
        seen.get(name)!.push(id);
      });
      return listener;
    };
    const listeners = [make('billing', 'a'), make('billing', 'b'), make('mailer', 'a')];
    expect(listeners.map((l) => l.groupId)).toEqual(['billing.orders', 'billing.orders', 'mailer.orders']);
    for (const l of listeners) await l.listen();
    const publisher = createMemoryPublisher<{ id: string }>({ channelId, memory: { hub } });
    const ids = Array.from({ length: 40 }, (_, i) => `m${i}`);
    for (const id of ids) await publisher.publish({ id }, { key: id });
    await eventually(() => seen.get('billing/a')!.length + seen.get('billing/b')!.length === ids.length);
    await eventually(() => seen.get('mailer/a')!.length === ids.length);
    // The billing replicas split the work: each got some, none twice.
    expect(seen.get('billing/a')!.length).toBeGreaterThan(0);
    expect(seen.get('billing/b')!.length).toBeGreaterThan(0);
    expect([...seen.get('billing/a')!, ...seen.get('billing/b')!].sort()).toEqual([...ids].sort());
    expect([...seen.get('mailer/a')!].sort()).toEqual([...ids].sort());
    await Promise.all(listeners.map((l) => l.close()));
  });
});

describe('traceparent on memory', () => {
  it('travels from publish() to the handler context, and is refused when malformed', async () => {
    const hub = new MemoryChannelHub();
    const listener = createMemoryListener<{ id: string }>({ channelId: 'traced', memory: { hub, app: 'svc' } });
    const got: { id: string; traceparent: string | undefined; header: string | undefined }[] = [];
    listener.onMessage(async ({ id }, ctx) => {
      got.push({ id, traceparent: ctx.traceparent, header: ctx.headers.traceparent });
    });
    await listener.listen();
    const publisher = createMemoryPublisher<{ id: string }>({ channelId: 'traced', memory: { hub } });
    await publisher.publish({ id: 'a' }, { traceparent: TRACEPARENT });
    await publisher.publish({ id: 'b' });
    await expect(publisher.publish({ id: 'c' }, { traceparent: 'nope' })).rejects.toMatchObject({ code: 'MOTIFS_VALIDATION' });
    await eventually(() => got.length === 2);
    expect(got).toEqual([
      { id: 'a', traceparent: TRACEPARENT, header: TRACEPARENT },
      { id: 'b', traceparent: undefined, header: undefined },
    ]);
    await listener.close();
    await publisher.close();
  });

  it('stops on an abort signal passed to listen()', async () => {
    const hub = new MemoryChannelHub();
    const listener = createMemoryListener<{ id: string }>({ channelId: 'aborted', memory: { hub, app: 'svc' } });
    listener.onMessage(async () => undefined);
    const ac = new AbortController();
    await listener.listen({ signal: ac.signal });
    const closed = new Promise((resolve) => listener.em.once('closed').then(resolve));
    ac.abort();
    await expect(closed).resolves.toEqual({ channelId: 'aborted' });
    await expect(listener.listen()).rejects.toMatchObject({ code: 'MOTIFS_UNAVAILABLE' });
  });
});
