import { eventually } from '../async.js';
import { type ListenerSuiteContext, ids } from './context.js';
import { snapshot } from './fixtures.js';

/** Delivery: listen(), order, context fields, several handlers, where a new group starts, trace context. */
export function deliveryGroup({ api, setup, waitMs }: ListenerSuiteContext): void {
  const { describe, it, expect } = api;

  describe('delivery', () => {
    it('listen() resolves once listening, a second call is harmless, and each message arrives once', async () => {
      const { publisher, listen } = await setup();
      const { listener, got } = await listen();
      listener.onMessage(async (msg, ctx) => {
        got.push({ msg, ctx: snapshot(ctx) });
      });
      await listener.listen();
      await listener.listen();
      for (let n = 0; n < 3; n++) await publisher.publish({ id: `m${n}` });
      await eventually(() => got.length >= 3, { timeoutMs: waitMs, what: '3 messages' });
      await publisher.publish({ id: 'end' });
      await eventually(() => got.some((d) => d.msg.id === 'end'), { timeoutMs: waitMs, what: 'the end marker' });
      expect(ids(got)).toEqual(['m0', 'm1', 'm2', 'end']);
    });

    it('delivers decoded messages in publish order, with key, headers and position in the context', async () => {
      const { channel, publisher, listen } = await setup();
      const { listener, got } = await listen();
      listener.onMessage(async (msg, ctx) => {
        got.push({ msg, ctx: snapshot(ctx) });
      });
      await listener.listen();
      for (let n = 0; n < 20; n++) await publisher.publish({ id: `m${n}`, n }, { key: 'contact-1', headers: { 'x-trace': `t${n}` } });
      await eventually(() => got.length >= 20, { timeoutMs: waitMs, what: '20 messages' });
      expect(got.map((d) => d.msg)).toEqual(Array.from({ length: 20 }, (_, n) => ({ id: `m${n}`, n })));
      const offsets = got.map((d) => BigInt(d.ctx.offset));
      expect(offsets.every((o, i) => i === 0 || o > offsets[i - 1]!)).toBe(true);
      got.forEach((d, n) => {
        expect(d.ctx).toMatchObject({ channelId: channel.channelId, key: 'contact-1', attempt: 1, partition: 0 });
        expect(d.ctx.headers['x-trace']).toBe(`t${n}`);
        expect(typeof d.ctx.timestamp).toBe('number');
      });
    });

    it('a new group without fromBeginning starts at the end: no older message, and none published after listen() is missed', async () => {
      const { publisher, listen } = await setup();
      await publisher.publish({ id: 'old' });
      const { listener, got } = await listen({ fromBeginning: false });
      listener.onMessage(async (msg, ctx) => {
        got.push({ msg, ctx: snapshot(ctx) });
      });
      await listener.listen();
      await publisher.publish({ id: 'new' });
      await eventually(() => got.length >= 1, { timeoutMs: waitMs, what: 'the new message' });
      await publisher.publish({ id: 'end' });
      await eventually(() => got.length >= 2, { timeoutMs: waitMs, what: 'the end marker' });
      expect(ids(got)).toEqual(['new', 'end']);
    });

    it('hands every message to every registered handler', async () => {
      const { publisher, listen } = await setup();
      const { listener } = await listen();
      const a: string[] = [];
      const b: string[] = [];
      listener.onMessage(async (msg) => {
        a.push(msg.id);
      });
      listener.onMessage(async (msg) => {
        b.push(msg.id);
      });
      await listener.listen();
      await publisher.publish({ id: 'x' });
      await publisher.publish({ id: 'y' });
      await eventually(() => a.length >= 2 && b.length >= 2, { timeoutMs: waitMs, what: 'both handlers' });
      expect(a).toEqual(['x', 'y']);
      expect(b).toEqual(['x', 'y']);
    });


    it('carries the W3C traceparent given to publish() to the handler\'s context; a malformed one on the wire is dropped', async () => {
      const { channel, publisher, listen } = await setup();
      const { listener, got } = await listen();
      listener.onMessage(async (msg, ctx) => {
        got.push({ msg, ctx: snapshot(ctx) });
      });
      await listener.listen();
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      await publisher.publish({ id: 'traced' }, { traceparent });
      await publisher.publish({ id: 'plain' });
      await channel.publishRaw('{"id":"forged"}', { headers: { traceparent: 'not-a-traceparent' } });
      await eventually(() => got.length >= 3, { timeoutMs: waitMs, what: 'three messages' });
      expect(ids(got)).toEqual(['traced', 'plain', 'forged']);
      expect(got.map((d) => d.ctx.traceparent)).toEqual([traceparent, undefined, undefined]);
    });
  });
}
