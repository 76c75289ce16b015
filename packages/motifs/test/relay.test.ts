// The outbox relay on the memory kind, built the way the umbrella builds motifs (its own
// factories, through buildRelay): a pattern source (`orders.*`) relayed to one channel.
import { describe, expect, it } from '@jest/globals';
import { RELAY_HEADERS, buildRelay } from '@motifs/core/kit';
import { MemoryChannelHub } from '@motifs/listener-memory';
import { eventually } from '@motifs/test-suite';
import { makeListener, makePublisher } from '../src/index.js';

interface Order {
  id: string;
  n: number;
}

describe('makeRelay on memory channels', () => {
  it('relays every channel a pattern matches to one channel, with the real source channel in the headers and order per key', async () => {
    const hub = new MemoryChannelHub();
    const eu = await makePublisher<Order>({ kind: 'memory', channelId: 'orders.eu', memory: { hub } });
    const us = await makePublisher<Order>({ kind: 'memory', channelId: 'orders.us', memory: { hub } });
    await using relay = await buildRelay<Order>(
      { from: { kind: 'memory', channelId: 'orders.*', memory: { hub, groupId: 'relay', fromBeginning: true } }, to: { kind: 'memory', channelId: 'archive', memory: { hub } } },
      { makeListener, makePublisher },
    );
    await using archive = await makeListener<Order>({ kind: 'memory', channelId: 'archive', memory: { hub, groupId: 'reader', fromBeginning: true } });
    const got: { order: Order; key: string | undefined; source: string | undefined }[] = [];
    archive.onMessage(async (order, ctx) => {
      got.push({ order, key: ctx.key, source: ctx.headers[RELAY_HEADERS.sourceChannel] });
    });
    await archive.listen();
    await relay.start();
    for (let n = 0; n < 40; n++) await (n % 2 ? us : eu).publish({ id: `o${n % 4}`, n }, { key: `o${n % 4}` });
    await eventually(() => got.length === 40, { timeoutMs: 10_000, what: '40 relayed orders' });
    expect(new Set(got.map((g) => g.order.n)).size).toBe(40);
    expect(got.every((g) => g.key === g.order.id && g.source === (g.order.n % 2 ? 'orders.us' : 'orders.eu'))).toBe(true);
    for (const id of ['o0', 'o1', 'o2', 'o3']) {
      const ns = got.filter((g) => g.order.id === id).map((g) => g.order.n);
      expect(ns).toEqual([...ns].sort((a, b) => a - b));
    }
    await Promise.all([eu.close(), us.close()]);
  });
});
