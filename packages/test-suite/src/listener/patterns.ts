import type { IListener, ListenerEvents } from '@motifs/core';
import { eventually } from '../async.js';
import { type ListenerSuiteContext, type Msg, fastRetry } from './context.js';
import { type Delivered, type ListenerContractChannel, snapshot } from './fixtures.js';

type PatternChannel = Required<Pick<ListenerContractChannel, 'patternListener' | 'siblingPublisher' | 'deadLetterListenerOf'>>;

function patternsOf(channel: ListenerContractChannel): PatternChannel {
  const { patternListener, siblingPublisher, deadLetterListenerOf } = channel;
  if (!patternListener || !siblingPublisher || !deadLetterListenerOf) {
    throw new Error('capabilities.patterns: true needs patternListener, siblingPublisher and deadLetterListenerOf on the contract channel');
  }
  return { patternListener: patternListener.bind(channel), siblingPublisher: siblingPublisher.bind(channel), deadLetterListenerOf: deadLetterListenerOf.bind(channel) };
}

/**
 * Pattern subscriptions (`channelId: '<channel>.*'`): every matching channel, existing or created
 * later, with the real channel in the context and dead letters in `<real channel>.dlq`, which the
 * pattern never reads. With `supported: false`, only the typed refusal at make time is checked.
 */
export function patternsGroup({ api, setup, waitMs, track }: ListenerSuiteContext, supported: boolean): void {
  const { describe, it, expect } = api;

  if (!supported) {
    describe('patterns (declared unsupported)', () => {
      it('a pattern channelId is refused at make time with MOTIFS_VALIDATION', async () => {
        const { channel } = await setup();
        if (!channel.patternListener) throw new Error('capabilities.patterns: false needs patternListener on the contract channel');
        let made: IListener<unknown> | undefined;
        await expect(
          (async () => {
            made = await channel.patternListener!(`${channel.channelId}.*`);
          })(),
        ).rejects.toMatchObject({ code: 'MOTIFS_VALIDATION' });
        if (made) await track(made).close();
      });
    });
    return;
  }

  describe('patterns', () => {
    it('a pattern listener reads every matching channel, existing and created after listen(); the context names the real channel', async () => {
      const { channel, publisher } = await setup();
      const p = patternsOf(channel);
      const before = track(await p.siblingPublisher<Msg>('a'));
      await before.publish({ id: 'a1' });
      const listener = track(await p.patternListener<Msg>(`${channel.channelId}.*`, { groupId: 'pattern-group' }));
      const got: Delivered<Msg>[] = [];
      const added: string[] = [];
      listener.em.on('channels', (e: ListenerEvents['channels']) => void added.push(...e.added));
      listener.onMessage(async (msg, ctx) => void got.push({ msg, ctx: snapshot(ctx) }));
      listener.onError(async () => undefined);
      await listener.listen();
      // Does not match `<channel>.*`: never delivered.
      await publisher.publish({ id: 'base' });
      const later = track(await p.siblingPublisher<Msg>('b'));
      await later.publish({ id: 'b1' });
      await before.publish({ id: 'a2' });
      await eventually(() => got.length >= 3, { timeoutMs: waitMs, what: 'a1, a2 and b1 (b created after listen())' });
      const seen = got.map((d) => `${d.ctx.channelId}:${d.msg.id}`).sort();
      expect(seen).toEqual([`${channel.channelId}.a:a1`, `${channel.channelId}.a:a2`, `${channel.channelId}.b:b1`]);
      expect([...new Set(added)].sort()).toEqual([`${channel.channelId}.a`, `${channel.channelId}.b`]);
    });

    it('dead letters go to <real channel>.dlq, which the pattern never reads', async () => {
      const { channel } = await setup();
      const p = patternsOf(channel);
      const c = track(await p.siblingPublisher<Msg>('c'));
      const listener = track(await p.patternListener<Msg>(`${channel.channelId}.*`, { retry: fastRetry }));
      const got: Delivered<Msg>[] = [];
      const deadLettered: ListenerEvents['dead-letter'][] = [];
      listener.em.on('dead-letter', (e: ListenerEvents['dead-letter']) => void deadLettered.push(e));
      listener.onMessage(async (msg, ctx) => {
        got.push({ msg, ctx: snapshot(ctx) });
        if (msg.id === 'poison') throw new Error('poison');
      });
      listener.onError(async () => undefined);
      await listener.listen();
      await c.publish({ id: 'poison' });
      await eventually(() => deadLettered.length >= 1, { timeoutMs: waitMs, what: 'the dead letter' });
      expect(deadLettered[0]).toMatchObject({ channelId: `${channel.channelId}.c`, deadLetterChannelId: `${channel.channelId}.c.dlq`, reason: 'handler' });
      const dlq = track(await p.deadLetterListenerOf(`${channel.channelId}.c`));
      const letters: Delivered<string>[] = [];
      dlq.onMessage(async (text, ctx) => void letters.push({ msg: text, ctx: snapshot(ctx) }));
      dlq.onError(async () => undefined);
      await dlq.listen();
      await eventually(() => letters.length >= 1, { timeoutMs: waitMs, what: 'the letter in <real channel>.dlq' });
      expect(JSON.parse(letters[0]!.msg)).toEqual({ id: 'poison' });
      expect(letters[0]!.ctx.headers['motifs-dlq-source-topic']).toBe(`${channel.channelId}.c`);
      await c.publish({ id: 'after' });
      await eventually(() => got.some((d) => d.msg.id === 'after'), { timeoutMs: waitMs, what: 'the next message' });
      expect(got.every((d) => d.ctx.channelId === `${channel.channelId}.c`)).toBe(true);
    });

    it('two pattern listeners in one group share the matched channels: every message handled, none by both', async () => {
      const { channel } = await setup();
      const p = patternsOf(channel);
      const pubs = [track(await p.siblingPublisher<Msg>('x')), track(await p.siblingPublisher<Msg>('y'))];
      const sides = await Promise.all(
        [0, 1].map(async () => {
          const listener = track(await p.patternListener<Msg>(`${channel.channelId}.*`, { groupId: 'pattern-workers' }));
          const got: Delivered<Msg>[] = [];
          listener.onMessage(async (msg, ctx) => void got.push({ msg, ctx: snapshot(ctx) }));
          listener.onError(async () => undefined);
          return { listener, got };
        }),
      );
      for (const side of sides) await side.listener.listen();
      const total = 20;
      for (let n = 0; n < total; n++) await pubs[n % 2]!.publish({ id: `m${n}`, n });
      const union = () => new Set(sides.flatMap((s) => s.got.map((d) => d.msg.id)));
      await eventually(() => union().size >= total, { timeoutMs: waitMs, what: `all ${total} messages` });
      // At-least-once allows a repeat across a rebalance, never a message both members handled in steady state:
      // each channel (one partition here) is owned by one member at a time.
      const owners = new Map<string, Set<number>>();
      sides.forEach((s, i) => s.got.forEach((d) => owners.set(d.ctx.channelId, (owners.get(d.ctx.channelId) ?? new Set()).add(i))));
      expect([...owners.keys()].sort()).toEqual([`${channel.channelId}.x`, `${channel.channelId}.y`]);
      const handledTwice = [...union()].filter((id) => sides.every((s) => s.got.some((d) => d.msg.id === id)));
      expect(handledTwice.length).toBeLessThanOrEqual(2);
    });

    it('publishing to a pattern is refused with MOTIFS_VALIDATION, nothing written', async () => {
      const { channel } = await setup();
      const p = patternsOf(channel);
      await expect(p.siblingPublisher('*')).rejects.toMatchObject({ code: 'MOTIFS_VALIDATION' });
    });
  });
}
