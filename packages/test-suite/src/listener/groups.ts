import type { IListener } from '@motifs/core';
import { eventually } from '../async.js';
import { type ListenerSuiteContext, type Msg, ids } from './context.js';
import { type Delivered, snapshot } from './fixtures.js';

/** Consumer groups: a restart resumes where the group stopped; members split the partitions. */
export function groupsGroup({ api, setup, waitMs }: ListenerSuiteContext, partitioned = true): void {
  const { describe, it, expect } = api;

  describe('consumer groups', () => {
    it('a listener stopped mid-stream and started again in the same group loses nothing', async () => {
      const { publisher, listen } = await setup();
      const total = 30;
      const first = await listen({ groupId: 'restart-group' });
      first.listener.onMessage(async (msg) => {
        first.got.push({ msg } as Delivered<Msg>);
        // Pace the first listener so close() lands mid-stream rather than after the last message.
        await new Promise((resolve) => setTimeout(resolve, 20));
      });
      await first.listener.listen();
      for (let n = 0; n < total; n++) await publisher.publish({ id: `m${n}`, n });
      await eventually(() => first.got.length >= 5, { timeoutMs: waitMs, what: 'the first messages' });
      await first.listener.close();
      const second = await listen({ groupId: 'restart-group' });
      second.listener.onMessage(async (msg) => {
        second.got.push({ msg } as Delivered<Msg>);
      });
      await second.listener.listen();
      const seen = () => new Set([...ids(first.got), ...ids(second.got)]);
      await eventually(() => seen().size >= total, { timeoutMs: waitMs, what: `all ${total} messages` });
      expect([...seen()].sort()).toEqual(Array.from({ length: total }, (_, n) => `m${n}`).sort());
      // Each listener saw its share in order (at-least-once may repeat the message in flight at close).
      for (const part of [first.got, second.got]) {
        const ns = part.map((d) => d.msg.n!);
        expect(ns.every((n, i) => i === 0 || n >= ns[i - 1]!)).toBe(true);
      }
    });

    if (!partitioned) {
      it('two listeners in one group compete for one log: each message goes to one of them, together they see every message', async () => {
        const { publisher, listen } = await setup();
        const a = await listen({ groupId: 'compete-group' });
        const b = await listen({ groupId: 'compete-group' });
        for (const side of [a, b]) {
          side.listener.onMessage(async (msg, ctx) => {
            side.got.push({ msg, ctx: snapshot(ctx) });
            // Slow enough that the other member gets entries while this one is busy.
            await new Promise((resolve) => setTimeout(resolve, 5));
          });
        }
        await a.listener.listen();
        await b.listener.listen();
        const total = 60;
        await Promise.all(Array.from({ length: total }, (_, n) => publisher.publish({ id: `m${n}`, n })));
        const all = () => [...ids(a.got), ...ids(b.got)];
        await eventually(() => new Set(all()).size >= total, { timeoutMs: waitMs, what: 'every message' });
        expect(a.got.length).toBeGreaterThan(0);
        expect(b.got.length).toBeGreaterThan(0);
        // Nothing failed or was closed, so no message was handed to both.
        expect(all().length).toBe(total);
        // Each member sees its share in log order.
        for (const side of [a, b]) {
          const offsets = side.got.map((d) => BigInt(d.ctx.offset));
          expect(offsets.every((o, i) => i === 0 || o > offsets[i - 1]!)).toBe(true);
        }
      });
      return;
    }

    it('two listeners in one group split the partitions and together see every message, in order per key', async () => {
      const { publisher, listen } = await setup(2);
      const a = await listen({ groupId: 'split-group' });
      const b = await listen({ groupId: 'split-group' });
      const assigned = new Map<IListener<Msg>, number[]>();
      for (const side of [a, b]) {
        side.listener.em.on('rebalance', (e: { partitions: number[] }) => {
          assigned.set(side.listener, [...e.partitions].sort());
        });
        side.listener.onMessage(async (msg, ctx) => {
          side.got.push({ msg, ctx: snapshot(ctx) });
        });
      }
      await a.listener.listen();
      await b.listener.listen();
      await eventually(() => assigned.get(a.listener)?.length === 1 && assigned.get(b.listener)?.length === 1 && assigned.get(a.listener)![0] !== assigned.get(b.listener)![0], { timeoutMs: waitMs, what: 'each listener to own one partition' });
      const keys = Array.from({ length: 8 }, (_, k) => `key-${k}`);
      const total = 40;
      for (let n = 0; n < total; n++) await publisher.publish({ id: `m${n}`, n }, { key: keys[n % keys.length] });
      const union = () => new Set([...ids(a.got), ...ids(b.got)]);
      await eventually(() => union().size >= total, { timeoutMs: waitMs, what: 'every message' });
      expect(a.got.length).toBeGreaterThan(0);
      expect(b.got.length).toBeGreaterThan(0);
      const partitionsOf = (got: Delivered<Msg>[]) => new Set(got.map((d) => d.ctx.partition));
      expect([...partitionsOf(a.got)]).toEqual(assigned.get(a.listener));
      expect([...partitionsOf(b.got)]).toEqual(assigned.get(b.listener));
      for (const side of [a, b]) {
        for (const key of keys) {
          const ns = side.got.filter((d) => d.ctx.key === key).map((d) => d.msg.n!);
          expect(ns).toEqual([...ns].sort((x, y) => x - y));
        }
      }
    });

  });
}
